"""The call's signalling (WebRTC offers, answers, ICE candidates): relayed to the one participant addressed, on this
instance or another; never stored. The media go peer to peer, never through the server."""

from __future__ import annotations

from .handlers import Context, handles
from .hub import Peer
from .protocol import (
    MAX_CALL_PEOPLE,
    SIGNAL_BURST,
    SIGNALS_PER_SECOND,
    CallSignal,
    CallState,
    ProtocolError,
    call_signal,
)


def _take_signal(peer: Peer, what: str) -> None:
    """One of the call messages a connection may send (a burst, then a rate); refused beyond it."""
    if not peer.rate("call", SIGNALS_PER_SECOND, SIGNAL_BURST).try_take():
        raise ProtocolError(
            f"{what}: more than {SIGNALS_PER_SECOND} call messages a second; this one was not taken", "rate_limited"
        )


@handles(CallState)
async def _call_state(ctx: Context, message: CallState) -> None:
    peer = ctx.peer
    _take_signal(peer, "call_state")
    state = {"audio": message.audio, "video": message.video} if message.in_call else None
    if state == peer.call:
        return
    # A mesh of more would ask too much of everyone's upload. Counted and joined with no await between, so two pages
    # joining at once on one instance cannot both take the last place (other instances' count may lag a moment).
    if state and peer.call is None:
        elsewhere = await ctx.session.audience.in_call_elsewhere()
        if ctx.session.audience.in_call_here(excluding=peer) + elsewhere >= MAX_CALL_PEOPLE:
            raise ProtocolError(
                f"call_state: the call is full: {MAX_CALL_PEOPLE} people are in it, the most one call connects",
                "call_full",
            )
    peer.call = state
    await ctx.session.audience.announce_participants()
    await ctx.session.activity.save_call(peer.id, state)


@handles(CallSignal)
async def _call_signal(ctx: Context, message: CallSignal) -> None:
    peer = ctx.peer
    _take_signal(peer, "call_signal")
    if message.to == peer.id:
        raise ProtocolError("call_signal: data.to is your own id; address another participant")
    ctx.session.audience.send_to(message.to, call_signal(peer.id, message.to, message.signal))

"""The call's signalling (WebRTC offers, answers, ICE candidates): relayed to the one participant addressed, on this
instance or another; never stored. The media go peer to peer, never through the server."""

from __future__ import annotations

from .handlers import Context, handles
from .limits import TokenBucket
from .protocol import SIGNAL_BURST, SIGNALS_PER_SECOND, CallSignal, ProtocolError, call_signal


@handles(CallSignal)
async def _call_signal(ctx: Context, message: CallSignal) -> None:
    peer = ctx.peer
    if peer.signals is None:
        peer.signals = TokenBucket(SIGNALS_PER_SECOND, SIGNAL_BURST)
    if not peer.signals.try_take():
        raise ProtocolError(
            f"call_signal: more than {SIGNALS_PER_SECOND} signals a second; this one was not relayed", "rate_limited"
        )
    if message.to == peer.id:
        raise ProtocolError("call_signal: data.to is your own id; address another participant")
    ctx.session.audience.send_to(message.to, call_signal(peer.id, message.to, message.signal))

"""integrity_event (protocol.py declares it; integrity.py keeps the events): stamped, stored, then sent to hosts only."""

from __future__ import annotations

from . import protocol
from .handlers import Context, handles
from .limits import SessionBudgets, take_from_both
from .protocol import INTEGRITY_BURST, INTEGRITY_PER_SECOND, IntegrityEvent, ProtocolError


@handles(IntegrityEvent)
async def _integrity_event(ctx: Context, message: IntegrityEvent) -> None:
    session, peer = ctx.session, ctx.peer
    if not take_from_both(peer.rate("integrity", INTEGRITY_PER_SECOND, INTEGRITY_BURST), session.budgets.integrity):
        raise ProtocolError(
            f"integrity_event: more than a connection ({INTEGRITY_PER_SECOND} a second) or the session "
            f"({SessionBudgets.INTEGRITY_RATE} a second) may send; this one was not recorded",
            "rate_limited",
        )
    event = session.integrity.record(peer.public(), session.version, message.kind, message.details)
    await session.integrity.save(event)  # stored before it is shown
    ctx.share(protocol.integrity(event), hosts_only=True)

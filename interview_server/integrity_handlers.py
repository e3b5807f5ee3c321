"""integrity_event (protocol.py declares it; integrity.py keeps the events): stamped, stored, then sent to hosts only."""

from __future__ import annotations

from . import protocol
from .handlers import Context, handles
from .limits import TokenBucket
from .protocol import INTEGRITY_BURST, INTEGRITY_PER_SECOND, IntegrityEvent, ProtocolError


@handles(IntegrityEvent)
async def _integrity_event(ctx: Context, message: IntegrityEvent) -> None:
    session, peer = ctx.session, ctx.peer
    if peer.integrity_events is None:
        peer.integrity_events = TokenBucket(INTEGRITY_PER_SECOND, INTEGRITY_BURST)
    if not peer.integrity_events.try_take():
        raise ProtocolError(
            f"integrity_event: more than {INTEGRITY_PER_SECOND} a second; this one was not recorded", "rate_limited"
        )
    event = session.integrity.record(peer.public(), session.version, message.kind, message.details)
    await session.integrity.save(event)  # stored before it is shown
    ctx.share(protocol.integrity(event), hosts_only=True)

"""This instance's status for the admin dashboard: its live sessions and health, written to the store every few
seconds so that the dashboard of any instance sharing the store can show every instance."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
import socket
import time
from datetime import UTC, datetime

from aiohttp import web

from .keys import CONFIG, HUB, INSTANCE_NAME, LOOP_MONITOR, SESSIONS, STORE, STORE_HEALTH

log = logging.getLogger(__name__)

STATUS_EVERY_SECONDS = 3  # the store keeps a status INSTANCE_STATUS_SECONDS (10 s): two missed beats are forgiven
MAX_LISTED_SESSIONS = 500  # per instance: the status stays a small record however busy the instance is


def iso(seconds: float) -> str:
    """Seconds since the epoch as ISO 8601 UTC, to the second."""
    return datetime.fromtimestamp(seconds, UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def new_instance_name() -> str:
    """A name for this process: its host name and a few random characters (two processes on one host differ)."""
    return f"{socket.gethostname()[:40]}-{secrets.token_hex(2)}"


def instance_status(app: web.Application, now: float) -> dict:
    """What the dashboard shows of this instance: health, counts and its live sessions (at most
    MAX_LISTED_SESSIONS, the most recently active first)."""
    hub, registry = app[HUB], app[SESSIONS]
    live = sorted(registry.live_sessions(), key=lambda session: session.last_active, reverse=True)
    sessions = []
    for session in live[:MAX_LISTED_SESSIONS]:
        peers = hub.peers(session.session_id)
        sessions.append(
            {
                "session_id": session.session_id,
                "title": session.host.title,
                "language": session.language,
                "created_at": session.created_at.isoformat(timespec="seconds").replace("+00:00", "Z"),
                "last_activity": iso(session.last_active),
                "connections": len(peers),
                "participants": sum(1 for peer in peers if peer.introduced),
                "length": session.length,  # UTF-16 units: cheap to read, unlike a UTF-8 size
                "version": session.version,
                "ended": session.host.ended,
            }
        )
    return {
        "instance": app[INSTANCE_NAME],
        "store": app[STORE].name,
        "seen_at": iso(now),
        "connections": hub.connection_count(),
        "live_sessions": registry.live_count(),
        "listed_sessions": len(sessions),
        "overloaded": app[LOOP_MONITOR].overloaded(),
        "store_up": app[STORE_HEALTH].up,
        "loop_lag_ms": app[LOOP_MONITOR].summary(),
        "max_participants": app[CONFIG].max_participants,
        "sessions": sessions,
    }


async def write_status_while_serving(app: web.Application):
    """For a cleanup context (when the dashboard is on): write this instance's status every few seconds."""

    async def beat() -> None:
        while True:
            try:
                await app[STORE].set_instance_status(app[INSTANCE_NAME], instance_status(app, time.time()))
            except Exception as exc:  # the store is down: the dashboard shows this instance as gone meanwhile
                log.warning("could not write this instance's status: %s", exc)
            await asyncio.sleep(STATUS_EVERY_SECONDS)

    task = asyncio.create_task(beat())
    yield
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task

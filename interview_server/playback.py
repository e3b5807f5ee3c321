"""A session's whole history for playback and export: the starting text, every update, runs, chat, people.

docs/PLAYBACK.md shows the shape. The page (static/src/playback/) rebuilds the text at any version from it.
"""

from __future__ import annotations

from datetime import datetime, timezone

from . import hosting
from .activity import iso_time
from .store import SessionRecord, SessionStore
from .store.base import EVENT_LIMITS


class PlaybackUnavailable(Exception):
    """The session cannot be replayed from its start; the message says why."""


async def session_history(record: SessionRecord, store: SessionStore) -> dict:
    """The history of a session up to `record.version`; raises PlaybackUnavailable if it has no start."""
    start_text = record.meta.get(hosting.START_TEXT)
    if start_text is None:
        raise PlaybackUnavailable("this session was created before playback existed: its starting text was not kept")
    updates = await store.updates_since(record.session_id, 0)
    if updates is None:
        raise PlaybackUnavailable("this session's early history was compacted away (over 200,000 updates): "
                                  "it cannot be replayed from the start")
    updates = updates[:record.version]  # a live session may be one commit further in the store
    people = {person["id"]: {"name": person["name"], "color": person["color"], "role": person.get("role", "candidate")}
              for person in await store.recent_events(record.session_id, "person", EVENT_LIMITS["person"])}
    return {
        "session_id": record.session_id,
        "title": record.meta.get(hosting.TITLE) or "",
        "language": record.language,
        "created_at": iso_time(record.created_at.timestamp()),
        "exported_at": iso_time(datetime.now(timezone.utc).timestamp()),
        "start": {"version": 0, "text": start_text},
        "updates": [{"at": round(update.timestamp * 1000), "participant": update.participant,
                     "changes": update.changes} for update in updates],
        "participants": people,
        "runs": await store.recent_events(record.session_id, "run", EVENT_LIMITS["run"]),
        "chat": await store.recent_events(record.session_id, "chat", EVENT_LIMITS["chat"]),
        "version": record.version,
        "text": record.text,
        "problem": record.meta.get(hosting.PROBLEM),
        "locked": bool(record.meta.get(hosting.LOCKED)),
        "ended": bool(record.meta.get(hosting.ENDED)),
    }

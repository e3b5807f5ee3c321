"""Creating sessions and keeping one live authority per session that has connections."""

from __future__ import annotations

import re
import uuid
from datetime import datetime, timezone

from . import protocol
from .hub import Hub
from .session import Session
from .store import SessionRecord, SessionStore

LANGUAGES = ("python",)
DEFAULT_LANGUAGE = "python"
STARTER_CODE = {
    "python": 'def greet(name):\n    return f"Hello, {name}!"\n\n\nprint(greet("world"))\n',
}

_SESSION_ID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")


def is_session_id(value: str) -> bool:
    """True for a lowercase uuid4 string, the only shape of session id this server issues."""
    return bool(_SESSION_ID.match(value))


class SessionRegistry:
    """Creates sessions in the store and hands out the live Session of each one that is in use."""

    def __init__(self, store: SessionStore, hub: Hub):
        self._store = store
        self._hub = hub
        self._live: dict[str, Session] = {}

    async def create(self, language: str = DEFAULT_LANGUAGE) -> SessionRecord:
        record = SessionRecord(
            session_id=str(uuid.uuid4()),
            language=language,
            created_at=datetime.now(timezone.utc),
            text=STARTER_CODE.get(language, ""),
            version=0,
        )
        await self._store.create(record)
        return record

    async def get_record(self, session_id: str) -> SessionRecord | None:
        """The session's stored state (live sessions answer from memory)."""
        live = self._live.get(session_id)
        if live is not None:
            return SessionRecord(live.session_id, live.language, live.created_at, live.code, live.version)
        return await self._store.get(session_id)

    async def open(self, session_id: str) -> Session | None:
        """The live authority of a session, loaded from the store on first use; None if unknown."""
        session = self._live.get(session_id)
        if session is not None:
            return session
        record = await self._store.get(session_id)
        if record is None:
            return None
        # Another connection may have loaded it while we awaited the store.
        session = self._live.get(session_id)
        if session is None:
            session = Session(record, self._store, publish=lambda version, accepted: self._hub.broadcast(
                session_id, protocol.updates(version, accepted)))
            self._live[session_id] = session
        return session

    def release(self, session_id: str) -> None:
        """Drop the live authority once nobody is connected (the store keeps the state)."""
        if self._hub.count(session_id) == 0:
            self._live.pop(session_id, None)

    def active_users(self, session_id: str) -> int:
        return self._hub.count(session_id)

"""The collab authority of one session: validates pushes, applies them, commits them, publishes them.

No aiohttp here: the authority talks to a store and to a `publish` callback.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence

from .changes import ChangeSetError, Text, canonical_changes, diff_changes
from .protocol import ProtocolError, Update
from .store import SessionRecord, SessionStore

log = logging.getLogger(__name__)

SERVER_CLIENT_ID = "server"  # clientID of updates the server makes from a whole-text `code_update`

Publish = Callable[[int, list[Update]], None]  # (version before, accepted updates); must not await


class Session:
    """One live document. The version is the number of updates accepted so far."""

    def __init__(self, record: SessionRecord, store: SessionStore, publish: Publish):
        self.session_id = record.session_id
        self.language = record.language
        self.created_at = record.created_at
        self.version = record.version
        self._text = Text.from_str(record.text)
        self._store = store
        self._publish = publish
        # Serialises version checks, commits and publishing, so every peer sees updates in version order.
        self._lock = asyncio.Lock()

    @property
    def code(self) -> str:
        return str(self._text)

    def _rebase_check(self, updates: Sequence[Update]) -> tuple[list[Update], Text]:
        """Validate updates one after another against the text; return them canonical, and the new text."""
        text = self._text
        accepted = []
        for index, update in enumerate(updates):
            try:
                changes = canonical_changes(update.changes, len(text))
            except ChangeSetError as exc:
                raise ProtocolError(f"push: update {index}: {exc}") from None
            text = text.apply(changes)
            accepted.append(Update(update.client_id, changes))
        return accepted, text

    async def push(self, version: int, updates: Sequence[Update]) -> bool:
        """Accept updates made on top of `version` if it is current; publish them. False if stale."""
        async with self._lock:
            if version != self.version:
                return False
            accepted, text = self._rebase_check(updates)
            await self._commit(accepted, text)
            return True

    async def replace_code(self, code: str) -> None:
        """Turn a whole new text into one minimal update and publish it (nothing if unchanged)."""
        async with self._lock:
            new_text = Text.from_str(code)
            changes = diff_changes(str(self._text), str(new_text))
            if changes is not None:
                await self._commit([Update(SERVER_CLIENT_ID, changes)], new_text)

    async def _commit(self, accepted: list[Update], text: Text) -> None:
        before = self.version
        if not await self._store.append(self.session_id, before, accepted, str(text)):
            raise RuntimeError(f"store version of session {self.session_id} moved under the authority")
        self._text = text
        self.version = before + len(accepted)
        self._publish(before, accepted)

    async def updates_since(self, version: int) -> list[Update] | None:
        """Accepted updates after `version`, or None when the client must resync from the full text."""
        async with self._lock:
            if version > self.version:
                return None
            if version == self.version:
                return []
            return await self._store.updates_since(self.session_id, version)

"""The collab authority of one session: validates pushes, commits them to the store, publishes them.

No aiohttp here: the authority talks to a store and to a listener that fans messages out. Several
server instances may share one store (Redis); the store's version check decides, and an instance
that finds itself behind catches up from the store before answering.
"""

from __future__ import annotations

import asyncio
import collections
import enum
import itertools
import logging
import time
from collections.abc import Callable, Sequence
from typing import Protocol

from .changes import (ChangeSetError, Text, canonical_changes, changes_length, changes_new_length, diff_changes,
                      map_position)
from .protocol import ProtocolError, Update
from .rebase import rebase_updates
from .store import SessionRecord, SessionStore
from .store.base import SNAPSHOT_INTERVAL

log = logging.getLogger(__name__)

SERVER_CLIENT_ID = "server"  # clientID of updates the server makes from a whole-text `code_update`
MAX_HISTORY_UPDATES = 200_000  # older updates are compacted away (an abuse guard; playback keeps the rest)
DEFAULT_MAX_DOCUMENT_BYTES = 512 * 1024
CURSOR_MAP_UPDATES = 1000  # a cursor may refer to a version this many updates old at most,
CURSOR_MAP_BYTES = 1024 * 1024  # while those updates' inserted text stays under this (the rest is forgotten)
CURSOR_MAP_BUDGET = 2000  # ranges x updates to map one cursor through: bounds the work a cursor may ask for
# Pushed x accepted-since updates one server-side rebase may take (10-30 us each): past it, push_rejected and
# the client rebases itself. Kept small so an overloaded server (long delays, hence far-behind pushes)
# does not spend ever more time rebasing.
REBASE_BUDGET = 100


class PushResult(enum.Enum):
    ACCEPTED = "accepted"  # committed and published
    STALE = "stale"  # made on an older version: the client rebases and pushes again
    AHEAD = "ahead"  # made on a version the server never had: the client must resync


class SessionListener(Protocol):
    """Told about changes in the order they happen; must not await."""

    def updates_accepted(self, session: "Session", version_before: int, updates: list[Update]) -> None: ...

    def text_reset(self, session: "Session") -> None: ...


class Session:
    """One live document. The version is the number of updates accepted so far."""

    def __init__(self, record: SessionRecord, store: SessionStore, listener: SessionListener,
                 clock: Callable[[], float] = time.time, max_document_bytes: int = DEFAULT_MAX_DOCUMENT_BYTES):
        self.session_id = record.session_id
        self.language = record.language
        self.created_at = record.created_at
        self.version = record.version
        self._text = Text.from_str(record.text)
        # Recent accepted updates, newest last: (clientID, changes as nested tuples, size). Plain tuples of
        # plain values, which the garbage collector stops tracking: thousands of sessions keep up to
        # CURSOR_MAP_UPDATES each, and full collections would otherwise walk them all (long pauses).
        self._recent: collections.deque[tuple[str, tuple, int]] = collections.deque()
        self._recent_bytes = 0
        self._store = store
        self._listener = listener
        self.activity = None  # its runs and chat (activity.Activity), attached by the registry
        self.host = None  # what hosts decide (hosting.HostSettings), attached by the registry
        self._clock = clock
        self._max_document_bytes = max_document_bytes
        # Serialises version checks, commits and publishing, so every peer sees updates in version order.
        self._lock = asyncio.Lock()

    @property
    def code(self) -> str:
        return str(self._text)

    def _validate(self, updates: Sequence[Update], participant: str) -> tuple[list[Update], Text]:
        """Check updates one after another against the text; return them canonical and stamped, and the new text."""
        text = self._text
        now = self._clock()
        accepted = []
        for index, update in enumerate(updates):
            try:
                changes = canonical_changes(update.changes, len(text))
            except ChangeSetError as exc:
                raise ProtocolError(f"push: update {index}: {exc}") from None
            text = text.apply(changes)
            accepted.append(Update(update.client_id, changes, now, participant))
        self._check_size("push", text)
        return accepted, text

    def _check_size(self, what: str, text: Text) -> None:
        """Refuse a text over the size limit, unless it shrinks a document that already is (the limit was lowered)."""
        limit = self._max_document_bytes
        if len(text) * 3 <= limit:  # a UTF-16 unit is at most 3 UTF-8 bytes
            return
        size = text.utf8_size()
        if size > limit and size > self._text.utf8_size():
            raise ProtocolError(f"{what}: the document would be {size:,} bytes, over this server's limit of "
                                f"{limit:,} bytes (MAX_DOCUMENT_BYTES); nothing was applied", code="document_too_large")

    async def push(self, version: int, updates: Sequence[Update], participant: str = "",
                   rebase: bool = False, may_edit: Callable[[], None] | None = None) -> PushResult:
        """Accept updates made on top of `version` if it is current, and publish them. With `rebase`, updates
        made on an older version are moved over the ones accepted since, one at a time (rebase.py), instead
        of refused, if the session still holds those (see _recent) within REBASE_BUDGET. `may_edit` raises
        ProtocolError if the sender may not edit now (a lock): checked in turn with every other change."""
        async with self._lock:
            if may_edit is not None:
                may_edit()
            if version > self.version:
                await self._catch_up_locked()  # another instance may be ahead of us
                if version > self.version:
                    return PushResult.AHEAD
            for _ in range(10):  # another instance may move the version between tries
                if version != self.version:
                    moved = self._rebase(version, updates) if rebase else None
                    if moved is None:
                        return PushResult.STALE
                    if not moved:
                        return PushResult.ACCEPTED  # every one of them was accepted already
                    version, updates = self.version, moved
                accepted, text = self._validate(updates, participant)
                if await self._commit(accepted, text):
                    return PushResult.ACCEPTED
                if not rebase:
                    return PushResult.STALE
            return PushResult.STALE

    def _rebase(self, version: int, updates: Sequence[Update]) -> list[Update] | None:
        """`updates` (made on `version`) moved to the current version, or None if that version is too old to
        rebase from here (or the work would be too much): the client is told to rebase itself."""
        behind = self.version - version
        if behind > len(self._recent) or behind * len(updates) > REBASE_BUDGET:
            return None
        over = [Update(client_id, changes)
                for client_id, changes, _ in itertools.islice(self._recent, len(self._recent) - behind, None)]
        length, checked = changes_length(over[0].changes), []
        for index, update in enumerate(updates):
            try:
                changes = canonical_changes(update.changes, length)
            except ChangeSetError as exc:
                raise ProtocolError(f"push: update {index}: {exc} (at version {version})") from None
            checked.append(Update(update.client_id, changes))
            length = changes_new_length(changes)
        return rebase_updates(checked, over)

    async def replace_code(self, code: str, participant: str = "", may_edit: Callable[[], None] | None = None) -> None:
        """Turn a whole new text into one minimal update and publish it (nothing if unchanged)."""
        async with self._lock:
            if may_edit is not None:
                may_edit()
            for _ in range(10):  # another instance may move the version between tries
                new_text = Text.from_str(code)
                self._check_size("code_update", new_text)
                changes = diff_changes(str(self._text), str(new_text))
                if changes is None:
                    return
                update = Update(SERVER_CLIENT_ID, changes, self._clock(), participant)
                if await self._commit([update], new_text):
                    return

    async def _commit(self, accepted: list[Update], text: Text) -> bool:
        """Append at the current version; publish only once durable. If the store moved on, catch up."""
        before = self.version
        if not await self._store.append(self.session_id, before, accepted, lambda: str(text)):
            await self._catch_up_locked()
            return False
        self._text = text
        self.version = before + len(accepted)
        self._remember(accepted)
        self._listener.updates_accepted(self, before, accepted)
        if self.version % SNAPSHOT_INTERVAL < len(accepted) and self.version > MAX_HISTORY_UPDATES:
            await self._store.compact(self.session_id, self.version - MAX_HISTORY_UPDATES)
        return True

    def _remember(self, updates: Sequence[Update]) -> None:
        """Keep recent changes to map cursors with: the last CURSOR_MAP_UPDATES, within CURSOR_MAP_BYTES."""
        for update in updates:
            size = _changes_size(update.changes)
            frozen = tuple(part if isinstance(part, int) else tuple(part) for part in update.changes)
            self._recent.append((update.client_id, frozen, size))
            self._recent_bytes += size
        while self._recent and (len(self._recent) > CURSOR_MAP_UPDATES or self._recent_bytes > CURSOR_MAP_BYTES):
            self._recent_bytes -= self._recent.popleft()[2]

    async def catch_up(self) -> None:
        """Apply and publish updates other instances committed since our version."""
        async with self._lock:
            await self._catch_up_locked()

    async def _catch_up_locked(self) -> None:
        missed = await self._store.updates_since(self.session_id, self.version)
        if missed is None:
            record = await self._store.get(self.session_id)
            if record is None:
                return
            self._text, self.version = Text.from_str(record.text), record.version
            self._recent.clear()
            self._recent_bytes = 0
            self._listener.text_reset(self)
            return
        if not missed:
            return
        before = self.version
        text = self._text
        for update in missed:
            text = text.apply(update.changes)
        self._text, self.version = text, before + len(missed)
        self._remember(missed)
        self._listener.updates_accepted(self, before, missed)

    async def updates_since(self, version: int) -> list[Update] | None:
        """Accepted updates after `version`, or None when the client must resync from the full text."""
        async with self._lock:
            if version > self.version:
                await self._catch_up_locked()
            if version > self.version:
                return None
            if version == self.version:
                return []
            return await self._store.updates_since(self.session_id, version)

    def check_ranges(self, version: int, ranges: Sequence[tuple[int, int]]) -> None:
        """Raise ProtocolError unless `ranges` can be placed: a version the session can map from (not
        ahead, not too old, within the mapping budget) and positions inside the document at that version."""
        self._later_changes(version, ranges)

    def map_ranges(self, version: int, ranges: Sequence[tuple[int, int]]) -> list[tuple[int, int]]:
        """Selection ranges given in the document at `version`, mapped to the current version (checked as
        in `check_ranges`)."""
        later = self._later_changes(version, ranges)
        mapped = []
        for anchor, head in ranges:
            for changes in later:
                anchor, head = map_position(changes, anchor), map_position(changes, head)
            mapped.append((anchor, head))
        return mapped

    def _later_changes(self, version: int, ranges: Sequence[tuple[int, int]]) -> list[list]:
        behind = self.version - version
        if behind < 0:
            raise ProtocolError(f"cursor: version {version} is ahead of the session (at {self.version})")
        if behind > len(self._recent):
            raise ProtocolError(f"cursor: version {version} is too old to place; send the cursor at the current version")
        if behind * len(ranges) > CURSOR_MAP_BUDGET:
            raise ProtocolError(f"cursor: {len(ranges)} ranges {behind} updates behind is too much to place; "
                                "send the cursor at the current version")
        later = [changes for _, changes, _ in itertools.islice(self._recent, len(self._recent) - behind, None)]
        length = changes_length(later[0]) if later else len(self._text)
        if any(not 0 <= pos <= length for pair in ranges for pos in pair):
            raise ProtocolError(f"cursor: positions must lie between 0 and {length}, the document's length at version {version}")
        return later

    async def set_language(self, language: str) -> None:
        """Switch the session's language (stored)."""
        await self._store.set_language(self.session_id, language)
        self.language = language


def _changes_size(changes: list) -> int:
    """Roughly the memory a ChangeSet holds: its parts plus the UTF-16 units of text it inserts."""
    return len(changes) + sum(len(text) for part in changes if isinstance(part, list) for text in part[1:])

"""The collab authority of one session: validates pushes, commits them to the store, publishes them.

No aiohttp here: the authority talks to a store and to a listener that fans messages out. Several
server instances may share one store (Redis); the store's version check decides, and an instance
that finds itself behind catches up from the store before answering.
"""

from __future__ import annotations

import asyncio
import enum
import logging
import time
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Protocol

from . import hosting, recording
from .changes import ChangeSetError, Text, canonical_changes, changes_new_length, changes_nothing, diff_changes
from .protocol import ProtocolError, Update
from .rebase import map_positions, rebase_cost, rebase_updates, sections
from .recent import MAX_BYTES as CURSOR_MAP_BYTES, MAX_UPDATES as CURSOR_MAP_UPDATES, RecentChanges
from .store import SessionRecord, SessionStore
from .tasks import TaskOwner

if TYPE_CHECKING:
    from .activity import Activity
    from .board import Board
    from .comments import Comments
    from .integrity import IntegrityLog
    from .audience import Audience
    from .grading import Grading
    from .hosting import HostSettings
    from .limits import TokenBucket

log = logging.getLogger(__name__)

SERVER_CLIENT_ID = "server"  # clientID of updates the server makes from a whole-text `code_update`
DEFAULT_MAX_DOCUMENT_BYTES = 512 * 1024
__all__ = ["CURSOR_MAP_BYTES", "CURSOR_MAP_UPDATES"]  # recent.py's bounds, under the names tests know
# Work budgets, in the units the work is linear in; a message over one is refused before the work starts.
# Mapping one cursor: the parts of the updates it is mapped through plus ranges x updates (~0.2 us each).
CURSOR_MAP_BUDGET = 20_000
# One server-side rebase, in sections walked (rebase.rebase_cost; ~0.5 us each): past it, push_rejected and
# the client rebases itself. Kept small so an overloaded server (long delays, hence far-behind pushes)
# does not spend ever more time rebasing.
REBASE_BUDGET = 20_000
# A pull answered with updates: at most this many, of at most this many bytes of changes; a client further
# behind gets the whole text (session_state) instead, one frame of at most the document's size.
PULL_MAX_UPDATES = 1000
PULL_MAX_BYTES = 1024 * 1024
COMMENT_MAP_SLICE = 100  # updates comment anchors are mapped through between two turns of the event loop
SLICE_SECONDS = 0.005  # long work (validating a push on a big document) lets the event loop run this often


class PushResult(enum.Enum):
    ACCEPTED = "accepted"  # committed and published
    REBASED = "rebased"  # moved over updates accepted since it was made, then committed and published
    STALE = "stale"  # made on an older version: the client rebases and pushes again
    AHEAD = "ahead"  # made on a version the server never had: the client must resync


class SessionListener(Protocol):
    """Told about changes in the order they happen; must not await."""

    def updates_accepted(
        self,
        session: Session,
        version_before: int,
        updates: list[Update],
        cursor: Sequence[tuple[int, int]] | None = None,
    ) -> None: ...

    def text_reset(self, session: Session) -> None: ...


class Session:
    """One live session: the authority over its document (the version is the number of updates accepted so far),
    with the session's other parts, given complete: who is connected (`audience`, also told of every change),
    runs and chat (`activity`), what hosts decide (`host`), the whiteboard (`board`), comment threads
    (`comments`), integrity signals (`integrity`) and the versions its participants may add."""

    def __init__(
        self,
        record: SessionRecord,
        store: SessionStore,
        audience: Audience,
        activity: Activity,
        host: HostSettings,
        grading: Grading,
        board: Board,
        comments: Comments,
        integrity: IntegrityLog,
        versions: TokenBucket | None,
        tasks: TaskOwner,
        clock: Callable[[], float] = time.time,
        max_document_bytes: int = DEFAULT_MAX_DOCUMENT_BYTES,
        observe_commit: Callable[[float], None] | None = None,
    ):
        self.session_id = record.session_id
        self.language = record.language
        self.created_at = record.created_at
        self.version = record.version
        self._text = Text.from_str(record.text)
        self.recent = RecentChanges()  # to map cursors and rebase pushes with
        self._store = store
        self.audience = audience
        self._listener: SessionListener = audience
        self.activity = activity
        self.host = host
        self.grading = grading
        self.board = board  # the whiteboard, a document of its own (board.py)
        self.comments = comments  # comment threads, their anchors moved with every update here (comments.py)
        self.integrity = integrity  # pastes, time away, typing bursts: for hosts only (integrity.py)
        self.versions = versions  # None: no limit (VERSION_RATE=0)
        self._tasks = tasks
        self._compacted_to = hosting.playback_start(record.meta)[0]  # the log before this was compacted (or tried)
        self._compaction: asyncio.Task | None = None
        self._clock = clock
        # Seconds since the epoch: the last update accepted (when loaded: the store's last edit or join).
        self.last_active = record.last_active or clock()
        self._max_document_bytes = max_document_bytes
        self._observe_commit = observe_commit  # told how many seconds each store commit took (metrics)
        # Serialises version checks, commits and publishing, so every peer sees updates in version order.
        self._lock = asyncio.Lock()

    @property
    def code(self) -> str:
        return str(self._text)

    def slice(self, start: int, end: int) -> str:
        """The text between two positions (UTF-16 units)."""
        return self._text.slice(start, end)

    @property
    def length(self) -> int:
        """The text's length in UTF-16 units, as the editor counts (no copy of the text)."""
        return len(self._text)

    async def _validate(
        self, updates: Sequence[Update], participant: str, as_sent: bool = True
    ) -> tuple[list[Update], Text]:
        """Check updates one after another against the text; return them canonical and stamped, and the new text.
        Updates `as_sent` by a client may not be no-ops (ones the server's rebase emptied may).
        Each update copies the text once: on a big document, the loop gets turns in between (_Slices)."""
        text = self._text
        now = self._clock()
        accepted = []
        slices = _Slices()
        for index, update in enumerate(updates):
            try:
                changes = canonical_changes(update.changes, len(text))
            except ChangeSetError as exc:
                raise ProtocolError(f"push: update {index}: {exc}") from None
            if as_sent:
                _refuse_noop(changes, index)
            text = text.apply(changes)
            accepted.append(Update(update.client_id, changes, now, participant))
            await slices.turn()
        self._check_size("push", text)
        return accepted, text

    def _check_size(self, what: str, text: Text) -> None:
        """Refuse a text over the size limit, unless it shrinks a document that already is (the limit was lowered)."""
        limit = self._max_document_bytes
        if len(text) * 3 <= limit:  # a UTF-16 unit is at most 3 UTF-8 bytes
            return
        size = text.utf8_size()
        if size > limit and size > self._text.utf8_size():
            raise ProtocolError(
                f"{what}: the document would be {size:,} bytes, over this server's limit of "
                f"{limit:,} bytes (MAX_DOCUMENT_BYTES); nothing was applied",
                code="document_too_large",
            )

    async def push(
        self,
        version: int,
        updates: Sequence[Update],
        participant: str = "",
        rebase: bool = False,
        may_edit: Callable[[], None] | None = None,
        cursor: Sequence[tuple[int, int]] | None = None,
    ) -> PushResult:
        """Accept updates made on top of `version` if it is current, and publish them. With `rebase`, updates
        made on an older version are moved over the ones accepted since, one at a time (rebase.py), instead
        of refused, if the session still holds those (see `recent`) within REBASE_BUDGET. `may_edit` raises
        ProtocolError if the sender may not edit now (a lock): checked in turn with every other change.
        `cursor`: the sender's selection in the text after the updates, published with them if they land as
        sent (not rebased) and it lies inside that text."""
        async with self._lock:
            if may_edit is not None:
                may_edit()
            if version > self.version:
                await self._catch_up_locked()  # another instance may be ahead of us
                if version > self.version:
                    return PushResult.AHEAD
            as_sent = True
            for _ in range(10):  # another instance may move the version between tries
                if version != self.version:
                    moved = self._rebase(version, updates, as_sent) if rebase else None
                    if moved is None:
                        return PushResult.STALE
                    if not moved:
                        return PushResult.ACCEPTED  # every one of them was accepted already
                    version, updates, as_sent = self.version, moved, False
                accepted, text = await self._validate(updates, participant, as_sent)
                placed = cursor if as_sent and cursor and all(max(pair) <= len(text) for pair in cursor) else None
                if await self._commit(accepted, text, placed):
                    return PushResult.ACCEPTED if as_sent else PushResult.REBASED
                if not rebase:
                    return PushResult.STALE
            return PushResult.STALE

    def _rebase(self, version: int, updates: Sequence[Update], as_sent: bool = True) -> list[Update] | None:
        """`updates` (made on `version`) moved to the current version, or None if that version is too old to
        rebase from here (or the work would be too much): the client is told to rebase itself."""
        behind = self.version - version
        if not self.recent.holds(behind):
            return None
        # Checked before any work: the parts as sent bound the parts once checked (joining only lowers them).
        if rebase_cost([len(update.changes) for update in updates], self.recent.parts_each(behind)) > REBASE_BUDGET:
            return None
        over = self.recent.last(behind)
        length, checked = self.recent.length_before(behind), []
        for index, update in enumerate(updates):
            try:
                changes = canonical_changes(update.changes, length)
            except ChangeSetError as exc:
                raise ProtocolError(f"push: update {index}: {exc} (at version {version})") from None
            if as_sent:
                _refuse_noop(changes, index)
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

    async def _commit(
        self, accepted: list[Update], text: Text, cursor: Sequence[tuple[int, int]] | None = None
    ) -> bool:
        """Append at the current version; publish only once durable (with the sender's cursor after them, if
        given). If the store moved on, catch up."""
        before = self.version
        started = time.perf_counter()
        committed = await self._store.append(self.session_id, before, accepted, lambda: str(text))
        if self._observe_commit is not None:
            self._observe_commit(time.perf_counter() - started)
        if not committed:
            await self._catch_up_locked()
            return False
        self.recent.add(accepted, len(self._text))
        self._text = text
        self.version = before + len(accepted)
        self.last_active = accepted[-1].timestamp
        self._listener.updates_accepted(self, before, accepted, cursor)  # at once: nothing may come between
        await self._move_comments(before, accepted)
        if recording.due(self.version, self._compacted_to) and (self._compaction is None or self._compaction.done()):
            self._compaction = self._tasks.spawn(self._compact(self.version), f"compact session {self.session_id}")
        return True

    async def _move_comments(self, before: int, updates: list[Update]) -> None:
        """Comment anchors follow the text, COMMENT_MAP_SLICE updates at a time (the loop gets a turn in between: a
        push of 1,000 updates under 200 threads is ~30 ms of mapping); every CHECKPOINT_VERSIONS versions the moved
        anchors are stored again. A thread made meanwhile is at the newest version already: the slices skip it."""
        for start in range(0, len(updates), COMMENT_MAP_SLICE):
            if start:
                await asyncio.sleep(0)
            self.comments.updates_accepted(before + start, updates[start : start + COMMENT_MAP_SLICE])
        due = self.comments.due_checkpoint(before, before + len(updates))
        if due:
            self._tasks.spawn(self._store_anchors(due), f"store comment anchors of session {self.session_id}")

    async def _store_anchors(self, threads: list) -> None:
        for thread in threads:
            try:
                await self.comments.save(thread)
            except Exception:  # the next checkpoint tries again; at worst a load maps through more updates
                log.warning("could not store a comment anchor of session %s", self.session_id, exc_info=True)
                return

    async def _compact(self, version: int) -> None:
        """Bound the log, keeping the recording replayable (recording.py); beside the session, not under its lock."""
        # Whatever the outcome (done here, done by another instance, not possible), the next try is a step later.
        self._compacted_to = version - recording.MAX_HISTORY_UPDATES
        try:
            start = await recording.compact(self._store, self.session_id, version)
        except Exception:
            log.exception("compacting session %s failed", self.session_id)
            return
        if start is not None:
            self.host.playback_start = start  # what the session's record says from now on

    async def catch_up(self, version: int | None = None) -> None:
        """Apply and publish updates other instances committed since our version. `version`: the store said
        the session reached it (nothing to ask for if we have it, as after our own appends); None: look."""
        if version is not None and version <= self.version:
            return
        async with self._lock:
            if version is not None and version <= self.version:
                return
            await self._catch_up_locked()

    async def _catch_up_locked(self) -> None:
        missed = await self._store.updates_since(self.session_id, self.version)
        if missed is None:
            record = await self._store.get(self.session_id)
            if record is None:
                return
            self._text, self.version = Text.from_str(record.text), record.version
            self.recent.clear()
            self.comments.text_reset(self.version, len(self._text))
            self._listener.text_reset(self)
            return
        if not missed:
            return
        before = self.version
        text = self._text
        slices = _Slices()
        for update in missed:
            text = text.apply(update.changes)
            await slices.turn()
        self.recent.add(missed, len(self._text))
        self._text, self.version = text, before + len(missed)
        self.last_active = max(self.last_active, missed[-1].timestamp)
        self._listener.updates_accepted(self, before, missed)
        await self._move_comments(before, missed)

    async def updates_since(self, version: int) -> list[Update] | None:
        """Accepted updates after `version`, or None when the client must resync from the full text: it is
        ahead of the session, or so far behind (PULL_MAX_UPDATES, PULL_MAX_BYTES) that the text is cheaper."""
        async with self._lock:
            if version > self.version:
                await self._catch_up_locked()
            if version > self.version or self.version - version > PULL_MAX_UPDATES:
                return None
            if version == self.version:
                return []
            missed = await self._store.updates_since(self.session_id, version)
            if missed is not None and sum(_changes_bytes(update.changes) for update in missed) > PULL_MAX_BYTES:
                return None
            return missed

    def map_anchor(self, version: int, start: int, end: int) -> tuple[int, int, int]:
        """(version, start, end) of a range given at `version`, mapped to the current version if it can be (an anchor
        from another instance ahead of this one stays as it is: the updates to it will move it); too far back to map
        from here, the nearest place in the text."""
        if version > self.version:
            return version, start, end
        try:
            ((start, end),) = self.map_ranges(version, [(start, end)])
        except ProtocolError:
            start, end = min(start, len(self._text)), min(end, len(self._text))
        return self.version, start, end

    def check_ranges(self, version: int, ranges: Sequence[tuple[int, int]]) -> None:
        """Raise ProtocolError unless `ranges` can be placed: a version the session can map from (not
        ahead, not too old, within the mapping budget) and positions inside the document at that version."""
        self._later_changes(version, ranges)

    def map_ranges(self, version: int, ranges: Sequence[tuple[int, int]]) -> list[tuple[int, int]]:
        """Selection ranges given in the document at `version`, mapped to the current version (checked as
        in `check_ranges`): one sweep per update over all positions."""
        positions = [pos for pair in ranges for pos in pair]
        for _, packed, _ in self._later_changes(version, ranges):
            positions = map_positions(sections(packed), positions)
        return list(zip(positions[0::2], positions[1::2], strict=True))

    def _later_changes(self, version: int, ranges: Sequence[tuple[int, int]]) -> list:
        """The changes accepted after `version`, once the budget and the positions are checked (no work before)."""
        behind = self.version - version
        if behind < 0:
            raise ProtocolError(
                f"cursor: version {version} is ahead of the session (at {self.version})", "cursor_refused"
            )
        if not self.recent.holds(behind):
            raise ProtocolError(
                f"cursor: version {version} is too old to place; send the cursor at the current version",
                "cursor_refused",
            )
        if self.recent.parts(behind) + behind * 2 * len(ranges) > CURSOR_MAP_BUDGET:
            raise ProtocolError(
                f"cursor: {len(ranges)} range(s) at version {version} is too much to place (the "
                f"{behind} updates since have {self.recent.parts(behind):,} parts); send the cursor at "
                "the current version",
                "cursor_refused",
            )
        length = self.recent.length_before(behind) if behind else len(self._text)
        if any(not 0 <= pos <= length for pair in ranges for pos in pair):
            raise ProtocolError(
                f"cursor: positions must lie between 0 and {length}, the document's length at version {version}",
                "cursor_refused",
            )
        return self.recent.last(behind)

    async def set_language(self, language: str) -> None:
        """Switch the session's language (stored)."""
        await self._store.set_language(self.session_id, language)
        self.language = language


def _refuse_noop(changes: list, index: int) -> None:
    """An update that changes nothing would take a version for nothing (and an honest page never sends one)."""
    if changes_nothing(changes):
        raise ProtocolError(
            f"push: update {index} changes nothing (no-op updates take no version); nothing was "
            "applied: push without it (a client that cannot drop it gets the session's state to "
            "resync from)",
            "noop_refused",
        )


def _changes_bytes(changes: list) -> int:
    """Roughly the bytes a ChangeSet takes as JSON: a few per part plus the text it inserts."""
    return 4 * len(changes) + sum(len(text) + 3 for part in changes if isinstance(part, list) for text in part[1:])


class _Slices:
    """Cooperative pacing for long work on the event loop: `await turn()` after each step lets other
    sessions run once SLICE_SECONDS of this work have passed since the last turn."""

    def __init__(self) -> None:
        self._since = time.perf_counter()

    async def turn(self) -> None:
        if time.perf_counter() - self._since >= SLICE_SECONDS:
            await asyncio.sleep(0)
            self._since = time.perf_counter()

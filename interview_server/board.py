"""The whiteboard of a session: a second shared document, kept on the same ordered, durable log as the code.

The board is a text with one element per line (board_elements.py). Pages never send text changes: they send
operations on elements (draw, move, erase, clear: board_handlers.py), which the server turns into one ChangeSet on
the board's text at its current version and commits to the store like an edit of the code: under the store's
version check (two instances never both take version N), published only once durable, each with its author and
time. Every page applies the same ChangeSets in the same order, so every board converges, whatever was drawn at
the same time; another instance's commits reach this one through the store's watch and catch-up, as the code's do.

The board lives in the store as a document of its own, `<session id>.board` (never a valid session id); it goes
with its session (`delete_with_session`) and its log is never compacted: playback replays it stroke by stroke.
"""

from __future__ import annotations

import asyncio
import collections
import functools
import logging
import time
from collections.abc import Callable
from datetime import UTC, datetime

from . import board_elements
from .changes import Text
from .protocol import ProtocolError, Update, board_state, board_updates
from .session import changes_bytes
from .store import SessionExists, SessionRecord, SessionStore

log = logging.getLogger(__name__)

BOARD_SUFFIX = ".board"
BOARD_LANGUAGE = "board"  # the `language` of the board's record in the store
MAX_BOARD_ELEMENTS = 2000
MAX_BOARD_BYTES = 1024 * 1024  # the board's text
MAX_BOARD_UPDATES = 10_000  # versions: the log is kept whole for playback, so it is bounded here
RECENT_OPS = 1000  # operation ids remembered: a resend of one is done already
# ...of which a board loaded again reads back this many from the log's end: an update may be ~1 MiB (a move of the
# whole board), so reading all 1,000 could cost a load hundreds of MB; a resend comes seconds after its first send.
RECENT_OPS_ON_LOAD = 50
PULL_MAX_UPDATES = 1000  # a board_pull further behind gets the whole board (board_state)
PULL_MAX_BYTES = 1024 * 1024
COMMIT_TRIES = 10  # another instance may move the version between tries


def board_id(session_id: str) -> str:
    """The board's document in the store."""
    return session_id + BOARD_SUFFIX


def is_board_id(store_id: str) -> bool:
    return store_id.endswith(BOARD_SUFFIX)


async def delete_with_session(store: SessionStore, session_id: str) -> None:
    """Forget a session and its board."""
    await store.delete(session_id)
    await store.delete(board_id(session_id))


class Board:
    """The authority over one session's board on this instance: loaded from the store on first use."""

    def __init__(
        self,
        session_id: str,
        store: SessionStore,
        send_here: Callable[[str], None],
        clock: Callable[[], float] = time.time,
    ):
        self.store_id = board_id(session_id)
        self._store = store
        self._send_here = send_here  # a frame to every participant connected to this instance
        self._clock = clock
        self.version = 0
        self._lines: list[str] = []  # one element each, without the newline
        self._index: dict[str, int] = {}  # element id -> its line
        self._size = 0  # the text's length (ASCII: bytes = UTF-16 units)
        self._loaded = False
        self._sizes: collections.deque[int] = collections.deque(maxlen=PULL_MAX_UPDATES)  # the last updates' bytes
        # The last RECENT_OPS updates' operation ids (an update's clientID is the op that made it), oldest first.
        self._recent_ops: collections.OrderedDict[str, None] = collections.OrderedDict()
        self._lock = asyncio.Lock()  # loading, commits, catch-ups and reads of the log, one at a time

    @property
    def text(self) -> str:
        return lines_text(self._lines)

    async def load(self) -> None:
        """Read the board from the store (making it on first use) and watch for other instances' commits."""
        async with self._lock:
            await self._load_locked()

    async def _load_locked(self) -> None:
        if self._loaded:
            return
        record = await self._store.get(self.store_id)
        if record is None:
            blank = SessionRecord(self.store_id, BOARD_LANGUAGE, datetime.now(UTC), "", 0, last_active=self._clock())
            try:
                await self._store.create(blank)
            except SessionExists:  # another instance made it first: read theirs
                pass
            record = await self._store.get(self.store_id)
            if record is None:
                raise RuntimeError(f"could not make the board {self.store_id}")
        self._set_text(record.text, record.version)
        since = max(0, record.version - RECENT_OPS_ON_LOAD)
        for update in await self._store.updates_since(self.store_id, since, limit=record.version - since) or []:
            self._remember(update.client_id)
        await self._store.watch(self.store_id, self.catch_up, _ignore_presence)
        self._loaded = True
        await self._catch_up_locked()  # anything committed between the read and the watch

    async def close(self) -> None:
        """Stop watching (the session is no longer open here)."""
        if self._loaded:
            self._loaded = False
            await self._store.unwatch(self.store_id)

    # ---- operations: each becomes one update (or nothing, when it changes nothing) ----

    async def draw(
        self, op: str, participant: str, element: dict, may_edit: Callable[[], None], host: bool = False
    ) -> int:
        """Add a checked element on top; an id already on the board changes nothing (a resend)."""

        def plan(now: float) -> list | None:
            if element["id"] in self._index:
                return None
            line = board_elements.element_line(element, participant, round(now * 1000))
            if len(self._lines) >= MAX_BOARD_ELEMENTS:
                raise ProtocolError(
                    f"board_draw: the board holds {MAX_BOARD_ELEMENTS:,} elements, its limit; erase some first",
                    "board_full",
                )
            return [*self._lines, line]

        return await self._apply("board_draw", op, participant, plan, may_edit, host)

    async def move(
        self, op: str, participant: str, moves: tuple, may_edit: Callable[[], None], host: bool = False
    ) -> int:
        """Replace the points of elements on the board (the others are skipped)."""

        def plan(_now: float) -> list | None:
            lines, changed = list(self._lines), False
            for element_id, points in moves:
                at = self._index.get(element_id)
                if at is None:
                    continue
                kind = board_elements.line_type(lines[at])
                try:
                    checked = board_elements.checked_points(kind, points, f"elements (id {element_id}).points")
                except board_elements.ElementError as exc:
                    raise ProtocolError(f"board_move: data.{exc}") from None
                moved = board_elements.moved_line(lines[at], checked)
                changed = changed or moved != lines[at]
                lines[at] = moved
            return lines if changed else None

        return await self._apply("board_move", op, participant, plan, may_edit, host)

    async def erase(
        self, op: str, participant: str, ids: tuple, may_edit: Callable[[], None], host: bool = False
    ) -> int:
        def plan(_now: float) -> list | None:
            gone = {self._index[element_id] for element_id in ids if element_id in self._index}
            return [line for at, line in enumerate(self._lines) if at not in gone] if gone else None

        return await self._apply("board_erase", op, participant, plan, may_edit, host)

    async def clear(self, op: str, participant: str, may_edit: Callable[[], None]) -> int:
        return await self._apply(
            "board_clear", op, participant, lambda _now: [] if self._lines else None, may_edit, host=True
        )

    async def _apply(
        self,
        what: str,
        op: str,
        participant: str,
        plan: Callable[[float], list | None],
        may_edit: Callable[[], None],
        host: bool = False,
    ) -> int:
        """Plan the new lines at the current version (`plan(now)`: None if nothing changes), commit them as one
        update, publish it; the version after. A host's operations pass the cap on the log's changes (a candidate
        who filled it cannot take the board from the interviewer: hosts still draw and clear)."""
        async with self._lock:
            await self._load_locked()
            if op in self._recent_ops:
                return self.version  # a resend of an operation already on the log (erased since, maybe): done
            may_edit()
            for _ in range(COMMIT_TRIES):
                if op in self._recent_ops:  # committed meanwhile, from another instance (seen on catching up)
                    return self.version
                now = self._clock()
                lines = plan(now)
                if lines is None:
                    return self.version
                if self.version >= MAX_BOARD_UPDATES and not host:
                    raise ProtocolError(
                        f"{what}: the board's history has reached {MAX_BOARD_UPDATES:,} changes, its limit; "
                        "nothing more can be drawn in this session",
                        "board_full",
                    )
                size = sum(len(line) + 1 for line in lines)
                if size > MAX_BOARD_BYTES and size > self._size:
                    raise ProtocolError(
                        f"{what}: the board would be {size:,} bytes, over its limit of {MAX_BOARD_BYTES:,}; "
                        "erase something first",
                        "board_full",
                    )
                update = Update(op, line_changes(self._lines, lines), now, participant)
                before = self.version
                if await self._store.append(self.store_id, before, [update], functools.partial(lines_text, lines)):
                    self._set_lines(lines, before + 1)
                    self._sizes.append(changes_bytes(update.changes))
                    self._remember(op)
                    self._send_here(board_updates(before, [update]))
                    return self.version
                await self._catch_up_locked()
            raise ProtocolError(f"{what}: the board kept changing under this operation; send it again")

    # ---- other instances' commits, and pages catching up ----

    async def catch_up(self, version: int | None = None) -> None:
        """Apply and publish what other instances committed (the store's watch calls this)."""
        if not self._loaded or (version is not None and version <= self.version):
            return
        async with self._lock:
            if self._loaded:
                await self._catch_up_locked()

    async def _catch_up_locked(self) -> None:
        missed = await self._store.updates_since(self.store_id, self.version)
        if missed is None:
            record = await self._store.get(self.store_id)
            if record is not None and record.version != self.version:
                self._set_text(record.text, record.version)
                self._sizes.clear()
                self._send_here(board_state(self.version, self.text))
            return
        if not missed:
            return
        before, text = self.version, Text.from_str(self.text)
        for update in missed:
            text = text.apply(update.changes)
        self._set_text(str(text), before + len(missed))
        self._sizes.extend(changes_bytes(update.changes) for update in missed)
        for update in missed:
            self._remember(update.client_id)
        self._send_here(board_updates(before, missed))

    async def updates_since(self, version: int) -> list[Update] | None:
        """The board's updates after `version`, or None when the whole board is the better answer (the page is
        ahead, or far behind)."""
        async with self._lock:
            await self._load_locked()
            if version > self.version:
                await self._catch_up_locked()
            if version > self.version or self.version - version > PULL_MAX_UPDATES:
                return None
            if version == self.version:
                return []
            behind = self.version - version
            if len(self._sizes) >= behind and sum(list(self._sizes)[-behind:]) > PULL_MAX_BYTES:
                return None  # known to be more than the whole board's worth: nothing read
            missed = await self._store.updates_since(self.store_id, version, limit=behind)
            if missed is None or sum(changes_bytes(update.changes) for update in missed) > PULL_MAX_BYTES:
                return None
            return missed

    # ---- the text as lines ----

    def _remember(self, op: str) -> None:
        self._recent_ops[op] = None
        if len(self._recent_ops) > RECENT_OPS:
            self._recent_ops.popitem(last=False)

    def _set_text(self, text: str, version: int) -> None:
        lines = text.split("\n")
        if lines and lines[-1] == "":
            lines.pop()
        self._set_lines(lines, version)

    def _set_lines(self, lines: list[str], version: int) -> None:
        self._lines, self.version = lines, version
        self._size = sum(len(line) + 1 for line in lines)
        self._index = {}
        for at, line in enumerate(lines):
            element_id = board_elements.line_id(line)
            if element_id is not None:
                self._index[element_id] = at  # two lines with one id (only if written elsewhere): the later


def lines_text(lines: list[str]) -> str:
    return "".join(line + "\n" for line in lines)


def line_changes(old: list[str], new: list[str]) -> list:
    """The ChangeSet JSON (UTF-16 units; every line is ASCII) turning lines `old` into `new`, where `new` keeps
    the order of the old lines it keeps: some lines removed, some replaced in place, some added at the end.
    Lines are matched by identity of content in order, so a replaced line is a replacement, not a delete and
    an insert."""
    parts: list = []

    def keep(length: int) -> None:
        if length:
            if parts and isinstance(parts[-1], int):
                parts[-1] += length
            else:
                parts.append(length)

    def replace(length: int, text: str) -> None:
        parts.append([length, *text.split("\n")] if text else [length])

    old_ids = [board_elements.line_id(line) for line in old]
    new_ids = [board_elements.line_id(line) for line in new]
    j = 0
    for i, line in enumerate(old):
        if j < len(new) and (new[j] == line or (old_ids[i] is not None and new_ids[j] == old_ids[i])):
            if new[j] == line:
                keep(len(line) + 1)
            else:
                replace(len(line), new[j])
                keep(1)
            j += 1
        else:
            replace(len(line) + 1, "")
    added = "".join(line + "\n" for line in new[j:])
    if added:
        replace(0, added)
    return parts


def _ignore_presence(_total: int) -> None:
    """The board's document has no connections of its own: the session's count them."""

"""Creating sessions, finding the live Session of each one in use, and expiry."""

from __future__ import annotations

import logging
import re
import time
import uuid
from collections.abc import Callable
from typing import TYPE_CHECKING
from datetime import datetime, UTC

from . import grading, hosting
from .activity import Activity
from .audience import Audience
from .changes import utf16_length
from .comments import Comments
from .integrity import IntegrityLog
from .board import BOARD_SUFFIX, Board, delete_with_session, is_board_id
from .grading import Grading
from .hosting import HostSettings
from .hub import Hub
from .limits import DEFAULT_VERSION_RATE, SessionBudgets, session_versions
from .protocol import LANGUAGES
from .session import DEFAULT_MAX_DOCUMENT_BYTES, Session
from .store import SessionRecord, SessionStore
from .tasks import TaskOwner

if TYPE_CHECKING:
    from .problems import Problem

log = logging.getLogger(__name__)

__all__ = ["LANGUAGES", "DEFAULT_LANGUAGE", "SessionRegistry", "is_session_id"]

DEFAULT_LANGUAGE = "python"
STARTER_CODE = {
    "python": 'def greet(name):\n    return f"Hello, {name}!"\n\n\nprint(greet("world"))\n',
    "javascript": 'function greet(name) {\n  return `Hello, ${name}!`;\n}\n\nconsole.log(greet("world"));\n',
    "typescript": "function greet(name: string): string {\n  return `Hello, ${name}!`;\n}\n\n"
    'console.log(greet("world"));\n',
    "sql": "-- Every run starts from a fresh, empty SQLite database.\n"
    "CREATE TABLE people (name TEXT, city TEXT);\n"
    "INSERT INTO people VALUES ('Ada', 'London'), ('Grace', 'New York'), ('Alan', 'London');\n\n"
    "SELECT city, count(*) AS people FROM people GROUP BY city ORDER BY city;\n",
    "lua": 'local function greet(name)\n  return ("Hello, %s!"):format(name)\nend\n\nprint(greet("world"))\n',
}

_SESSION_ID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}")


def is_session_id(value: str) -> bool:
    """True for a lowercase uuid4 string, the only shape of session id this server issues (matched whole:
    `$` would let a trailing newline through)."""
    return _SESSION_ID.fullmatch(value) is not None


BUDGETS_KEPT_SECONDS = 600  # a released session's budgets are kept this long


class SessionRegistry:
    """Creates sessions in the store, finds (loads) the live Session of each one in use, and expires idle ones.
    Everything about one session lives in its Session (authority, audience, activity, host settings)."""

    def __init__(
        self,
        store: SessionStore,
        hub: Hub,
        session_ttl: float,
        clock: Callable[[], float] = time.time,
        max_document_bytes: int = DEFAULT_MAX_DOCUMENT_BYTES,
        version_rate: float = DEFAULT_VERSION_RATE,
        board_rate: float = 20.0,
        observe_commit: Callable[[float], None] | None = None,
    ):
        self._store = store
        self._observe_commit = observe_commit
        self._version_rate = version_rate
        self._board_rate = board_rate
        self._max_document_bytes = max_document_bytes
        self._hub = hub
        self._ttl = session_ttl
        self._clock = clock
        self._live: dict[str, Session] = {}
        self._opening: dict[str, int] = {}  # opens in progress per session
        # Each session's budgets, kept a while after it is released: leaving and joining again starts none anew.
        self._budgets: dict[str, tuple[SessionBudgets, float]] = {}
        self.tasks = TaskOwner()  # the sessions' background work: relays, announcements, compaction

    async def create(
        self,
        language: str | None = None,
        problem: Problem | None = None,
        title: str = "",
        host_key_for: Callable[[str], str] | None = None,
        meta: dict | None = None,
    ) -> tuple[SessionRecord, str]:
        """A new session (with `problem`'s prompt and starter code, if given) and its host key. Without a
        language: the problem's first, else DEFAULT_LANGUAGE. `host_key_for(session_id)`: the key to give it (LTI
        derives its sessions' keys), else a new random one; `meta`: more meta values (LTI: which link and learner)."""
        now = self._clock()
        session_id = str(uuid.uuid4())
        host_key = host_key_for(session_id) if host_key_for is not None else hosting.new_host_key()
        language = problem.language_for(language) if problem is not None else language or DEFAULT_LANGUAGE
        text = problem.starters[language] if problem is not None else STARTER_CODE.get(language, "")
        record = SessionRecord(
            session_id=session_id,
            language=language,
            created_at=datetime.fromtimestamp(now, UTC),
            text=text,
            version=0,
            last_active=now,
            meta={
                hosting.KEY_DIGEST: hosting.key_digest(host_key),
                hosting.START_TEXT: text,
                hosting.TITLE: title or (problem.title if problem else ""),
                hosting.PROBLEM: problem.shown() if problem else None,
                grading.GRADING: problem.grading() if problem else None,
                **(meta or {}),
            },
        )
        await self._store.create(record)
        return record, host_key

    async def get_record(self, session_id: str) -> SessionRecord | None:
        """The session's stored state (live sessions answer from memory)."""
        live = self._live.get(session_id)
        if live is not None:
            return SessionRecord(
                live.session_id,
                live.language,
                live.created_at,
                live.code,
                live.version,
                last_active=live.last_active,
                meta={**live.host.meta(), **live.grading.meta()},
            )
        return await self._store.get(session_id)

    def live(self, session_id: str) -> Session | None:
        """The session if it is open here."""
        return self._live.get(session_id)

    async def open(self, session_id: str) -> Session | None:
        """The live session, loaded from the store on first use; None if unknown.

        Opening counts as activity: it postpones expiry.
        """
        # While an open is under way, `release` must not drop the session it is about to hand out.
        self._opening[session_id] = self._opening.get(session_id, 0) + 1
        try:
            session = self._live.get(session_id)
            if session is None:
                record = await self._store.get(session_id)
                if record is None:
                    return None
                activity = Activity(session_id, self._store, self._clock)
                await activity.load()
                session_grading = Grading(session_id, record.meta, self._store, self._clock)
                await session_grading.load()
                comments = Comments(session_id, self._store, self._clock)
                await comments.load(record.version, utf16_length(record.text))
                integrity = IntegrityLog(session_id, self._store, self._clock)
                await integrity.load()
                # Another connection may have loaded it while we awaited the store.
                session = self._live.get(session_id)
                if session is None:
                    session = self._live[session_id] = self._new_session(
                        record, activity, session_grading, comments, integrity
                    )
                    await self._store.watch(
                        session_id,
                        session.catch_up,
                        session.audience.presence_changed,
                        lambda frame: session.audience.relayed(session, frame),
                    )
            if session.audience.total is None:
                # Others may be connected through other instances: start the estimate from their count.
                total = await self._store.presence(session_id)
                if total is not None and session.audience.total is None:
                    session.audience.total = total
            try:
                await self._store.touch(session_id, self._clock())
            except Exception:  # postponing expiry can wait for the next open or release (the store may be down)
                log.warning("could not postpone the expiry of session %s", session_id, exc_info=True)
            return session
        finally:
            self._opening[session_id] -= 1
            if not self._opening[session_id]:
                del self._opening[session_id]

    def _new_session(
        self,
        record: SessionRecord,
        activity: Activity,
        session_grading: Grading,
        comments: Comments,
        integrity: IntegrityLog,
    ) -> Session:
        session_id = record.session_id
        return Session(
            record,
            self._store,
            audience=Audience(session_id, self._hub, self._store, self.tasks, self._clock),
            activity=activity,
            host=HostSettings(session_id, record.meta, self._store),
            grading=session_grading,
            board=Board(
                session_id,
                self._store,
                lambda frame: self._hub.broadcast(session_id, frame, introduced_only=True),
                self._clock,
            ),
            comments=comments,
            integrity=integrity,
            budgets=self._budgets_of(session_id),
            versions=session_versions(self._version_rate),
            tasks=self.tasks,
            clock=self._clock,
            max_document_bytes=self._max_document_bytes,
            observe_commit=self._observe_commit,
        )

    def _budgets_of(self, session_id: str) -> SessionBudgets:
        """The session's budgets: the ones it had if it was open here lately (BUDGETS_KEPT_SECONDS)."""
        now = self._clock()
        if len(self._budgets) > 1000:
            self._budgets = {k: held for k, held in self._budgets.items() if now - held[1] < BUDGETS_KEPT_SECONDS}
        held = self._budgets.get(session_id)
        budgets = held[0] if held and now - held[1] < BUDGETS_KEPT_SECONDS else SessionBudgets(self._board_rate)
        self._budgets[session_id] = (budgets, now)
        return budgets

    def live_sessions(self) -> list[Session]:
        """The sessions held open here."""
        return list(self._live.values())

    def live_count(self) -> int:
        """Sessions held open here (someone connected or joining)."""
        return len(self._live)

    async def release(self, session_id: str) -> None:
        """Drop the live session once nobody here is connected or joining (the store keeps the state)."""
        if self._hub.count(session_id) or self._opening.get(session_id):
            return
        released = self._live.pop(session_id, None)
        if released is not None:
            self._budgets[session_id] = (released.budgets, self._clock())  # kept from its release on
            try:
                await released.board.close()  # first: a join meanwhile makes a new board whose watch must stay
                await self._store.unwatch(session_id)
                await self._store.touch(session_id, self._clock())
            except Exception:  # the session is released here anyway; at worst its idle time starts earlier
                log.exception("could not tell the store that session %s is no longer open here", session_id)

    async def participants(self, session_id: str) -> list[dict]:
        """Everyone who said hello to a session, on every instance (live here or not)."""
        live = self._live.get(session_id)
        return await (live.audience.participants() if live is not None else self._store.people(session_id))

    async def active_users(self, session_id: str) -> int:
        """Connections to a session over every instance (live here or not)."""
        total = await self._store.presence(session_id)
        return self._hub.count(session_id) if total is None else total

    async def sweep(self, now: float | None = None) -> list[str]:
        """Delete sessions idle longer than the TTL, with their history; those in use are kept."""
        now = self._clock() if now is None else now
        deleted = []
        for session_id in await self._store.expired(now - self._ttl):
            if is_board_id(session_id):  # a board goes with its session; one left without (a crash between) goes
                owner = session_id.removesuffix(BOARD_SUFFIX)
                await (
                    self._store.touch(session_id, now)
                    if await self._store.get(owner)
                    else self._store.delete(session_id)
                )
                continue
            if self._hub.count(session_id):
                await self._store.touch(session_id, now)
                continue
            await delete_with_session(self._store, session_id)
            deleted.append(session_id)
        if deleted:
            log.info("deleted %d idle session(s)", len(deleted))
        return deleted

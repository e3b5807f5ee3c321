"""The storage interface every back-end implements; the rest of the server only sees this.

A session is a snapshot (text at some version) plus an ordered log of updates. The version of a
session is the number of updates ever accepted. Back-ends write a new snapshot every
SNAPSHOT_INTERVAL updates, so loading a session replays at most that many updates however long
it has run.
"""

from __future__ import annotations

import asyncio
import logging

import json
from abc import ABC, abstractmethod
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime

from ..changes import Text
from ..protocol import Update

log = logging.getLogger(__name__)

SNAPSHOT_INTERVAL = 100
INSTANCE_STATUS_SECONDS = 10  # an instance's status not refreshed for this long is no longer shown
# Runs and chat messages kept per session, newest first; older ones are dropped (an abuse guard).
# "person": who each participant id in the log was (name, colour, role), for playback; "hidden" and "timer":
# hidden-check results and timer marks (interview_server/grading.py).
# "comment": comment threads (comments.py: one event per thread, at most this many over a session's life);
# "integrity": pastes, time away and typing bursts the pages report (integrity.py).
EVENT_LIMITS = {
    "run": 200,
    "chat": 1000,
    "person": 1000,
    "hidden": 200,
    "timer": 200,
    "call": 1000,
    "comment": 200,
    "integrity": 2000,
}


class SessionExists(ValueError):
    """`create` of an id the store already holds: nothing was written (the one there stays as it was)."""


@dataclass(frozen=True)
class SessionRecord:
    """A session's metadata and its text at `version` (the number of updates accepted)."""

    session_id: str
    language: str
    created_at: datetime
    text: str
    version: int
    last_active: float = 0.0  # seconds since the epoch of the last edit or join
    # Small named values beside the text (hosting.py: host key digest, title, lock, end, problem, notes,
    # the starting text): JSON-serialisable, each written on its own with `set_meta`.
    meta: dict = field(default_factory=dict)


def encode_text(text: str) -> str:
    """A text as stored: a JSON string, ASCII-escaped, so that half an emoji (a lone UTF-16
    surrogate, which JavaScript allows and a client can produce) survives any UTF-8 store."""
    return json.dumps(text)


def decode_text(stored: str) -> str:
    return json.loads(stored)


def crosses_snapshot(expected_version: int, count: int) -> bool:
    """True when appending `count` updates at expected_version passes a snapshot boundary."""
    return (expected_version + count) // SNAPSHOT_INTERVAL > expected_version // SNAPSHOT_INTERVAL


def replay(text: str, updates: list[Update]) -> str:
    """The text after applying updates (already validated by the authority) in order."""
    doc = Text.from_str(text)
    for update in updates:
        doc = doc.apply(update.changes)
    return str(doc)


class SessionStore(ABC):
    """Where sessions and their ordered update logs live."""

    name = "abstract"
    shared = False  # several server instances use it at once (frames are then relayed through `publish`)
    # Exceptions that say the store cannot be reached over its network (store_health.py), not that a request was
    # wrong, when raised by the code in `outage_sources` (this package's stores and the store's driver: an OSError
    # of a client's socket is not the store's). None for a store in this process or on its disk: its failures are
    # errors, logged as such. `not_outage_errors`: subclasses of those that are a request's fault after all.
    outage_errors: tuple[type[BaseException], ...] = ()
    not_outage_errors: tuple[type[BaseException], ...] = ()
    outage_sources: tuple[str, ...] = ()

    async def open(self) -> None:
        """Connect, create files or schema (called once at start-up)."""

    async def ping(self) -> None:
        """Return once the store answers (raise one of `outage_errors` if it cannot be reached)."""

    async def close(self) -> None:
        """Flush what is pending and release connections and files."""

    # Several instances (shared stores only; a single-instance store needs none of this).

    async def watch(
        self,
        session_id: str,
        on_change: Callable[[int | None], Awaitable[None]],
        on_presence: Callable[[int], None],
        on_relay: Callable[[str], None] | None = None,
    ) -> None:
        """Call on_change(version) when another instance may have committed to this session (up to `version`,
        or None when not known),
        on_presence(total) when the number of connections over all instances may have changed, and
        on_relay(frame) with each frame another instance `publish`ed to this session (and with ""
        when its participants changed)."""

    async def set_people(self, session_id: str, local: list[dict], notify: bool = True) -> list[dict]:
        """Record this instance's participants of a session; return those of every instance.
        With `notify`, tell the other instances that the list changed (they announce it to theirs)."""
        return local

    async def people(self, session_id: str) -> list[dict]:
        """The participants of a session on other instances (none for a single-instance store)."""
        return []

    def publish(self, session_id: str, frame: str) -> asyncio.Future:
        """Queue a server frame (a chat message, a run's output, a cursor) for the other instances; frames go
        out in the order queued. The future says when it was sent (or why not)."""
        sent = asyncio.get_running_loop().create_future()
        sent.set_result(None)
        return sent

    async def unwatch(self, session_id: str) -> None:
        """Stop watching a session: nobody here is in it any more (this instance's connections and participants
        stop counting, even if a presence sync on the way out was lost)."""

    async def set_presence(self, session_id: str, local_count: int) -> int:
        """Record this instance's connections to a session; return the total over all instances."""
        return local_count

    async def presence(self, session_id: str) -> int | None:
        """Connections to a session over all instances, or None when only this instance counts."""
        return None

    # The admin dashboard's view of the instances (admin.py): each writes its status every few seconds.

    async def set_instance_status(self, instance: str, status: dict) -> None:
        """Record this instance's status (JSON-serialisable); shared stores keep it INSTANCE_STATUS_SECONDS."""
        self._instance_status = status

    async def instance_statuses(self) -> list[dict]:
        """The statuses of the instances alive (just this one for a single-instance store)."""
        status = getattr(self, "_instance_status", None)
        return [] if status is None else [status]

    @abstractmethod
    async def create(self, record: SessionRecord) -> None:
        """Store a new session at version 0; raise SessionExists (writing nothing) if the id is taken, even by
        another instance at the same moment."""

    @abstractmethod
    async def get(self, session_id: str) -> SessionRecord | None:
        """The session's latest text and version, or None if there is no such session."""

    @abstractmethod
    async def append(
        self, session_id: str, expected_version: int, updates: list[Update], text: Callable[[], str]
    ) -> bool:
        """Commit updates at expected_version; False (nothing written) if the version moved on.

        `text()` gives the text after the updates; it is called only to write a snapshot.
        Returns only once the updates are durable in this back-end.
        """

    @abstractmethod
    async def updates_since(self, session_id: str, version: int, limit: int | None = None) -> list[Update] | None:
        """Updates after `version` (the first `limit` of them, if given), or None if some of them were compacted
        away (resync instead)."""

    @abstractmethod
    async def compact(self, session_id: str, before_version: int) -> None:
        """Drop logged updates older than before_version (never past the latest snapshot)."""

    @abstractmethod
    async def touch(self, session_id: str, now: float) -> None:
        """Record activity (a join), which postpones expiry."""

    @abstractmethod
    async def expired(self, idle_since: float) -> list[str]:
        """Ids of sessions whose last activity is older than idle_since."""

    @abstractmethod
    async def set_meta(self, session_id: str, key: str, value) -> None:
        """Set one meta value (any JSON value) of an existing session; nothing if there is no such session."""

    @abstractmethod
    async def replace_versioned_meta(self, session_id: str, key: str, value: dict, expected_version: int) -> bool:
        """Set meta `key` to `value` (a dict with a "version") only if the stored one's "version" is
        `expected_version` (0 when there is none): compare-and-set, atomic over every instance. False if not."""

    @abstractmethod
    async def set_language(self, session_id: str, language: str) -> None:
        """Change the session's language."""

    @abstractmethod
    async def save_event(self, session_id: str, kind: str, event_id: str, at: float, body: dict) -> None:
        """Insert or replace a run or chat message (`kind` "run" or "chat"); keep the newest EVENT_LIMITS[kind]."""

    @abstractmethod
    async def recent_events(self, session_id: str, kind: str, limit: int) -> list[dict]:
        """The newest `limit` events of a kind, in the order they were first saved."""

    @abstractmethod
    async def delete(self, session_id: str) -> None:
        """Forget a session and its whole history."""

    # Small values beside the sessions (LTI: resource links, learners' sessions): compare-and-set, every instance.

    @abstractmethod
    async def kv_get(self, key: str) -> tuple[dict, int] | None:
        """A value and its version (1 for the first written), or None."""

    @abstractmethod
    async def kv_put(self, key: str, value: dict, expected_version: int) -> bool:
        """Write `value` as version expected_version + 1 only if the stored version is expected_version (0: no value
        yet): atomic over every instance. False (nothing written) if it moved on."""

    @abstractmethod
    async def claim(self, key: str, seconds: float) -> bool:
        """Take `key` for `seconds` (an LTI nonce, used once): True only for the first taker while it holds."""


def catch_up_in_background(catching_up: Awaitable[None], source: str) -> None:
    """Run a watcher's catch-up (its on_change) in the background, for a shared store whose channel said something
    changed; a failure is logged (the store's periodic poll tries again)."""

    def report(task: asyncio.Task) -> None:
        if not task.cancelled() and task.exception() is not None:
            log.warning("catching up from %s failed: %s", source, task.exception())

    asyncio.ensure_future(catching_up).add_done_callback(report)


def catch_up_all(watchers: dict[str, tuple], source: str) -> None:
    """Catch every watched session up (on_change(None)): after a lost subscription, and on each periodic poll."""
    for on_change, *_ in list(watchers.values()):
        catch_up_in_background(on_change(None), source)

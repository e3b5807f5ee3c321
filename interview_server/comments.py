"""Comment threads on ranges of the code (issue 23): kept with the session, each anchored to a range that moves with
every edit exactly as a cursor does (rebase.map_positions: both ends with assoc -1, as CodeMirror's mapPos).

Every instance that holds the session maps every thread through every update it applies, in version order, so all
of them (and every page, which maps the same way) agree where a thread is. A thread's anchor is stored with the
version it is at; it is stored again when the thread changes and every CHECKPOINT_VERSIONS versions, so opening a
session maps it through at most that many updates read from the store. A range whose text was deleted becomes a
collapsed anchor (`collapsed`), and keeps the text it was made on (`quote`) to say what it was about.

Threads seen by hosts only (`visibility` "hosts") never reach a candidate: Comments.visible(is_host) and the
audience's hosts_only frames.
"""

from __future__ import annotations

import asyncio
import hashlib
import secrets
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from .protocol import ProtocolError, Update
from .rebase import map_positions, pack, sections
from .store import SessionStore
from .store.base import EVENT_LIMITS

COMMENT_KIND = "comment"  # stored events: one per thread, replaced as it changes
AUTHOR_KIND = "comment_author"  # stored events: one per comment, its author digest (no thread's save overwrites it)
AUTHORS_REREAD_SECONDS = 30
MAX_DELETED = 200  # deleted comments' ids a thread remembers
MAX_THREADS = EVENT_LIMITS[COMMENT_KIND]  # threads made over a session's life (a removed one keeps its place)
MAX_COMMENTS_PER_THREAD = 100  # comments made in one thread, deleted ones too
# Characters of comment text a session and one thread may hold: a joiner's comment_threads frame and one thread's
# frame stay small (each character is at most 6 bytes as JSON) whatever is written.
MAX_SESSION_CHARS = 100_000
MAX_THREAD_CHARS = 20_000
QUOTE_CHARS = 200  # the text a thread was made on, kept to say what a collapsed thread was about
CHECKPOINT_VERSIONS = 500  # threads whose anchors moved are stored again this often (bounds the mapping at load)
MAX_LOAD_MAPPING = 5 * CHECKPOINT_VERSIONS  # further behind than this at load (a store that failed): the nearest place


def author_digest(author_key: str | None) -> str:
    """What the server keeps of a page's author key (hello.author_key): enough to know one's own comments after a
    reload, never sent to anyone."""
    return hashlib.sha256(author_key.encode()).hexdigest()[:32] if author_key else ""


@dataclass
class Thread:
    """A thread: its anchor (`start`, `end` at session `version`), its comments and whether it is resolved."""

    id: str
    visibility: str
    version: int
    start: int
    end: int
    quote: str
    created: dict  # {version, from, to, at}: where and when it was made (playback maps it from there)
    comments: list[dict] = field(default_factory=list)  # {id, participant, name, color, text, at, version, edited_at?}
    resolved: bool = False
    resolved_by: str = ""  # the participant id of who resolved it
    resolved_at: int | None = None  # server ms
    resolve_changed_at: int = 0  # when it was last resolved or reopened (server ms): the later change wins
    deleted: list[str] = field(default_factory=list)  # ids of comments deleted from it (a merge never brings them back)
    saved_version: int = 0  # the version its anchor was last stored at

    @property
    def collapsed(self) -> bool:
        return self.start == self.end

    def public(self) -> dict:
        """As participants (and playback) see it: everything but who wrote what in terms of author keys."""
        return {
            "id": self.id,
            "visibility": self.visibility,
            "version": self.version,
            "from": self.start,
            "to": self.end,
            "collapsed": self.collapsed,
            "quote": self.quote,
            "created": self.created,
            "resolved": self.resolved,
            "resolved_by": self.resolved_by,
            "resolved_at": self.resolved_at,
            "resolve_changed_at": self.resolve_changed_at,
            "comments": self.comments,
            "deleted": self.deleted,
        }

    @classmethod
    def from_stored(cls, body: dict) -> Thread:
        return cls(
            id=body["id"],
            visibility=body["visibility"],
            version=body["version"],
            start=body["from"],
            end=body["to"],
            quote=body.get("quote", ""),
            created=body["created"],
            comments=body["comments"],
            resolved=body.get("resolved", False),
            resolved_by=body.get("resolved_by", ""),
            resolved_at=body.get("resolved_at"),
            resolve_changed_at=body.get("resolve_changed_at", 0),
            deleted=list(body.get("deleted", [])),
            saved_version=body["version"],
        )


class Comments:
    """The threads of one live session."""

    def __init__(self, session_id: str, store: SessionStore, clock: Callable[[], float] = time.time):
        self.session_id = session_id
        self._store = store
        self._clock = clock
        self._threads: dict[str, Thread] = {}  # in the order made
        self._made = 0  # threads ever made here or loaded, removed ones too (each keeps its stored event)
        self._chars = 0  # characters of comment text in the live threads
        self._authors: dict[str, str] = {}  # comment id -> author digest: stored as events of their own, never sent
        self._authors_read: dict[str, float] = {}  # thread id -> when its authors were last read again (another's)
        # Saves one at a time, each writing the thread as it is when written: the last write is the latest state.
        self._saving = asyncio.Lock()

    # ---- loading, and the anchors moving with the text ----

    async def load(self, version: int, length: int) -> None:
        """Read the session's threads and bring their anchors to `version` (the session's, `length` units long)."""
        stored = await self._store.recent_events(self.session_id, COMMENT_KIND, MAX_THREADS)
        await self._read_authors()
        self._made = len(stored)
        for body in stored:
            if not body.get("removed"):
                thread = Thread.from_stored(body)
                self._threads[thread.id] = thread
                self._chars += _chars(thread)
        behind = sorted({thread.version for thread in self._threads.values() if thread.version < version})
        if not behind:
            return
        missed = None
        if version - behind[0] <= MAX_LOAD_MAPPING:
            missed = await self._store.updates_since(self.session_id, behind[0])
        if missed is None:  # the log before them was compacted: the nearest place in the text now
            for thread in self._threads.values():
                self._clamp(thread, version, length)
            return
        self.updates_accepted(behind[0], missed)

    def updates_accepted(self, version_before: int, updates: Sequence[Update]) -> None:
        """Move every thread's anchor through updates the session accepted (from version_before on)."""
        if not self._threads or not updates:
            return
        after = version_before + len(updates)
        moving = [t for t in self._threads.values() if t.version < after]
        if not moving:
            return
        packed = [sections(pack(update.changes)[0]) for update in updates]
        for skip in sorted({max(0, t.version - version_before) for t in moving}):
            group = [t for t in moving if max(0, t.version - version_before) == skip]
            positions = [pos for t in group for pos in (t.start, t.end)]
            for changes in packed[skip:]:
                positions = map_positions(changes, positions)
            for index, thread in enumerate(group):
                thread.start, thread.end, thread.version = positions[2 * index], positions[2 * index + 1], after

    def text_reset(self, version: int, length: int) -> None:
        """The session jumped to a text (its log was compacted past what this instance had): the nearest place."""
        for thread in self._threads.values():
            self._clamp(thread, version, length)

    @staticmethod
    def _clamp(thread: Thread, version: int, length: int) -> None:
        thread.start, thread.end = min(thread.start, length), min(thread.end, length)
        thread.version = version

    def due_checkpoint(self, version_before: int, version_after: int) -> list[Thread]:
        """Threads to store again because the session crossed a checkpoint and their anchor moved since stored."""
        if version_before // CHECKPOINT_VERSIONS == version_after // CHECKPOINT_VERSIONS:
            return []
        return [t for t in self._threads.values() if t.saved_version != t.version]

    # ---- what participants see ----

    def visible(self, is_host: bool) -> list[dict]:
        return [t.public() for t in self._threads.values() if is_host or t.visibility == "everyone"]

    def thread(self, thread_id: str, is_host: bool, what: str) -> Thread:
        """A thread this participant may see (a hosts-only one is "no such thread" to a candidate)."""
        thread = self._threads.get(thread_id)
        if thread is None or (thread.visibility == "hosts" and not is_host):
            raise ProtocolError(f"{what}: there is no thread {thread_id!r} in this session")
        return thread

    # ---- changes (each stored, then relayed by the caller) ----

    def add(
        self, person: dict, author: str, visibility: str, version: int, start: int, end: int, quote: str, text: str
    ) -> Thread:
        self._check_room(None, len(text), "comment_add")
        if self._made >= MAX_THREADS:
            raise ProtocolError(
                f"comment_add: {MAX_THREADS} threads have been made in this session, its limit; reply to one",
                "comments_full",
            )
        self._made += 1
        now = self._now()
        thread = Thread(
            id=f"t-{secrets.token_hex(6)}",
            visibility=visibility,
            version=version,
            start=start,
            end=end,
            quote=quote[:QUOTE_CHARS],
            created={"version": version, "from": start, "to": end, "at": now},
        )
        self._append_comment(thread, person, author, text, version, now)
        self._threads[thread.id] = thread
        return thread

    def reply(self, thread: Thread, person: dict, author: str, text: str, version: int) -> None:
        if len(thread.comments) + len(thread.deleted) >= MAX_COMMENTS_PER_THREAD:
            raise ProtocolError(
                f"comment_reply: a thread holds at most {MAX_COMMENTS_PER_THREAD} comments", "comments_full"
            )
        self._check_room(thread, len(text), "comment_reply")
        self._append_comment(thread, person, author, text, version, self._now())

    def edit(self, thread: Thread, comment_id: str, peer_id: str, author: str, text: str) -> None:
        comment = self._own(thread, comment_id, peer_id, author, "comment_edit")
        self._check_room(thread, len(text) - len(comment["text"]), "comment_edit")
        self._chars += len(text) - len(comment["text"])
        comment["text"], comment["edited_at"] = text, self._now()

    def delete(self, thread: Thread, comment_id: str, peer_id: str, author: str, is_host: bool) -> bool:
        """Remove a comment (one's own; a host may remove any); True if that left the thread empty (removed)."""
        comment = self._comment(thread, comment_id, "comment_delete")
        if not is_host:
            self._own(thread, comment_id, peer_id, author, "comment_delete")
        thread.comments.remove(comment)
        thread.deleted = [*thread.deleted, comment_id][-MAX_DELETED:]
        self._chars -= len(comment["text"])
        if thread.comments:
            return False
        del self._threads[thread.id]
        return True

    def resolve(self, thread: Thread, resolved: bool, peer_id: str) -> bool:
        """Resolve or reopen; False if it already was."""
        if thread.resolved == resolved:
            return False
        now = self._now()
        thread.resolved, thread.resolve_changed_at = resolved, now
        thread.resolved_by, thread.resolved_at = (peer_id, now) if resolved else ("", None)
        return True

    async def save(self, thread: Thread) -> None:
        async with self._saving:
            if self._threads.get(thread.id) is not thread:
                return  # removed (or replaced) meanwhile: its tombstone or its newer save stands
            thread.saved_version = thread.version
            await self._store.save_event(self.session_id, COMMENT_KIND, thread.id, self._clock(), thread.public())

    async def forget(self, thread_id: str) -> None:
        """A removed thread: stored as removed (a tombstone replaces it; playback and loading skip it)."""
        async with self._saving:
            await self._store.save_event(
                self.session_id, COMMENT_KIND, thread_id, self._clock(), {"id": thread_id, "removed": True}
            )

    # ---- another instance's changes, relayed: merged, so that changes made at once on two instances all stay ----

    def merge(self, body: dict, map_to_now: Callable[[int, int, int], tuple[int, int, int]]) -> tuple[Thread, bool]:
        """Take a thread another instance made or changed (its anchor at its version, brought to ours by
        map_to_now): its comments and ours together (by id; the later edit of one; none it or we deleted), the later
        resolve or reopen. (the thread, whether ours had something it lacked: then ours is stored again)."""
        incoming = Thread.from_stored(body)
        known = self._threads.get(incoming.id)
        if known is None:
            self._made += 1
            incoming.version, incoming.start, incoming.end = map_to_now(incoming.version, incoming.start, incoming.end)
            self._threads[incoming.id] = incoming
            self._chars += _chars(incoming)
            return incoming, False
        deleted = list(dict.fromkeys([*known.deleted, *incoming.deleted]))[-MAX_DELETED:]
        comments = {comment["id"]: comment for comment in known.comments}
        for comment in incoming.comments:
            ours = comments.get(comment["id"])
            if ours is None or comment.get("edited_at", 0) > ours.get("edited_at", 0):
                comments[comment["id"]] = comment
        merged = sorted((c for c in comments.values() if c["id"] not in deleted), key=lambda c: (c["at"], c["id"]))
        if incoming.resolve_changed_at > known.resolve_changed_at:
            known.resolved, known.resolved_by = incoming.resolved, incoming.resolved_by
            known.resolved_at, known.resolve_changed_at = incoming.resolved_at, incoming.resolve_changed_at
        self._chars += sum(len(c["text"]) for c in merged) - _chars(known)
        known.comments, known.deleted = merged, deleted
        ahead = merged != incoming.comments or known.resolve_changed_at != incoming.resolve_changed_at
        return known, ahead

    def thread_or_none(self, thread_id: str) -> Thread | None:
        return self._threads.get(thread_id)

    def remove_if_empty(self, thread_id: str) -> bool:
        """Another instance removed a thread it had emptied: gone here too, unless a comment made here meanwhile
        keeps it (its deleted comments came in its last `comment_thread`, merged before this); True if gone."""
        thread = self._threads.get(thread_id)
        if thread is None or thread.comments:
            return thread is None
        del self._threads[thread_id]
        return True

    async def reload_authors(self, thread_id: str) -> None:
        """Read the author digests again (stored as events of their own: comments made on another instance), at most
        once every AUTHORS_REREAD_SECONDS per thread."""
        now = self._clock()
        if now - self._authors_read.get(thread_id, -AUTHORS_REREAD_SECONDS) < AUTHORS_REREAD_SECONDS:
            return
        self._authors_read[thread_id] = now
        await self._read_authors()

    def knows_author(self, comment_id: str) -> bool:
        return comment_id in self._authors

    async def save_author(self, comment_id: str) -> None:
        digest = self._authors.get(comment_id)
        if digest:
            await self._store.save_event(
                self.session_id, AUTHOR_KIND, comment_id, self._clock(), {"id": comment_id, "author": digest}
            )

    async def _read_authors(self) -> None:
        for event in await self._store.recent_events(self.session_id, AUTHOR_KIND, EVENT_LIMITS[AUTHOR_KIND]):
            self._authors[event["id"]] = event["author"]

    # ---- helpers ----

    def _check_room(self, thread: Thread | None, more: int, what: str) -> None:
        """Refuse text that would take the session or the thread past its characters (MAX_*_CHARS)."""
        if more > 0 and self._chars + more > MAX_SESSION_CHARS:
            raise ProtocolError(
                f"{what}: this session's comments hold {MAX_SESSION_CHARS:,} characters, their limit", "comments_full"
            )
        if more > 0 and thread is not None and _chars(thread) + more > MAX_THREAD_CHARS:
            raise ProtocolError(f"{what}: a thread holds {MAX_THREAD_CHARS:,} characters at most", "comments_full")

    def _append_comment(self, thread: Thread, person: dict, author: str, text: str, version: int, now: int) -> None:
        self._chars += len(text)
        comment_id = f"m-{secrets.token_hex(4)}"
        thread.comments.append(
            {
                "id": comment_id,
                "participant": person["id"],
                "name": person["name"],
                "color": person["color"],
                "text": text,
                "at": now,
                "version": version,
            }
        )
        if author:
            self._authors[comment_id] = author

    @staticmethod
    def _comment(thread: Thread, comment_id: str, what: str) -> dict:
        for comment in thread.comments:
            if comment["id"] == comment_id:
                return comment
        raise ProtocolError(f"{what}: there is no comment {comment_id!r} in thread {thread.id!r}")

    def _own(self, thread: Thread, comment_id: str, peer_id: str, author: str, what: str) -> dict:
        comment = self._comment(thread, comment_id, what)
        if comment["participant"] != peer_id and not (author and self._authors.get(comment_id) == author):
            raise ProtocolError(f"{what}: you can only change your own comments", "not_yours")
        return comment

    def _now(self) -> int:
        return round(self._clock() * 1000)


def _chars(thread: Thread) -> int:
    return sum(len(comment["text"]) for comment in thread.comments)

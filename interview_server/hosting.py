"""Host powers: the host key of a session, and what only hosts decide (title, lock, end, problem, notes).

The host link carries the key in its fragment (`/session/{id}#host=KEY`), which browsers never send in
requests or Referer headers, so it stays out of server logs; the page hands it over in `hello`. The store
keeps only its SHA-256 digest.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from .store import SessionStore

HOST_KEY_BYTES = 24  # 192 bits of randomness (the issue asks for at least 128)

# Meta keys (SessionRecord.meta) this module reads and writes.
KEY_DIGEST, TITLE, LOCKED, ENDED, PROBLEM, NOTES = "host_key_sha256", "title", "locked", "ended", "problem", "notes"
START_TEXT = "start_text"  # the text at version 0, where playback starts (written once, at creation)
# Once compaction moved it: {"version", "text"} in one value, so that no reader sees one without the other.
PLAYBACK_START = "playback_start"


def playback_start(meta: dict) -> tuple[int, str | None]:
    """Where a session's recording starts: (version, text there); the text is None for a session made before
    playback existed."""
    moved = meta.get(PLAYBACK_START)
    if moved:
        return moved["version"], moved["text"]
    return 0, meta.get(START_TEXT)


def new_host_key() -> str:
    """A fresh host key: URL-safe text."""
    return secrets.token_urlsafe(HOST_KEY_BYTES)


def key_digest(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()


def is_host_key(meta: dict, key: str | None) -> bool:
    """True if `key` is the host key of the session with this meta (compared in constant time)."""
    return _matches(meta.get(KEY_DIGEST), key)


def _matches(digest: str | None, key: str | None) -> bool:
    if not digest or not isinstance(key, str) or not key:
        return False
    return hmac.compare_digest(digest, key_digest(key))


class HostSettings:
    """A live session's host-decided state, loaded from and saved to the store's meta."""

    def __init__(self, session_id: str, meta: dict, store: SessionStore):
        self.session_id = session_id
        self._store = store
        self._digest = meta.get(KEY_DIGEST)
        self._start_text = meta.get(START_TEXT)
        self.playback_start = meta.get(PLAYBACK_START)  # {"version", "text"} once compaction moved the start
        self.title, self.locked, self.ended, self.problem = "", False, False, None
        self.reload(meta)
        notes = meta.get(NOTES) or {}
        self.notes_text: str = notes.get("text", "")
        self.notes_version: int = notes.get("version", 0)
        self.notes_by: str = notes.get("by", "")  # participant id of the last save

    def meta(self) -> dict:
        """The meta values as stored (for SessionRecord)."""
        meta = {
            TITLE: self.title,
            LOCKED: self.locked,
            ENDED: self.ended,
            PROBLEM: self.problem,
            NOTES: {"text": self.notes_text, "version": self.notes_version, "by": self.notes_by},
        }
        if self._digest:
            meta[KEY_DIGEST] = self._digest
        if self._start_text is not None:
            meta[START_TEXT] = self._start_text
        if self.playback_start:
            meta[PLAYBACK_START] = self.playback_start
        return meta

    def reload(self, meta: dict) -> bool:
        """Take title, lock, end and problem from stored meta; True if any changed."""
        before = self.info()
        self.title = meta.get(TITLE) or ""
        self.locked = bool(meta.get(LOCKED))
        self.ended = bool(meta.get(ENDED))
        self.problem = meta.get(PROBLEM)
        return self.info() != before

    def is_host_key(self, key: str | None) -> bool:
        return _matches(self._digest, key)

    def info(self) -> dict:
        """The `session_info` every participant sees."""
        return {"title": self.title, "locked": self.locked, "ended": self.ended, "problem": self.problem}

    async def set_title(self, title: str) -> None:
        await self._store.set_meta(self.session_id, TITLE, title)
        self.title = title

    async def set_locked(self, locked: bool) -> None:
        await self._store.set_meta(self.session_id, LOCKED, locked)
        self.locked = locked

    async def end(self) -> None:
        await self._store.set_meta(self.session_id, ENDED, True)
        self.ended = True

    async def set_problem(self, problem: dict | None) -> None:
        await self._store.set_meta(self.session_id, PROBLEM, problem)
        self.problem = problem

    async def save_notes(self, text: str, base_version: int, by: str) -> bool:
        """Keep `text` if it was written on the current notes (`base_version`); False if someone saved since
        (here or, through a shared store, on another instance: the store compares and sets)."""
        if base_version != self.notes_version:
            return False
        notes = {"text": text, "version": base_version + 1, "by": by}
        if not await self._store.replace_versioned_meta(self.session_id, NOTES, notes, base_version):
            await self.reload_notes()  # another instance saved first: the sender gets those to merge with
            return False
        if notes["version"] > self.notes_version:
            self.notes_text, self.notes_version, self.notes_by = text, notes["version"], by
        return True

    async def reload_notes(self) -> None:
        record = await self._store.get(self.session_id)
        notes = (record.meta.get(NOTES) if record else None) or {}
        if notes.get("version", 0) >= self.notes_version:
            self.notes_text, self.notes_version, self.notes_by = (
                notes.get("text", ""),
                notes.get("version", 0),
                notes.get("by", ""),
            )

    def ingest_notes(self, data: dict) -> None:
        """Notes another instance saved (shared stores), relayed as its `notes` frame."""
        if data["version"] > self.notes_version:
            self.notes_text, self.notes_version, self.notes_by = data["text"], data["version"], data["participant"]

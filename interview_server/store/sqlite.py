"""SQLite store, the embedded default: one file, WAL, group commit, acknowledged once on disk.

Writes run on the event loop's thread, each in a short transaction that only hands pages to the OS
(synchronous=OFF); what makes them durable is one `fdatasync` of the WAL file on a helper thread, shared by
every write committed before it started. A write returns only after such a sync (group commit): the event
loop never waits for the disk, and the loop and the disk thread meet once per sync rather than once per
statement. Appends that arrive while a sync is in flight are committed together, in one transaction, right
before the next one (a busy server starts at most one sync every SYNC_INTERVAL_SECONDS). Checkpoints (WAL ->
database file) run on the disk thread between two syncs, while no append commits, through a connection with
synchronous=FULL: the database file is on disk before SQLite starts the WAL afresh. Reads run on a reader
thread with their own connection, after every write before them is durable.
"""

from __future__ import annotations

import asyncio
import json
import time
import logging
import os
import sqlite3
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from ..protocol import Update
from .base import (
    EVENT_LIMITS,
    SessionExists,
    SessionRecord,
    SessionStore,
    crosses_snapshot,
    decode_text,
    encode_text,
    replay,
)

log = logging.getLogger(__name__)

SCHEMA = """
CREATE TABLE IF NOT EXISTS sessions (
    id TEXT PRIMARY KEY,
    language TEXT NOT NULL,
    created_at TEXT NOT NULL,
    last_active REAL NOT NULL,
    version INTEGER NOT NULL,          -- as of the last snapshot written (the log after it gives the current)
    snapshot_text TEXT NOT NULL,       -- the text at snapshot_version (base.encode_text)
    snapshot_version INTEGER NOT NULL,
    history_start INTEGER NOT NULL     -- oldest version still in `updates`
);
CREATE TABLE IF NOT EXISTS updates (
    session_id TEXT NOT NULL,
    version INTEGER NOT NULL,          -- the version this update applies on top of
    client_id TEXT NOT NULL,
    changes TEXT NOT NULL,             -- ChangeSet JSON
    created_at REAL NOT NULL,          -- server time of acceptance
    participant TEXT NOT NULL,
    PRIMARY KEY (session_id, version)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS events (   -- runs and chat messages
    session_id TEXT NOT NULL,
    kind TEXT NOT NULL,                -- "run" or "chat"
    id TEXT NOT NULL,
    at REAL NOT NULL,                  -- when it started / was sent, seconds since the epoch
    body TEXT NOT NULL,                -- JSON, as sent to pages
    UNIQUE (session_id, kind, id)
);
CREATE TABLE IF NOT EXISTS session_meta (  -- SessionRecord.meta: title, lock, host key digest, notes...
    session_id TEXT NOT NULL,
    key TEXT NOT NULL,
    value TEXT NOT NULL,               -- JSON
    PRIMARY KEY (session_id, key)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS events_by_session ON events (session_id, kind);
CREATE TABLE IF NOT EXISTS pending_deletes (  -- sessions whose logged updates are still being deleted
    session_id TEXT PRIMARY KEY
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS kv (        -- small values beside the sessions (LTI links), compare-and-set
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL,               -- JSON
    version INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS claims (    -- keys taken once until they expire (LTI nonces)
    key TEXT PRIMARY KEY,
    expires_at REAL NOT NULL
) WITHOUT ROWID;
"""


INSERT_UPDATE = (
    "INSERT INTO updates (session_id, version, client_id, changes, created_at, participant) VALUES (?, ?, ?, ?, ?, ?)"
)
CHECKPOINT_WAL_BYTES = 4 * 1024 * 1024  # checkpoint once the WAL has grown past this (SQLite's own default)
WAL_KEPT_BYTES = 1024 * 1024  # what a WAL that SQLite starts again from the top is truncated to
# Under load (a sync shared by several writes), at most one sync starts this often, so more writes share each
# (measured at 2,000 pushes/s: CPU per push 153 % of the memory store's at 2 ms, 119 % at 5 ms; a keystroke waits
# ~2.5 ms longer on average).
SYNC_INTERVAL_SECONDS = 0.005
DELETE_CHUNK = 5000  # logged updates deleted per transaction (compaction, deleting a session): the loop gets turns


@dataclass
class _Append:
    session_id: str
    expected_version: int
    updates: list[Update]
    snapshot: str | None
    done: asyncio.Future


class SqliteStore(SessionStore):
    """Sessions in one SQLite file under the data directory."""

    name = "sqlite"

    def __init__(self, path: str | Path):
        self.path = Path(path)
        self._db: sqlite3.Connection | None = None  # the writer: used on the event loop's thread only
        self._reader: sqlite3.Connection | None = None  # on the read thread
        self._checkpointer: sqlite3.Connection | None = None  # on the disk thread; synchronous=FULL
        self._reads = ThreadPoolExecutor(max_workers=1, thread_name_prefix="sqlite-read")
        self._disk = ThreadPoolExecutor(max_workers=1, thread_name_prefix="sqlite-sync")
        self._wal_fd: int | None = None
        self._pending: list[_Append] = []  # appends waiting for the next commit
        self._unsynced: list[asyncio.Future] = []  # writes committed, waiting for a sync that starts after them
        self._syncer: asyncio.Task | None = None
        self._last_sync = -float("inf")  # when the last sync started (loop time)
        self._shared = False  # the last sync made more than one write durable: the server is busy
        self._versions: dict[str, int] = {}  # each session's version as committed (read once, then kept here)
        self.commits = 0  # append transactions (figures for tests and benchmarks)
        self.syncs = 0
        self.checkpoints = 0

    async def _read(self, function, *args):
        """`function(reader, *args)` on the read thread, once every write before it is durable."""
        if self._syncer is not None and not self._syncer.done():
            await self._durable()
        return await asyncio.get_running_loop().run_in_executor(self._reads, function, self._reader, *args)

    async def open(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA busy_timeout=5000")
        db.execute("PRAGMA synchronous=FULL")  # the schema (and any recovery) is on disk before we go on
        db.executescript(SCHEMA)
        db.execute("PRAGMA synchronous=OFF")  # from here on, _sync_wal makes commits durable
        db.execute("PRAGMA wal_autocheckpoint=0")  # _sync_loop does it, through a synchronous=FULL connection
        db.execute(f"PRAGMA journal_size_limit={WAL_KEPT_BYTES}")  # reset WAL cut back: its size tells its growth
        db.execute("PRAGMA busy_timeout=100")  # the only writer: waiting on a lock would stall the loop
        self._db = db
        self._wal_fd = os.open(self._wal_path(), os.O_RDONLY)
        self._reader = await asyncio.get_running_loop().run_in_executor(self._reads, self._connect, "NORMAL")
        self._checkpointer = await asyncio.get_running_loop().run_in_executor(self._disk, self._connect, "FULL")
        for (session_id,) in db.execute("SELECT session_id FROM pending_deletes").fetchall():
            await self._delete_updates(session_id)  # a deletion that a crash interrupted

    def _connect(self, synchronous: str) -> sqlite3.Connection:
        connection = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
        connection.execute("PRAGMA busy_timeout=5000")
        connection.execute(f"PRAGMA synchronous={synchronous}")
        return connection

    def _wal_path(self) -> str:
        return f"{self.path}-wal"

    async def close(self) -> None:
        while self._syncer is not None and not self._syncer.done():
            await asyncio.shield(self._syncer)
        loop = asyncio.get_running_loop()
        if self._reader is not None:
            await loop.run_in_executor(self._reads, self._reader.close)
            self._reader = None
        if self._checkpointer is not None:
            await loop.run_in_executor(self._disk, self._checkpointer.close)
            self._checkpointer = None
        if self._db is not None:
            self._db.execute("PRAGMA synchronous=FULL")  # the last connection out checkpoints: to disk
            self._db.close()
            self._db = None
        if self._wal_fd is not None:
            os.close(self._wal_fd)
            self._wal_fd = None
        for executor in (self._reads, self._disk):
            executor.shutdown(wait=True)

    # ---- durability: one fdatasync of the WAL for every write committed before it started ----

    async def _durable(self) -> None:
        """Return once a sync that started after now has finished (everything committed so far is on disk)."""
        done = asyncio.get_running_loop().create_future()
        self._unsynced.append(done)
        self._start_syncer()
        await done

    def _start_syncer(self) -> None:
        if self._syncer is None or self._syncer.done():
            self._syncer = asyncio.create_task(self._sync_loop())

    async def _sync_loop(self) -> None:
        """Commit the appends queued meanwhile in one transaction, make it and every other write before it
        durable in one sync, answer them all; again while any came in during the sync."""
        loop = asyncio.get_running_loop()
        while self._pending or self._unsynced:
            wait = self._last_sync + SYNC_INTERVAL_SECONDS - loop.time()
            if self._shared and wait > 0:  # busy (the last sync was shared): let more writes come and share the next
                await asyncio.sleep(wait)
            self._last_sync = loop.time()
            batch, self._pending = self._pending, []
            try:
                results = self._commit(batch) if batch else []
            except Exception as exc:  # not SQLite's refusal (that fails one append): every append here fails
                log.exception("committing appends failed")
                results = [exc] * len(batch)
            waiting, self._unsynced = self._unsynced, []
            self._shared = len(batch) + len(waiting) > 1
            try:
                wal_bytes = await loop.run_in_executor(self._disk, self._sync_wal)
            except OSError as exc:  # nothing of this batch is known to be on disk
                log.critical("could not sync the SQLite WAL to disk: %s", exc)
                for future in [item.done for item in batch] + waiting:
                    if not future.done():
                        future.set_exception(exc)
                continue
            self.syncs += 1
            for item, result in zip(batch, results, strict=True):
                if not item.done.done():
                    if isinstance(result, Exception):
                        item.done.set_exception(result)
                    else:
                        item.done.set_result(result)
            for future in waiting:
                if not future.done():
                    future.set_result(None)
            if wal_bytes >= CHECKPOINT_WAL_BYTES:  # between commits: it copies the whole WAL, SQLite starts it afresh
                await loop.run_in_executor(self._disk, self._checkpoint_sync)

    def _sync_wal(self) -> int:
        """fdatasync the WAL (on the disk thread), reopened first if SQLite replaced the file; its size."""
        try:
            wal = os.stat(self._wal_path())
            same = os.fstat(self._wal_fd).st_ino == wal.st_ino
        except FileNotFoundError:
            same = False
        if not same:
            os.close(self._wal_fd)
            self._wal_fd = os.open(self._wal_path(), os.O_RDONLY)
            wal = os.fstat(self._wal_fd)
        os.fdatasync(self._wal_fd)
        return wal.st_size

    def _checkpoint_sync(self) -> None:
        self.checkpoints += 1
        try:
            self._checkpointer.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
        except sqlite3.Error as exc:  # tried again after the next sync
            log.warning("SQLite checkpoint failed: %s", exc)

    # ---- writes: a transaction on the loop's thread, then durable ----

    async def _write(self, function, *args):
        """`function(writer, *args)` in one transaction; returns its result once it is on disk."""
        with self._transaction() as db:
            result = function(db, *args)
        await self._durable()
        return result

    async def create(self, record: SessionRecord) -> None:
        try:
            await self._write(self._create_sync, record)
        except sqlite3.IntegrityError:  # the id is taken (its row's primary key): the transaction was undone
            raise SessionExists(record.session_id) from None
        self._versions[record.session_id] = record.version

    @staticmethod
    def _create_sync(db: sqlite3.Connection, record: SessionRecord) -> None:
        db.execute(
            "INSERT INTO sessions (id, language, created_at, last_active, version, snapshot_text,"
            " snapshot_version, history_start) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (
                record.session_id,
                record.language,
                record.created_at.isoformat(),
                record.last_active,
                record.version,
                encode_text(record.text),
                record.version,
                record.version,
            ),
        )
        db.executemany(
            "INSERT INTO session_meta (session_id, key, value) VALUES (?, ?, ?)",
            [(record.session_id, key, _json(value)) for key, value in record.meta.items()],
        )

    async def append(
        self, session_id: str, expected_version: int, updates: list[Update], text: Callable[[], str]
    ) -> bool:
        snapshot = encode_text(text()) if crosses_snapshot(expected_version, len(updates)) else None
        done = asyncio.get_running_loop().create_future()
        self._pending.append(_Append(session_id, expected_version, updates, snapshot, done))
        self._start_syncer()
        return await done

    def _commit(self, batch: list[_Append]) -> list[bool | Exception]:
        """One transaction for the batch: every append's version checked (here, on the loop: this process is
        the only writer) and all the new rows in one INSERT. If anything in it fails, the batch is done again
        one append at a time, each in its own savepoint, so one bad append fails only itself."""
        self.commits += 1
        moved: dict[str, int] = {}  # versions as this transaction leaves them; kept only once it commits
        try:
            with self._transaction() as db:
                rows: list[tuple] = []
                results: list[bool | Exception] = [self._advance(db, item, rows, moved) for item in batch]
                db.executemany(INSERT_UPDATE, rows)
        except (sqlite3.Error, ValueError):  # ValueError: text SQLite cannot take (e.g. UnicodeEncodeError)
            return self._commit_one_by_one(batch)
        self._versions.update(moved)
        return results

    def _commit_one_by_one(self, batch: list[_Append]) -> list[bool | Exception]:
        results: list[bool | Exception] = []
        moved: dict[str, int] = {}
        try:
            with self._transaction() as db:
                for item in batch:
                    db.execute("SAVEPOINT one_append")
                    rows: list[tuple] = []
                    attempt = dict(moved)
                    try:
                        result: bool | Exception = self._advance(db, item, rows, attempt)
                        db.executemany(INSERT_UPDATE, rows)
                        db.execute("RELEASE one_append")
                        moved = attempt
                    except (sqlite3.Error, ValueError) as exc:
                        db.execute("ROLLBACK TO one_append")
                        db.execute("RELEASE one_append")
                        result = exc
                    results.append(result)
        except sqlite3.Error as exc:  # the transaction itself failed (BEGIN or COMMIT): none of them is written
            return [exc] * len(batch)
        self._versions.update(moved)
        return results

    def _advance(self, db: sqlite3.Connection, item: _Append, rows: list[tuple], moved: dict[str, int]) -> bool:
        """Move the session from the expected version past the appended updates (in `moved`); their rows go
        into `rows`. False if the session is not at the expected version (or is gone).

        The sessions row is written only with a snapshot (every SNAPSHOT_INTERVAL versions): an append writes
        just its log rows, so a batch touches about one page per session rather than two. The log's primary
        key (session, version) refuses a version written twice, should another writer ever share the file."""
        current = moved.get(item.session_id)
        if current is None:
            current = self._versions.get(item.session_id)
        if current is None:
            current = _current_version(db, item.session_id)
        if current is None or current != item.expected_version:
            return False
        version = item.expected_version + len(item.updates)
        if item.snapshot is not None:
            db.execute(
                "UPDATE sessions SET version = ?, last_active = max(last_active, ?),"
                " snapshot_text = ?, snapshot_version = ? WHERE id = ?",
                (version, max(u.timestamp for u in item.updates), item.snapshot, version, item.session_id),
            )
        moved[item.session_id] = version
        rows.extend(
            (
                item.session_id,
                item.expected_version + i,
                u.client_id,
                _json(u.changes),
                u.timestamp,
                u.participant,
            )
            for i, u in enumerate(item.updates)
        )
        return True

    async def compact(self, session_id: str, before_version: int) -> None:
        row = self._db.execute(
            "SELECT snapshot_version, history_start FROM sessions WHERE id = ?", (session_id,)
        ).fetchone()
        if row is None:
            return
        cut = min(before_version, row[0])
        if cut <= row[1]:
            return
        # The log starts at `cut` from now on; the rows before it go in chunks (one left by a crash goes next time).
        await self._write(
            lambda db: db.execute("UPDATE sessions SET history_start = ? WHERE id = ?", (cut, session_id))
        )
        await self._delete_updates(session_id, cut)

    async def _delete_updates(self, session_id: str, before_version: int | None = None) -> None:
        """Delete a session's logged updates (those before `before_version`, or all of them) a chunk per
        transaction, giving the loop a turn between chunks. Deleting them all ends its pending_deletes row."""
        while True:
            with self._transaction() as db:
                first = db.execute("SELECT min(version) FROM updates WHERE session_id = ?", (session_id,)).fetchone()[0]
                end = None if first is None else first + DELETE_CHUNK
                if before_version is not None and end is not None:
                    end = min(end, before_version)
                if first is None or end <= first:
                    if before_version is None:
                        db.execute("DELETE FROM pending_deletes WHERE session_id = ?", (session_id,))
                    break
                db.execute(
                    "DELETE FROM updates WHERE session_id = ? AND version >= ? AND version < ?",
                    (session_id, first, end),
                )
            await asyncio.sleep(0)
        await self._durable()

    async def touch(self, session_id: str, now: float) -> None:
        await self._write(
            lambda db: db.execute(
                "UPDATE sessions SET last_active = max(last_active, ?) WHERE id = ?", (now, session_id)
            )
        )

    async def set_language(self, session_id: str, language: str) -> None:
        await self._write(
            lambda db: db.execute("UPDATE sessions SET language = ? WHERE id = ?", (language, session_id))
        )

    async def set_meta(self, session_id: str, key: str, value) -> None:
        encoded = _json(value)
        await self._write(
            lambda db: db.execute(
                "INSERT INTO session_meta (session_id, key, value) SELECT id, ?, ? FROM sessions WHERE id = ?"
                " ON CONFLICT (session_id, key) DO UPDATE SET value = excluded.value",
                (key, encoded, session_id),
            )
        )

    async def replace_versioned_meta(self, session_id: str, key: str, value: dict, expected_version: int) -> bool:
        return await self._write(self._replace_versioned_meta_sync, session_id, key, _json(value), expected_version)

    @staticmethod
    def _replace_versioned_meta_sync(
        db: sqlite3.Connection, session_id: str, key: str, value: str, expected_version: int
    ) -> bool:
        if db.execute("SELECT 1 FROM sessions WHERE id = ?", (session_id,)).fetchone() is None:
            return False
        row = db.execute(
            "SELECT value FROM session_meta WHERE session_id = ? AND key = ?", (session_id, key)
        ).fetchone()
        stored_version = (json.loads(row[0]) or {}).get("version", 0) if row else 0
        if stored_version != expected_version:
            return False
        db.execute(
            "INSERT INTO session_meta (session_id, key, value) VALUES (?, ?, ?)"
            " ON CONFLICT (session_id, key) DO UPDATE SET value = excluded.value",
            (session_id, key, value),
        )
        return True

    async def save_event(self, session_id: str, kind: str, event_id: str, at: float, body: dict) -> None:
        await self._write(
            self._save_event_sync, session_id, kind, event_id, at, json.dumps(body, separators=(",", ":"))
        )

    @staticmethod
    def _save_event_sync(
        db: sqlite3.Connection, session_id: str, kind: str, event_id: str, at: float, body: str
    ) -> None:
        if db.execute("SELECT 1 FROM sessions WHERE id = ?", (session_id,)).fetchone() is None:
            return
        db.execute(
            "INSERT INTO events (session_id, kind, id, at, body) VALUES (?, ?, ?, ?, ?)"
            " ON CONFLICT (session_id, kind, id) DO UPDATE SET body = excluded.body",
            (session_id, kind, event_id, at, body),
        )
        db.execute(
            "DELETE FROM events WHERE rowid IN (SELECT rowid FROM events WHERE session_id = ? AND kind = ?"
            " ORDER BY rowid DESC LIMIT -1 OFFSET ?)",
            (session_id, kind, EVENT_LIMITS[kind]),
        )

    async def delete(self, session_id: str) -> None:
        """The session goes at once (one transaction); its logged updates follow in chunks, remembered in
        pending_deletes until they are all gone (a crash meanwhile: they go at the next start)."""
        await self._write(self._delete_sync, session_id)
        self._versions.pop(session_id, None)
        await self._delete_updates(session_id)

    @staticmethod
    def _delete_sync(db: sqlite3.Connection, session_id: str) -> None:
        db.execute("DELETE FROM events WHERE session_id = ?", (session_id,))
        db.execute("DELETE FROM session_meta WHERE session_id = ?", (session_id,))
        db.execute("DELETE FROM sessions WHERE id = ?", (session_id,))
        db.execute("INSERT OR IGNORE INTO pending_deletes (session_id) VALUES (?)", (session_id,))

    async def kv_put(self, key: str, value: dict, expected_version: int) -> bool:
        return await self._write(self._kv_put_sync, key, json.dumps(value, separators=(",", ":")), expected_version)

    @staticmethod
    def _kv_put_sync(db: sqlite3.Connection, key: str, value: str, expected_version: int) -> bool:
        if expected_version == 0:
            return (
                db.execute("INSERT OR IGNORE INTO kv (key, value, version) VALUES (?, ?, 1)", (key, value)).rowcount
                == 1
            )
        updated = db.execute(
            "UPDATE kv SET value = ?, version = version + 1 WHERE key = ? AND version = ?",
            (value, key, expected_version),
        )
        return updated.rowcount == 1

    async def claim(self, key: str, seconds: float) -> bool:
        return await self._write(self._claim_sync, key, time.time(), seconds)

    @staticmethod
    def _claim_sync(db: sqlite3.Connection, key: str, now: float, seconds: float) -> bool:
        db.execute("DELETE FROM claims WHERE expires_at <= ?", (now,))  # indexed by key only: small table, kept small
        return (
            db.execute("INSERT OR IGNORE INTO claims (key, expires_at) VALUES (?, ?)", (key, now + seconds)).rowcount
            == 1
        )

    @contextmanager
    def _transaction(self):
        """BEGIN IMMEDIATE ... COMMIT on the writer, rolled back on any error."""
        self._db.execute("BEGIN IMMEDIATE")
        try:
            yield self._db
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        self._db.execute("COMMIT")

    # ---- reads: on the read thread ----

    async def kv_get(self, key: str) -> tuple[dict, int] | None:
        row = await self._read(lambda db: db.execute("SELECT value, version FROM kv WHERE key = ?", (key,)).fetchone())
        return None if row is None else (json.loads(row[0]), row[1])

    async def get(self, session_id: str) -> SessionRecord | None:
        return await self._read(self._get_sync, session_id)

    @classmethod
    def _get_sync(cls, db: sqlite3.Connection, session_id: str) -> SessionRecord | None:
        with _snapshot(db):
            row = db.execute(
                "SELECT language, created_at, last_active, snapshot_text, snapshot_version FROM sessions WHERE id = ?",
                (session_id,),
            ).fetchone()
            if row is None:
                return None
            language, created_at, last_active, snapshot_text, snapshot_version = row
            tail = cls._updates(db, session_id, snapshot_version)
            version = snapshot_version + len(tail)
            meta = {
                key: json.loads(value)
                for key, value in db.execute("SELECT key, value FROM session_meta WHERE session_id = ?", (session_id,))
            }
        return SessionRecord(
            session_id,
            language,
            datetime.fromisoformat(created_at),
            replay(decode_text(snapshot_text), tail),
            version,
            max([last_active, *(u.timestamp for u in tail)]),  # the row's is as of the last snapshot or touch
            meta,
        )

    @staticmethod
    def _updates(db: sqlite3.Connection, session_id: str, version: int, limit: int | None = None) -> list[Update]:
        rows = db.execute(
            "SELECT client_id, changes, created_at, participant FROM updates"
            " WHERE session_id = ? AND version >= ? ORDER BY version LIMIT ?",
            (session_id, version, -1 if limit is None else limit),
        ).fetchall()
        return [
            Update(client_id, json.loads(changes), created_at, participant)
            for client_id, changes, created_at, participant in rows
        ]

    async def updates_since(self, session_id: str, version: int, limit: int | None = None) -> list[Update] | None:
        return await self._read(self._updates_since_sync, session_id, version, limit)

    @classmethod
    def _updates_since_sync(
        cls, db: sqlite3.Connection, session_id: str, version: int, limit: int | None
    ) -> list[Update] | None:
        with _snapshot(db):
            row = db.execute("SELECT history_start FROM sessions WHERE id = ?", (session_id,)).fetchone()
            if row is None or version < row[0] or version > _current_version(db, session_id):
                return None
            return cls._updates(db, session_id, version, limit)

    async def expired(self, idle_since: float) -> list[str]:
        # last_active is as of the last snapshot or touch: updates logged since then count as activity too.
        rows = await self._read(
            _fetch,
            "SELECT id FROM sessions WHERE last_active < ? AND coalesce((SELECT max(created_at) FROM updates"
            " WHERE session_id = sessions.id AND version >= sessions.snapshot_version), 0) < ?",
            (idle_since, idle_since),
        )
        return [row[0] for row in rows]

    async def recent_events(self, session_id: str, kind: str, limit: int) -> list[dict]:
        rows = await self._read(
            _fetch,
            (
                "SELECT body FROM (SELECT body, rowid AS seq FROM events WHERE session_id = ? AND kind = ?"
                " ORDER BY rowid DESC LIMIT ?) ORDER BY seq"
            ),
            (session_id, kind, limit),
        )
        return [json.loads(row[0]) for row in rows]


def _current_version(db: sqlite3.Connection, session_id: str) -> int | None:
    """A session's version as committed: past its last logged update, or its snapshot's (None: no such session)."""
    row = db.execute(
        "SELECT version, (SELECT max(version) FROM updates WHERE session_id = ?) FROM sessions WHERE id = ?",
        (session_id, session_id),
    ).fetchone()
    if row is None:
        return None
    version, last_logged = row
    return version if last_logged is None else max(version, last_logged + 1)


@contextmanager
def _snapshot(db: sqlite3.Connection):
    """One read transaction: several SELECTs see the same committed state."""
    db.execute("BEGIN")
    try:
        yield
    finally:
        db.execute("COMMIT")


def _fetch(db: sqlite3.Connection, sql: str, params: tuple = ()) -> list:
    return db.execute(sql, params).fetchall()


def _json(value) -> str:
    return json.dumps(value, separators=(",", ":"))

"""SQLite store, the embedded default: one file, WAL, one writer thread, group commit.

Every call runs on one dedicated thread, so the event loop never blocks on the disk. Appends
that arrive while a commit is in progress are committed together in the next transaction, and
each caller resumes only after its transaction is durable (synchronous=FULL).
"""

from __future__ import annotations

import asyncio
import json
import sqlite3
from contextlib import contextmanager
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from ..protocol import Update
from .base import EVENT_LIMITS, SessionRecord, SessionStore, crosses_snapshot, decode_text, encode_text, replay

SCHEMA = """
CREATE TABLE IF NOT EXISTS sessions (
    id TEXT PRIMARY KEY,
    language TEXT NOT NULL,
    created_at TEXT NOT NULL,
    last_active REAL NOT NULL,
    version INTEGER NOT NULL,          -- updates accepted so far
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
"""


INSERT_UPDATE = (
    "INSERT INTO updates (session_id, version, client_id, changes, created_at, participant) VALUES (?, ?, ?, ?, ?, ?)"
)


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
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="sqlite")
        self._db: sqlite3.Connection | None = None
        self._pending: list[_Append] = []
        self._flusher: asyncio.Task | None = None

    async def _run(self, function, *args):
        return await asyncio.get_running_loop().run_in_executor(self._executor, function, *args)

    async def open(self) -> None:
        await self._run(self._open_sync)

    def _open_sync(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=FULL")
        db.execute("PRAGMA busy_timeout=5000")
        db.executescript(SCHEMA)
        self._db = db

    async def close(self) -> None:
        if self._flusher is not None:
            await asyncio.shield(self._flusher)
        if self._db is not None:
            await self._run(self._db.close)
            self._db = None
        self._executor.shutdown(wait=True)

    async def create(self, record: SessionRecord) -> None:
        await self._run(self._create_sync, record)

    def _create_sync(self, record: SessionRecord) -> None:
        with self._transaction() as db:
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

    def _execute(self, sql: str, params: tuple = ()) -> list:
        return self._db.execute(sql, params).fetchall()

    async def get(self, session_id: str) -> SessionRecord | None:
        return await self._run(self._get_sync, session_id)

    def _get_sync(self, session_id: str) -> SessionRecord | None:
        row = self._db.execute(
            "SELECT language, created_at, last_active, version, snapshot_text, snapshot_version"
            " FROM sessions WHERE id = ?",
            (session_id,),
        ).fetchone()
        if row is None:
            return None
        language, created_at, last_active, version, snapshot_text, snapshot_version = row
        tail = self._updates_sync(session_id, snapshot_version)
        meta = {
            key: json.loads(value)
            for key, value in self._db.execute(
                "SELECT key, value FROM session_meta WHERE session_id = ?", (session_id,)
            )
        }
        return SessionRecord(
            session_id,
            language,
            datetime.fromisoformat(created_at),
            replay(decode_text(snapshot_text), tail),
            version,
            last_active,
            meta,
        )

    def _updates_sync(self, session_id: str, version: int, limit: int | None = None) -> list[Update]:
        rows = self._db.execute(
            "SELECT client_id, changes, created_at, participant FROM updates"
            " WHERE session_id = ? AND version >= ? ORDER BY version LIMIT ?",
            (session_id, version, -1 if limit is None else limit),
        ).fetchall()
        return [
            Update(client_id, json.loads(changes), created_at, participant)
            for client_id, changes, created_at, participant in rows
        ]

    async def append(
        self, session_id: str, expected_version: int, updates: list[Update], text: Callable[[], str]
    ) -> bool:
        snapshot = encode_text(text()) if crosses_snapshot(expected_version, len(updates)) else None
        done = asyncio.get_running_loop().create_future()
        self._pending.append(_Append(session_id, expected_version, updates, snapshot, done))
        if self._flusher is None or self._flusher.done():
            self._flusher = asyncio.create_task(self._flush())
        return await done

    async def _flush(self) -> None:
        """Commit everything queued, in as few transactions as there were waits (group commit)."""
        while self._pending:
            batch, self._pending = self._pending, []
            try:
                results = await self._run(self._commit_sync, batch)
            except Exception as exc:  # the whole transaction was rolled back
                for item in batch:
                    if not item.done.done():
                        item.done.set_exception(exc)
                continue
            for item, result in zip(batch, results, strict=True):
                if item.done.done():
                    continue
                if isinstance(result, Exception):
                    item.done.set_exception(result)
                else:
                    item.done.set_result(result)

    def _commit_sync(self, batch: list[_Append]) -> list[bool | Exception]:
        """One transaction for the batch: each session's version moved by one conditional UPDATE, then all the
        new rows in one INSERT. If anything in it fails, the batch is done again one append at a time, each in
        its own savepoint, so one bad append fails only itself."""
        try:
            with self._transaction() as db:
                rows: list[tuple] = []
                results: list[bool | Exception] = [self._advance_sync(db, item, rows) for item in batch]
                db.executemany(INSERT_UPDATE, rows)
            return results
        except (sqlite3.Error, ValueError):  # ValueError: text SQLite cannot take (e.g. UnicodeEncodeError)
            return self._commit_one_by_one_sync(batch)

    def _commit_one_by_one_sync(self, batch: list[_Append]) -> list[bool | Exception]:
        results: list[bool | Exception] = []
        with self._transaction() as db:
            for item in batch:
                db.execute("SAVEPOINT one_append")
                rows: list[tuple] = []
                try:
                    result: bool | Exception = self._advance_sync(db, item, rows)
                    db.executemany(INSERT_UPDATE, rows)
                    db.execute("RELEASE one_append")
                except (sqlite3.Error, ValueError) as exc:
                    db.execute("ROLLBACK TO one_append")
                    db.execute("RELEASE one_append")
                    result = exc
                results.append(result)
        return results

    @staticmethod
    def _advance_sync(db: sqlite3.Connection, item: _Append, rows: list[tuple]) -> bool:
        """Move the session from the expected version past the appended updates (one statement that checks and
        moves); the updates' rows go into `rows`. False if the session is not at the expected version."""
        version = item.expected_version + len(item.updates)
        last_active = max(u.timestamp for u in item.updates)
        if item.snapshot is None:
            moved = db.execute(
                "UPDATE sessions SET version = ?, last_active = max(last_active, ?) WHERE id = ? AND version = ?",
                (version, last_active, item.session_id, item.expected_version),
            )
        else:
            moved = db.execute(
                "UPDATE sessions SET version = ?, last_active = max(last_active, ?),"
                " snapshot_text = ?, snapshot_version = ? WHERE id = ? AND version = ?",
                (version, last_active, item.snapshot, version, item.session_id, item.expected_version),
            )
        if moved.rowcount != 1:
            return False
        rows.extend(
            (
                item.session_id,
                item.expected_version + i,
                u.client_id,
                json.dumps(u.changes, separators=(",", ":")),
                u.timestamp,
                u.participant,
            )
            for i, u in enumerate(item.updates)
        )
        return True

    async def updates_since(self, session_id: str, version: int, limit: int | None = None) -> list[Update] | None:
        return await self._run(self._updates_since_sync, session_id, version, limit)

    def _updates_since_sync(self, session_id: str, version: int, limit: int | None) -> list[Update] | None:
        row = self._db.execute("SELECT version, history_start FROM sessions WHERE id = ?", (session_id,)).fetchone()
        if row is None or version < row[1] or version > row[0]:
            return None
        return self._updates_sync(session_id, version, limit)

    async def compact(self, session_id: str, before_version: int) -> None:
        await self._run(self._compact_sync, session_id, before_version)

    def _compact_sync(self, session_id: str, before_version: int) -> None:
        row = self._db.execute(
            "SELECT snapshot_version, history_start FROM sessions WHERE id = ?", (session_id,)
        ).fetchone()
        if row is None:
            return
        cut = min(before_version, row[0])
        if cut <= row[1]:
            return
        with self._transaction() as db:
            db.execute("DELETE FROM updates WHERE session_id = ? AND version < ?", (session_id, cut))
            db.execute("UPDATE sessions SET history_start = ? WHERE id = ?", (cut, session_id))

    async def touch(self, session_id: str, now: float) -> None:
        await self._run(
            self._execute, "UPDATE sessions SET last_active = max(last_active, ?) WHERE id = ?", (now, session_id)
        )

    async def expired(self, idle_since: float) -> list[str]:
        rows = await self._run(self._execute, "SELECT id FROM sessions WHERE last_active < ?", (idle_since,))
        return [row[0] for row in rows]

    async def set_language(self, session_id: str, language: str) -> None:
        await self._run(self._execute, "UPDATE sessions SET language = ? WHERE id = ?", (language, session_id))

    async def set_meta(self, session_id: str, key: str, value) -> None:
        await self._run(
            self._execute,
            (
                "INSERT INTO session_meta (session_id, key, value) SELECT id, ?, ? FROM sessions WHERE id = ?"
                " ON CONFLICT (session_id, key) DO UPDATE SET value = excluded.value"
            ),
            (key, _json(value), session_id),
        )

    async def replace_versioned_meta(self, session_id: str, key: str, value: dict, expected_version: int) -> bool:
        return await self._run(self._replace_versioned_meta_sync, session_id, key, _json(value), expected_version)

    def _replace_versioned_meta_sync(self, session_id: str, key: str, value: str, expected_version: int) -> bool:
        with self._transaction() as db:
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
        await self._run(self._save_event_sync, session_id, kind, event_id, at, json.dumps(body, separators=(",", ":")))

    def _save_event_sync(self, session_id: str, kind: str, event_id: str, at: float, body: str) -> None:
        with self._transaction() as db:
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

    async def recent_events(self, session_id: str, kind: str, limit: int) -> list[dict]:
        rows = await self._run(
            self._execute,
            (
                "SELECT body FROM (SELECT body, rowid AS seq FROM events WHERE session_id = ? AND kind = ?"
                " ORDER BY rowid DESC LIMIT ?) ORDER BY seq"
            ),
            (session_id, kind, limit),
        )
        return [json.loads(row[0]) for row in rows]

    async def delete(self, session_id: str) -> None:
        await self._run(self._delete_sync, session_id)

    def _delete_sync(self, session_id: str) -> None:
        with self._transaction() as db:
            db.execute("DELETE FROM events WHERE session_id = ?", (session_id,))
            db.execute("DELETE FROM session_meta WHERE session_id = ?", (session_id,))
            db.execute("DELETE FROM updates WHERE session_id = ?", (session_id,))
            db.execute("DELETE FROM sessions WHERE id = ?", (session_id,))

    @contextmanager
    def _transaction(self):
        """BEGIN IMMEDIATE ... COMMIT, rolled back on any error."""
        self._db.execute("BEGIN IMMEDIATE")
        try:
            yield self._db
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        self._db.execute("COMMIT")


def _json(value) -> str:
    return json.dumps(value, separators=(",", ":"))

"""PostgreSQL store: sessions that survive restarts on a PaaS, shared by several instances (DATABASE_URL).

PostgreSQL is the authority. Appends (and frames relayed to other instances) queued during one turn of the
event loop go to the server together as one call of the `is_apply` function: one round trip and one commit
for the batch, and an append is answered only once that COMMIT returned (acknowledged after commit). Each
append is an UPDATE of the session's row `WHERE version = expected`, so two instances can never both accept
version N: the second waits for the first's row lock, then finds the version moved on.

Several instances: each commit NOTIFYs `u:<instance>:<version>` on the session's channel (delivered only if
it commits). Like Redis's pub/sub, the message only says "something happened": an instance fetches what it
missed by version, and polls every watched session each HEARTBEAT_SECONDS, so a lost notification delays an
update but never loses one. Frames go out as NOTIFY payloads in the order queued; one too big for a payload
(8,000 bytes) goes through the `relay` table and its id is notified instead. Presence and participants are
rows per (session, instance), counted only while the instance's heartbeat row is fresh (INSTANCE_TTL_SECONDS,
by the database's clock).
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import logging
import secrets
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import asyncpg
from asyncpg.exceptions import (
    AdminShutdownError,
    CannotConnectNowError,
    ClientConfigurationError,
    CrashShutdownError,
    UnsupportedClientFeatureError,
)

from ..protocol import Update
from .base import (
    SessionExists,
    INSTANCE_STATUS_SECONDS,
    EVENT_LIMITS,
    SessionRecord,
    SessionStore,
    catch_up_all,
    catch_up_in_background,
    crosses_snapshot,
    decode_text,
    encode_text,
    replay,
)
from .postgres_schema import MIGRATIONS, migrate

log = logging.getLogger(__name__)

POOL_SIZE = 10  # connections per instance (the listener has its own)
CONNECT_TIMEOUT_SECONDS = 5  # a new connection that takes longer: PostgreSQL counts as unreachable
COMMAND_TIMEOUT_SECONDS = 10  # a query that takes longer is cancelled (a hung server); the caller sees an error
INSTANCE_TTL_SECONDS = 10  # an instance not heard from for this long no longer counts its users
HEARTBEAT_SECONDS = 3  # heartbeat refresh, and the catch-up poll that heals lost notifications
PRUNE_EVERY = 10  # heartbeats between removing dead instances' rows and old relayed frames
NOTIFY_FRAME_BYTES = 7900  # a bigger frame goes through the relay table (a NOTIFY payload is < 8,000 bytes)
LISTENER_NAME = "interview_server listener"  # application_name of the LISTEN connection (tests cut it)

__all__ = ["MIGRATIONS", "PostgresStore"]


def channel(session_id: str) -> str:
    """A session's NOTIFY channel (the SQL function is_channel agrees): a fixed-length name under 63 bytes."""
    return "is:" + hashlib.md5(session_id.encode(), usedforsecurity=False).hexdigest()


def _encode(update: Update) -> str:
    return json.dumps(
        {"c": update.client_id, "ch": update.changes, "t": update.timestamp, "p": update.participant},
        separators=(",", ":"),
    )  # ASCII (lone surrogates escaped): PostgreSQL text takes any of it


def _decode(raw: str) -> Update:
    data = json.loads(raw)
    return Update(data["c"], data["ch"], data["t"], data["p"])


def _json(value) -> str:
    return json.dumps(value, separators=(",", ":"))


@dataclass
class _Op:
    """An append ("a") or a frame to relay ("n"), waiting for the next batch."""

    kind: str
    session_id: str
    done: asyncio.Future
    expected: int = 0
    updates: list[Update] | None = None
    snapshot: str | None = None
    frame: str | None = None


class PostgresStore(SessionStore):
    """Sessions in PostgreSQL: durable, for one instance or several behind one load balancer."""

    name = "postgres"
    shared = True
    outage_errors = (
        OSError,
        asyncpg.PostgresConnectionError,
        asyncpg.InterfaceError,  # "connection is closed"
        AdminShutdownError,
        CrashShutdownError,
        CannotConnectNowError,
    )
    not_outage_errors = (ClientConfigurationError, UnsupportedClientFeatureError)  # InterfaceErrors of ours
    outage_sources = (str(Path(__file__).parent), str(Path(asyncpg.__file__).parent))

    def __init__(self, url: str):
        self.url = url
        self.instance_id = secrets.token_hex(6)
        self._pool: asyncpg.Pool | None = None
        self._listener: asyncpg.Connection | None = None
        self._watchers: dict[
            str, tuple[Callable[[int | None], Awaitable[None]], Callable[[int], None], Callable[[str], None] | None]
        ] = {}
        self._channels: dict[str, str] = {}  # channel -> session id, of the watched sessions
        self._notices: asyncio.Queue = asyncio.Queue()  # (channel, payload) in the order PostgreSQL sent them
        self._pending: list[_Op] = []
        self._flusher: asyncio.Task | None = None
        self._tasks: list[asyncio.Task] = []
        self._appended: dict[str, int] = {}  # the last version this instance appended to each watched session
        self._relistening: asyncio.Future | None = None
        self._claims_made = 0  # claims taken here: every 100th also clears the expired ones
        self.batches = 0  # is_apply calls (figures for tests and benchmarks)

    async def open(self) -> None:
        connection = await asyncpg.connect(self.url)
        try:
            await migrate(connection)  # before the pool's connections prepare statements on the tables
        finally:
            await connection.close()
        # No reset query on release (asyncpg's default costs a round trip after every query): these connections
        # keep no session state (no LISTEN, SET or advisory lock outlives a call).
        self._pool = await asyncpg.create_pool(
            self.url,
            min_size=2,
            max_size=POOL_SIZE,
            reset=_no_reset,
            init=_warm,
            timeout=CONNECT_TIMEOUT_SECONDS,
            command_timeout=COMMAND_TIMEOUT_SECONDS,
        )
        await self._heartbeat_once()
        await self._listen()
        self._tasks = [asyncio.create_task(self._deliver()), asyncio.create_task(self._heartbeat())]

    async def ping(self) -> None:
        await self._pool.fetchval("SELECT 1")

    async def close(self) -> None:
        if self._flusher is not None:
            await asyncio.gather(self._flusher, return_exceptions=True)  # appends under way are answered
        for task in self._tasks:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        if self._listener is not None:
            self._listener.remove_termination_listener(self._listener_lost)
            with contextlib.suppress(Exception):
                await self._listener.close(timeout=2)
            self._listener = None
        if self._relistening is not None:
            self._relistening.cancel()
        if self._pool is not None:
            with contextlib.suppress(Exception):
                await self._pool.execute(
                    "DELETE FROM presence WHERE instance_id = $1; DELETE FROM people WHERE instance_id = $1;"
                    " DELETE FROM instances WHERE id = $1".replace("$1", _literal(self.instance_id))
                )
            await self._pool.close()
            self._pool = None

    # ---- appends and relayed frames: batched per loop turn, one round trip and one commit each ----

    async def append(
        self, session_id: str, expected_version: int, updates: list[Update], text: Callable[[], str]
    ) -> bool:
        snapshot = encode_text(text()) if crosses_snapshot(expected_version, len(updates)) else None
        appended = await self._queue(
            _Op("a", session_id, None, expected=expected_version, updates=updates, snapshot=snapshot)
        )
        if appended and session_id in self._watchers:
            self._appended[session_id] = expected_version + len(updates)
        return bool(appended)

    def publish(self, session_id: str, frame: str) -> asyncio.Future:
        try:
            frame.encode()
        except UnicodeEncodeError:  # a lone surrogate: the same JSON, escaped to ASCII
            frame = json.dumps(json.loads(frame), separators=(",", ":"))
        return self._queue(_Op("n", session_id, None, frame=frame))

    def _queue(self, op: _Op) -> asyncio.Future:
        op.done = asyncio.get_running_loop().create_future()
        self._pending.append(op)
        if self._flusher is None or self._flusher.done():
            self._flusher = asyncio.create_task(self._flush())
        return op.done

    async def _flush(self) -> None:
        """Send what was queued meanwhile as one is_apply call (one transaction); again while more came. If
        PostgreSQL refuses the batch (rolled back: nothing of it is written), each is tried again alone, so
        one bad append fails only itself. A lost connection fails them all: none is known to be committed."""
        while self._pending:
            batch, self._pending = self._pending, []
            try:
                results = await self._apply(batch)
            except asyncpg.PostgresError as exc:
                if len(batch) == 1 or isinstance(exc, self.outage_errors):  # lost: none is known to be committed
                    results = [exc] * len(batch)
                else:
                    results = []
                    for op in batch:
                        try:
                            results.extend(await self._apply([op]))
                        except Exception as alone:
                            results.append(alone)
            except Exception as exc:
                results = [exc] * len(batch)
            for op, result in zip(batch, results, strict=True):
                if op.done.done():
                    continue
                if isinstance(result, Exception):
                    op.done.set_exception(result)
                else:
                    op.done.set_result(result)

    async def _apply(self, batch: list[_Op]) -> list:
        self.batches += 1
        datas: list[str] = []
        times: list[float] = []
        for op in batch:
            for update in op.updates or ():
                datas.append(_encode(update))
                times.append(update.timestamp)
        results = await self._pool.fetchval(
            "SELECT is_apply($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
            self.instance_id,
            [op.kind for op in batch],
            [op.session_id for op in batch],
            [op.expected for op in batch],
            [len(op.updates or ()) for op in batch],
            [max((u.timestamp for u in op.updates), default=0.0) if op.updates else 0.0 for op in batch],
            [op.snapshot for op in batch],
            [op.frame for op in batch],
            datas,
            times,
        )
        return list(results)

    # ---- sessions ----

    async def create(self, record: SessionRecord) -> None:
        try:
            await self._create(record)
        except asyncpg.UniqueViolationError:  # the id is taken: the transaction was undone
            raise SessionExists(record.session_id) from None

    async def _create(self, record: SessionRecord) -> None:
        async with self._pool.acquire() as connection, connection.transaction():
            await connection.execute(
                "INSERT INTO sessions (id, language, created_at, last_active, version, snapshot_text,"
                " snapshot_version, history_start) VALUES ($1, $2, $3, $4, $5, $6, $5, $5)",
                record.session_id,
                record.language,
                record.created_at.isoformat(),
                record.last_active,
                record.version,
                encode_text(record.text),
            )
            if record.meta:
                await connection.execute(
                    "INSERT INTO session_meta (session_id, key, value) SELECT $1, k, v FROM unnest($2::text[], $3::text[])"
                    " AS t(k, v)",
                    record.session_id,
                    list(record.meta),
                    [_json(value) for value in record.meta.values()],
                )

    async def get(self, session_id: str) -> SessionRecord | None:
        # One statement: the row, the log after its snapshot and the meta values are of one snapshot.
        row = await self._pool.fetchrow(
            "SELECT s.language, s.created_at, s.last_active, s.version, s.snapshot_text,"
            " ARRAY(SELECT data FROM updates u WHERE u.session_id = s.id AND u.version >= s.snapshot_version"
            "       ORDER BY u.version) AS tail,"
            " ARRAY(SELECT key FROM session_meta m WHERE m.session_id = s.id ORDER BY key) AS keys,"
            " ARRAY(SELECT value FROM session_meta m WHERE m.session_id = s.id ORDER BY key) AS meta_values"
            " FROM sessions s WHERE s.id = $1",
            session_id,
        )
        if row is None:
            return None
        return SessionRecord(
            session_id,
            row["language"],
            datetime.fromisoformat(row["created_at"]),
            replay(decode_text(row["snapshot_text"]), [_decode(raw) for raw in row["tail"]]),
            row["version"],
            row["last_active"],
            {key: json.loads(value) for key, value in zip(row["keys"], row["meta_values"], strict=True)},
        )

    async def updates_since(self, session_id: str, version: int, limit: int | None = None) -> list[Update] | None:
        row = await self._pool.fetchrow(
            "SELECT s.version, s.history_start, ARRAY(SELECT data FROM updates u WHERE u.session_id = s.id"
            " AND u.version >= $2 ORDER BY u.version LIMIT $3) AS since FROM sessions s WHERE s.id = $1",
            session_id,
            version,
            limit,
        )
        if row is None or version < row["history_start"] or version > row["version"]:
            return None
        return [_decode(raw) for raw in row["since"]]

    async def compact(self, session_id: str, before_version: int) -> None:
        # The log starts at the cut from now on; rows left before it (a crash between the two) go next time.
        cut = await self._pool.fetchval(
            "UPDATE sessions SET history_start = least($2, snapshot_version)"
            " WHERE id = $1 AND least($2, snapshot_version) > history_start RETURNING history_start",
            session_id,
            before_version,
        )
        if cut is not None:
            await self._pool.execute("DELETE FROM updates WHERE session_id = $1 AND version < $2", session_id, cut)

    async def touch(self, session_id: str, now: float) -> None:
        await self._pool.execute(
            "UPDATE sessions SET last_active = $2 WHERE id = $1 AND last_active < $2", session_id, now
        )

    async def expired(self, idle_since: float) -> list[str]:
        rows = await self._pool.fetch("SELECT id FROM sessions WHERE last_active < $1", idle_since)
        return [row["id"] for row in rows]

    async def set_language(self, session_id: str, language: str) -> None:
        await self._pool.execute("UPDATE sessions SET language = $2 WHERE id = $1", session_id, language)

    async def set_meta(self, session_id: str, key: str, value) -> None:
        await self._pool.execute(
            "INSERT INTO session_meta (session_id, key, value) SELECT id, $2, $3 FROM sessions WHERE id = $1"
            " ON CONFLICT (session_id, key) DO UPDATE SET value = excluded.value",
            session_id,
            key,
            _json(value),
        )

    async def replace_versioned_meta(self, session_id: str, key: str, value: dict, expected_version: int) -> bool:
        """Compare-and-set in one transaction: the stored row is locked while it is compared (none stored and two
        racing inserts: the second fails on the primary key, and loses)."""
        encoded = _json(value)
        try:
            async with self._pool.acquire() as connection, connection.transaction():
                stored = await connection.fetchval(
                    "SELECT value FROM session_meta WHERE session_id = $1 AND key = $2 FOR UPDATE", session_id, key
                )
                if stored is None:
                    if expected_version != 0 or not await connection.fetchval(
                        "SELECT EXISTS (SELECT 1 FROM sessions WHERE id = $1)", session_id
                    ):
                        return False
                    await connection.execute(
                        "INSERT INTO session_meta (session_id, key, value) VALUES ($1, $2, $3)",
                        session_id,
                        key,
                        encoded,
                    )
                    return True
                if (json.loads(stored) or {}).get("version", 0) != expected_version:
                    return False
                await connection.execute(
                    "UPDATE session_meta SET value = $3 WHERE session_id = $1 AND key = $2", session_id, key, encoded
                )
                return True
        except asyncpg.UniqueViolationError:
            return False

    async def save_event(self, session_id: str, kind: str, event_id: str, at: float, body: dict) -> None:
        await self._pool.execute(
            "SELECT is_save_event($1, $2, $3, $4, $5, $6)",
            session_id,
            kind,
            event_id,
            at,
            _json(body),
            EVENT_LIMITS[kind],
        )

    async def recent_events(self, session_id: str, kind: str, limit: int) -> list[dict]:
        rows = await self._pool.fetch(
            "SELECT body FROM (SELECT body, seq FROM events WHERE session_id = $1 AND kind = $2"
            " ORDER BY seq DESC LIMIT $3) AS newest ORDER BY seq",
            session_id,
            kind,
            max(limit, 0),
        )
        return [json.loads(row["body"]) for row in rows]

    async def kv_get(self, key: str) -> tuple[dict, int] | None:
        row = await self._pool.fetchrow("SELECT value, version FROM kv WHERE key = $1", key)
        return None if row is None else (json.loads(row["value"]), row["version"])

    async def kv_put(self, key: str, value: dict, expected_version: int) -> bool:
        text = json.dumps(value, separators=(",", ":"))
        if expected_version == 0:
            status = await self._pool.execute(
                "INSERT INTO kv (key, value, version) VALUES ($1, $2, 1) ON CONFLICT (key) DO NOTHING", key, text
            )
        else:
            status = await self._pool.execute(
                "UPDATE kv SET value = $2, version = version + 1 WHERE key = $1 AND version = $3",
                key,
                text,
                expected_version,
            )
        return status.endswith(" 1")

    async def claim(self, key: str, seconds: float) -> bool:
        now = time.time()
        self._claims_made += 1
        if self._claims_made % 100 == 0:  # the expired go now and then (each key is claimed once, so never replaced)
            await self._pool.execute("DELETE FROM claims WHERE expires_at <= $1", now)
        row = await self._pool.fetchrow(
            "INSERT INTO claims (key, expires_at) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE"
            " SET expires_at = excluded.expires_at WHERE claims.expires_at <= $3 RETURNING key",
            key,
            now + seconds,
            now,
        )
        return row is not None

    async def delete(self, session_id: str) -> None:
        async with self._pool.acquire() as connection, connection.transaction():
            # The sessions row first: an append in flight holds it, so this waits for it rather than cross it.
            await connection.execute("DELETE FROM sessions WHERE id = $1", session_id)
            for table in ("updates", "session_meta", "events", "presence", "people"):
                await connection.execute(f"DELETE FROM {table} WHERE session_id = $1", session_id)

    # ---- several instances: notifications, presence, participants ----

    async def watch(
        self,
        session_id: str,
        on_change: Callable[[int | None], Awaitable[None]],
        on_presence: Callable[[int], None],
        on_relay: Callable[[str], None] | None = None,
    ) -> None:
        self._watchers[session_id] = (on_change, on_presence, on_relay)
        name = channel(session_id)
        if name not in self._channels:
            self._channels[name] = session_id
            if self._listener is not None and not self._listener.is_closed():
                with contextlib.suppress(asyncpg.PostgresError, asyncpg.InterfaceError, OSError):
                    await self._listener.add_listener(name, self._notified)  # else: the heartbeat re-listens

    async def unwatch(self, session_id: str) -> None:
        self._appended.pop(session_id, None)
        if self._watchers.pop(session_id, None) is not None:
            name = channel(session_id)
            self._channels.pop(name, None)
            if self._listener is not None and not self._listener.is_closed():
                with contextlib.suppress(asyncpg.PostgresError, asyncpg.InterfaceError, OSError):
                    await self._listener.remove_listener(name, self._notified)
        if session_id not in self._watchers:  # not opened here again meanwhile
            await self.set_presence(session_id, 0)
            await self.set_people(session_id, [])

    async def set_instance_status(self, instance: str, status: dict) -> None:
        await self._pool.execute(
            "INSERT INTO instance_status (id, status, expires_at) VALUES ($1, $2, now() + make_interval(secs => $3))"
            " ON CONFLICT (id) DO UPDATE SET status = excluded.status, expires_at = excluded.expires_at;",
            instance,
            json.dumps(status),
            INSTANCE_STATUS_SECONDS,
        )

    async def instance_statuses(self) -> list[dict]:
        await self._pool.execute("DELETE FROM instance_status WHERE expires_at < now() - interval '1 minute'")
        rows = await self._pool.fetch("SELECT status FROM instance_status WHERE expires_at > now() ORDER BY id")
        return [json.loads(row["status"]) for row in rows]

    async def set_presence(self, session_id: str, local_count: int) -> int:
        """Record this instance's connection count; tell the others; return the total over live instances."""
        total = await self._pool.fetchval(
            _presence_sql(local_count == 0), session_id, self.instance_id, local_count, channel(session_id)
        )
        return int(total)

    async def presence(self, session_id: str) -> int:
        return int(await self._pool.fetchval(_PRESENCE, session_id, ""))

    async def set_people(self, session_id: str, local: list[dict], notify: bool = True) -> list[dict]:
        """Record this instance's participants; tell the others if asked; return everyone's over live instances."""
        lists = await self._pool.fetchval(
            _people_sql(not local, notify),
            session_id,
            self.instance_id,
            _json(local),
            channel(session_id) if notify else "",
        )
        return local + [person for raw in lists for person in json.loads(raw)]

    async def people(self, session_id: str) -> list[dict]:
        lists = await self._pool.fetchval(_PEOPLE, session_id, self.instance_id)
        return [person for raw in lists for person in json.loads(raw)]

    async def _listen(self) -> None:
        """(Re)open the LISTEN connection and listen on every watched session's channel."""
        listener = await asyncpg.connect(self.url, server_settings={"application_name": LISTENER_NAME})
        for name in list(self._channels):
            await listener.add_listener(name, self._notified)
        listener.add_termination_listener(self._listener_lost)
        self._listener = listener

    def _listener_lost(self, _connection) -> None:
        """The LISTEN connection ended (notifications meanwhile are lost): listen again at once, then catch up."""
        if self._pool is not None and (self._relistening is None or self._relistening.done()):
            self._relistening = asyncio.ensure_future(self._relisten())

    async def _relisten(self) -> None:
        for delay in (0.05, 0.2, 0.5, 1.0):  # then the heartbeat keeps trying
            await asyncio.sleep(delay)
            try:
                await self._listen()
            except (asyncpg.PostgresError, asyncpg.InterfaceError, OSError) as exc:
                log.warning("could not listen on PostgreSQL again: %s", exc)
                continue
            log.warning("the PostgreSQL LISTEN connection was lost: listening again, catching up")
            catch_up_all(self._watchers, "PostgreSQL")
            return

    def _notified(self, _connection, _pid: int, name: str, payload: str) -> None:
        self._notices.put_nowait((name, payload))

    async def _deliver(self) -> None:
        """Hand notifications to the sessions in the order they came (a frame fetched from the relay table
        keeps its place)."""
        while True:
            name, payload = await self._notices.get()
            try:
                await self._dispatch(name, payload)
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("could not deliver a notification from PostgreSQL")

    async def _dispatch(self, name: str, payload: str) -> None:
        session_id = self._channels.get(name)
        watcher = self._watchers.get(session_id) if session_id is not None else None
        if watcher is None:
            return
        on_change, on_presence, on_relay = watcher
        kind, instance, rest = (payload.split(":", 2) + ["", ""])[:3]
        if instance == self.instance_id:
            return  # ours: we have it
        if kind == "u":  # an append reached version `rest`
            version = int(rest) if rest.isdigit() else None
            if version is not None and version <= self._appended.get(session_id, -1):
                return  # one before ours (which we had, to append at the version after it)
            catch_up_in_background(on_change(version), "PostgreSQL")
        elif kind == "pp" and on_relay is not None:
            on_relay("")  # someone joined, left or renamed elsewhere: the empty frame says "ask again"
        elif kind == "m" and on_relay is not None:
            on_relay(rest)
        elif kind == "r" and on_relay is not None:  # a frame too big for a payload, kept in the relay table
            frame = await self._pool.fetchval("SELECT frame FROM relay WHERE id = $1", int(rest))
            if frame is not None:
                on_relay(frame)
        elif kind == "p":
            on_presence(int(rest))

    async def _heartbeat_once(self) -> None:
        await self._pool.execute(
            "INSERT INTO instances (id, expires_at) VALUES ($1, now() + make_interval(secs => $2))"
            " ON CONFLICT (id) DO UPDATE SET expires_at = excluded.expires_at",
            self.instance_id,
            INSTANCE_TTL_SECONDS,
        )

    async def _heartbeat(self) -> None:
        """Keep this instance counted, re-listen after a lost LISTEN connection, and poll the watched sessions
        so a lost notification is healed within seconds."""
        beats = 0
        while True:
            await asyncio.sleep(HEARTBEAT_SECONDS)
            beats += 1
            try:
                await self._heartbeat_once()
                relistening = self._relistening is not None and not self._relistening.done()
                if (self._listener is None or self._listener.is_closed()) and not relistening:
                    log.warning("lost the PostgreSQL LISTEN connection; listening again and catching up")
                    await self._listen()
                catch_up_all(self._watchers, "PostgreSQL")
                for session_id, (_, on_presence, _) in list(self._watchers.items()):
                    on_presence(await self.presence(session_id))  # drops instances that died
                if beats % PRUNE_EVERY == 0:
                    await self._pool.execute(_PRUNE)
            except asyncio.CancelledError:
                raise
            except (asyncpg.PostgresError, asyncpg.InterfaceError, OSError) as exc:
                log.warning("PostgreSQL heartbeat failed: %s", exc)


# The connections ($1: session) of live instances other than $2.
_OTHERS_CONNECTIONS = (
    "coalesce((SELECT sum(p.connections) FROM presence p JOIN instances i ON i.id = p.instance_id"
    " WHERE p.session_id = $1 AND p.instance_id <> $2 AND i.expires_at > now()), 0)::int"
)
_PRESENCE = f"SELECT 0 + {_OTHERS_CONNECTIONS}"
# The participant lists (JSON) of session $1 on live instances other than $2.
_OTHERS_PEOPLE = (
    "ARRAY(SELECT p.list FROM people p JOIN instances i ON i.id = p.instance_id"
    " WHERE p.session_id = $1 AND p.instance_id <> $2 AND i.expires_at > now() ORDER BY p.instance_id)"
)
_PEOPLE = f"SELECT {_OTHERS_PEOPLE}"


def _presence_sql(zero: bool) -> str:
    """Set ($3 connections; none: `zero`) this instance's ($2) count of session $1, NOTIFY the total on channel $4,
    return it."""
    mine = (
        "DELETE FROM presence WHERE session_id = $1 AND instance_id = $2 AND $3::int = 0"
        if zero
        else "INSERT INTO presence (session_id, instance_id, connections) VALUES ($1, $2, $3)"
        " ON CONFLICT (session_id, instance_id) DO UPDATE SET connections = excluded.connections"
    )
    return (
        f"WITH mine AS ({mine}), total AS (SELECT $3 + {_OTHERS_CONNECTIONS} AS n)"
        " SELECT n FROM total, pg_notify($4, 'p:' || $2 || ':' || n) AS sent"
    )


def _people_sql(empty: bool, notify: bool) -> str:
    """Set this instance's ($2) participants of session $1 ($3, JSON; none: `empty`), NOTIFY on channel $4 if
    asked, return the other live instances' lists."""
    mine = (
        "DELETE FROM people WHERE session_id = $1 AND instance_id = $2 AND $3::text = '[]'"
        if empty
        else "INSERT INTO people (session_id, instance_id, list) VALUES ($1, $2, $3)"
        " ON CONFLICT (session_id, instance_id) DO UPDATE SET list = excluded.list"
    )
    sent = "pg_notify($4, 'pp:' || $2)" if notify else "(SELECT $4::text) AS unused"
    return f"WITH mine AS ({mine}) SELECT {_OTHERS_PEOPLE} FROM {sent}"


# Statements on the paths of joining and leaving, prepared on each new connection (in a transaction rolled back):
# one round trip each from the first use on (sockets closing must not wait for a Parse first).
_WARM = [
    *((_presence_sql(zero), ("", "", 0 if zero else 1, "is:")) for zero in (True, False)),
    *((_people_sql(empty, notify), ("", "", "[]", "is:")) for empty in (True, False) for notify in (True, False)),
    (_PRESENCE, ("", "")),
    (_PEOPLE, ("", "")),
    ("UPDATE sessions SET last_active = $2 WHERE id = $1 AND last_active < $2", ("", 0.0)),
]


async def _warm(connection: asyncpg.Connection) -> None:
    """Prepare the _WARM statements on a new pool connection (asyncpg keeps them in its statement cache)."""
    transaction = connection.transaction()
    await transaction.start()
    try:
        for sql, args in _WARM:
            await connection.fetchval(sql, *args)
    finally:
        await transaction.rollback()


_PRUNE = (
    "DELETE FROM instances WHERE expires_at < now() - interval '1 minute';"
    " DELETE FROM presence p WHERE NOT EXISTS (SELECT 1 FROM instances i WHERE i.id = p.instance_id);"
    " DELETE FROM people p WHERE NOT EXISTS (SELECT 1 FROM instances i WHERE i.id = p.instance_id);"
    " DELETE FROM relay WHERE created_at < now() - interval '1 minute'"
)


async def _no_reset(_connection: asyncpg.Connection) -> None:
    """Nothing to undo when a connection goes back to the pool."""


def _literal(value: str) -> str:
    """A SQL string literal of a value made here (an instance id: hex digits)."""
    assert value.isalnum()
    return f"'{value}'"

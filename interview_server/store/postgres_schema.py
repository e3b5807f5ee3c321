"""The PostgreSQL store's schema as numbered migrations, applied at start-up under an advisory lock.

`schema_version` holds the numbers applied. Each migration runs in its own transaction with its number, so a
start-up killed half-way leaves the database at the previous version; two instances starting together take
turns on the advisory lock, and the second finds nothing left to do. A database migrated by a newer server
(a version this one does not know) is refused rather than misread. docs/STORAGE.md lists what each needs.
"""

from __future__ import annotations

import logging

import asyncpg

log = logging.getLogger(__name__)

# pg_advisory_lock key: "interview_server schema" (any constant; other applications pick their own).
LOCK_KEY = 0x1A7E_5E55_0001

_V1 = r"""
CREATE TABLE sessions (
    id text PRIMARY KEY,
    language text NOT NULL,
    created_at text NOT NULL,                 -- ISO 8601, as given
    last_active double precision NOT NULL,    -- seconds since the epoch: the last edit or join
    version bigint NOT NULL,                  -- updates ever accepted (every append moves it)
    snapshot_text text NOT NULL,              -- the text at snapshot_version (base.encode_text: ASCII JSON)
    snapshot_version bigint NOT NULL,
    history_start bigint NOT NULL             -- oldest version still in `updates`
) WITH (fillfactor = 70);                     -- room on the page: an append's row update stays HOT
CREATE TABLE updates (
    session_id text NOT NULL,
    version bigint NOT NULL,                  -- the version this update applies on top of
    data text NOT NULL,                       -- {"c": clientID, "ch": ChangeSet, "t": time, "p": participant}
    created_at double precision NOT NULL,     -- server time of acceptance
    PRIMARY KEY (session_id, version)
);
CREATE TABLE session_meta (                   -- SessionRecord.meta: title, lock, host key digest, notes...
    session_id text NOT NULL,
    key text NOT NULL,
    value text NOT NULL,                      -- JSON
    PRIMARY KEY (session_id, key)
);
CREATE TABLE events (                         -- runs, chat messages, people, hidden results, timer marks
    session_id text NOT NULL,
    kind text NOT NULL,
    id text NOT NULL,
    seq bigserial NOT NULL,                   -- the order first saved (a replaced event keeps its place)
    at double precision NOT NULL,
    body text NOT NULL,                       -- JSON, as sent to pages
    PRIMARY KEY (session_id, kind, id)
);
CREATE INDEX events_in_order ON events (session_id, kind, seq);
-- What only matters while instances run is UNLOGGED: no WAL, no disk flush at commit (after a crash of
-- PostgreSQL these tables start empty, and heartbeats and the next join or leave fill them again).
CREATE UNLOGGED TABLE instances (             -- server instances alive: heartbeat every 3 s
    id text PRIMARY KEY,
    expires_at timestamptz NOT NULL
);
CREATE UNLOGGED TABLE presence (                       -- connections per session and instance
    session_id text NOT NULL,
    instance_id text NOT NULL,
    connections integer NOT NULL,
    PRIMARY KEY (session_id, instance_id)
);
CREATE UNLOGGED TABLE people (                         -- participants per session and instance (a JSON list)
    session_id text NOT NULL,
    instance_id text NOT NULL,
    list text NOT NULL,
    PRIMARY KEY (session_id, instance_id)
);
CREATE UNLOGGED TABLE relay (                          -- frames too big for a NOTIFY payload, kept a minute
    id bigserial PRIMARY KEY,
    frame text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);

-- A session's NOTIFY channel: fixed length, under the 63-byte limit (postgres.channel agrees).
CREATE FUNCTION is_channel(session_id text) RETURNS text LANGUAGE sql IMMUTABLE
    AS $$ SELECT 'is:' || md5(session_id) $$;

-- One batch of appends ('a') and frames to relay ('n'), in order, in one transaction. Per op i: sids[i];
-- for an append expected[i], counts[i] updates (datas/times, flattened in order), actives[i] (its newest
-- update's time) and snapshots[i] (the text after it, or NULL); for a frame frames[i]. Returns, per op,
-- whether it was applied (an append whose session is not at the expected version is not).
CREATE FUNCTION is_apply(
    instance text, ops text[], sids text[], expected bigint[], counts integer[], actives double precision[],
    snapshots text[], frames text[], datas text[], times double precision[]
) RETURNS boolean[] LANGUAGE plpgsql AS $$
DECLARE
    results boolean[] := '{}';
    first integer := 1;
    new_version bigint;
    moved boolean;
    relay_id bigint;
BEGIN
    -- The appended sessions' rows are locked first, in one order: two instances' batches never wait on
    -- each other in a cycle. (Each UPDATE below then finds its row locked by this transaction already.)
    PERFORM 1 FROM sessions
        WHERE id IN (SELECT sids[k] FROM generate_subscripts(ops, 1) AS k WHERE ops[k] = 'a')
        ORDER BY id FOR UPDATE;
    FOR i IN 1 .. coalesce(array_length(ops, 1), 0) LOOP
        IF ops[i] = 'a' THEN
            new_version := expected[i] + counts[i];
            UPDATE sessions SET
                version = new_version,
                last_active = greatest(last_active, actives[i]),
                snapshot_text = coalesce(snapshots[i], snapshot_text),
                snapshot_version = CASE WHEN snapshots[i] IS NULL THEN snapshot_version ELSE new_version END
                WHERE id = sids[i] AND version = expected[i];
            moved := FOUND;
            IF moved THEN
                INSERT INTO updates (session_id, version, data, created_at)
                    SELECT sids[i], expected[i] + n, datas[first + n], times[first + n]
                    FROM generate_series(0, counts[i] - 1) AS n;
                PERFORM pg_notify(is_channel(sids[i]), 'u:' || instance || ':' || new_version);
            END IF;
            results := results || moved;
            first := first + counts[i];
        ELSE
            IF octet_length(frames[i]) <= 7900 THEN
                PERFORM pg_notify(is_channel(sids[i]), 'm:' || instance || ':' || frames[i]);
            ELSE
                INSERT INTO relay (frame) VALUES (frames[i]) RETURNING id INTO relay_id;
                PERFORM pg_notify(is_channel(sids[i]), 'r:' || instance || ':' || relay_id);
            END IF;
            results := results || true;
        END IF;
    END LOOP;
    RETURN results;
END $$;

-- Insert or replace an event of an existing session (a replaced one keeps its place); keep the newest `keep`.
CREATE FUNCTION is_save_event(
    sid text, event_kind text, event_id text, event_at double precision, event_body text, keep integer
) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO events (session_id, kind, id, at, body)
        SELECT id, event_kind, event_id, event_at, event_body FROM sessions WHERE id = sid
        ON CONFLICT (session_id, kind, id) DO UPDATE SET body = excluded.body;
    IF FOUND THEN
        DELETE FROM events WHERE session_id = sid AND kind = event_kind AND seq <= (
            SELECT seq FROM events WHERE session_id = sid AND kind = event_kind ORDER BY seq DESC OFFSET keep LIMIT 1
        );
    END IF;
END $$;
"""

_V2 = r"""
CREATE UNLOGGED TABLE instance_status (       -- each instance's status for the admin dashboard, every 3 s
    id text PRIMARY KEY,
    status text NOT NULL,                     -- JSON (admin.py)
    expires_at timestamptz NOT NULL
);
"""

_V3 = r"""
CREATE TABLE kv (                             -- small values beside the sessions (LTI links), compare-and-set
    key text PRIMARY KEY,
    value text NOT NULL,                      -- JSON
    version integer NOT NULL
);
CREATE TABLE claims (                         -- keys taken once until they expire (LTI nonces)
    key text PRIMARY KEY,
    expires_at double precision NOT NULL      -- seconds since the epoch
);
"""

# (version, what it does); docs/STORAGE.md says what each needs.
MIGRATIONS: list[tuple[int, str, str]] = [
    (1, "sessions, update log, meta, events; instances, presence, people, relay; is_apply, is_save_event", _V1),
    (2, "instance_status: each instance's status for the admin dashboard", _V2),
    (3, "kv and claims: values beside the sessions (LTI links) and keys taken once (LTI nonces)", _V3),
]


class SchemaTooNew(RuntimeError):
    """The database was migrated by a newer server than this one."""


async def migrate(connection: asyncpg.Connection) -> int:
    """Bring the schema to the newest version (under the advisory lock); the version it is at."""
    await connection.execute("SELECT pg_advisory_lock($1)", LOCK_KEY)
    try:
        await connection.execute(
            "CREATE TABLE IF NOT EXISTS schema_version (version integer PRIMARY KEY,"
            " applied_at timestamptz NOT NULL DEFAULT now(), description text NOT NULL)"
        )
        current = await connection.fetchval("SELECT coalesce(max(version), 0) FROM schema_version")
        newest = MIGRATIONS[-1][0]
        if current > newest:
            raise SchemaTooNew(
                f"the database's schema is at version {current}, newer than this server knows ({newest}):"
                " upgrade the server"
            )
        for version, description, sql in MIGRATIONS:
            if version <= current:
                continue
            async with connection.transaction():
                await connection.execute(sql)
                await connection.execute(
                    "INSERT INTO schema_version (version, description) VALUES ($1, $2)", version, description
                )
            log.info("PostgreSQL schema migrated to version %d: %s", version, description)
            current = version
        return current
    finally:
        await connection.execute("SELECT pg_advisory_unlock($1)", LOCK_KEY)

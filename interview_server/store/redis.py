"""Redis store: sessions shared by several server instances.

Redis is the authority. Appending at an expected version is one Lua script, so two instances can
never both accept version N. After each append the script publishes the new version on the
session's channel; that message only says "something happened": each instance then fetches what it
missed by version, so a lost message can delay an update but never lose or reorder one. A periodic
poll bounds that delay. Presence (who is connected) is counted per instance, and an instance that
dies stops counting once its heartbeat key expires.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import secrets
from collections.abc import Awaitable, Callable
from datetime import datetime
from pathlib import Path

import redis.asyncio as aioredis
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError
from redis.exceptions import NoScriptError, WatchError

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

log = logging.getLogger(__name__)

PREFIX = "is:"
INSTANCE_TTL_SECONDS = 10  # an instance not heard from for this long no longer counts its users
POOL_SIZE = 50  # connections to Redis per instance (pub/sub has its own)
POOL_WAIT_SECONDS = 10  # how long a command waits for a free one before failing
CONNECT_TIMEOUT_SECONDS = 5  # a new connection that takes longer: Redis counts as unreachable
COMMAND_TIMEOUT_SECONDS = 10  # a reply that takes longer: the command fails (a hung or half-open connection)
HEARTBEAT_SECONDS = 3  # heartbeat refresh, and the catch-up poll that heals lost messages

_APPEND = """
local version = redis.call('HGET', KEYS[1], 'version')
if not version or tonumber(version) ~= tonumber(ARGV[1]) then return 0 end
local count = tonumber(ARGV[2])
for i = 1, count do redis.call('RPUSH', KEYS[2], ARGV[5 + i]) end
local new_version = tonumber(ARGV[1]) + count
redis.call('HSET', KEYS[1], 'version', new_version)
if tonumber(ARGV[3]) > tonumber(redis.call('HGET', KEYS[1], 'last_active')) then
  redis.call('HSET', KEYS[1], 'last_active', ARGV[3])
  redis.call('ZADD', KEYS[3], ARGV[3], ARGV[4])
end
if ARGV[5] ~= '' then
  redis.call('HSET', KEYS[1], 'snapshot_text', ARGV[5], 'snapshot_version', new_version)
end
redis.call('PUBLISH', KEYS[4], 'u:' .. new_version)
return 1
"""

# The session hash and the updates after its snapshot, read together so they agree.
_LOAD = """
local fields = redis.call('HGETALL', KEYS[1])
if #fields == 0 then return false end
local hash = {}
for i = 1, #fields, 2 do hash[fields[i]] = fields[i + 1] end
local from = tonumber(hash['snapshot_version']) - tonumber(hash['history_start'])
return {fields, redis.call('LRANGE', KEYS[2], from, -1)}
"""

_SINCE = """
local fields = redis.call('HMGET', KEYS[1], 'version', 'history_start')
if not fields[1] then return false end
local version, start, want, limit = tonumber(fields[1]), tonumber(fields[2]), tonumber(ARGV[1]), tonumber(ARGV[2])
if want < start or want > version then return false end
if limit == 0 then return {} end
return redis.call('LRANGE', KEYS[2], want - start, limit < 0 and -1 or want - start + limit - 1)
"""

_COMPACT = """
local fields = redis.call('HMGET', KEYS[1], 'snapshot_version', 'history_start')
if not fields[1] then return 0 end
local cut = math.min(tonumber(ARGV[1]), tonumber(fields[1]))
local start = tonumber(fields[2])
if cut <= start then return 0 end
redis.call('LTRIM', KEYS[2], cut - start, -1)
redis.call('HSET', KEYS[1], 'history_start', cut)
return 1
"""

_TOUCH = """
local last = redis.call('HGET', KEYS[1], 'last_active')
if not last then return 0 end
if tonumber(ARGV[1]) > tonumber(last) then
  redis.call('HSET', KEYS[1], 'last_active', ARGV[1])
  redis.call('ZADD', KEYS[2], ARGV[1], ARGV[2])
end
return 1
"""

# Sets this instance's count (ARGV[2]; '' leaves it as it is), drops counts of instances whose
# heartbeat expired, returns the total.
_PRESENCE = """
if ARGV[2] == '0' then redis.call('HDEL', KEYS[1], ARGV[1])
elseif ARGV[2] ~= '' then redis.call('HSET', KEYS[1], ARGV[1], ARGV[2]) end
local total = 0
local entries = redis.call('HGETALL', KEYS[1])
for i = 1, #entries, 2 do
  if redis.call('EXISTS', ARGV[3] .. entries[i]) == 1 then total = total + tonumber(entries[i + 1])
  else redis.call('HDEL', KEYS[1], entries[i]) end
end
return total
"""

# Sets this instance's participants (ARGV[2], a JSON list; '[]' removes them, '' leaves them), drops
# those of instances whose heartbeat expired, returns every live instance's list (but this one's if ARGV[4] is
# 'others').
_PEOPLE = """
if ARGV[2] == '[]' then redis.call('HDEL', KEYS[1], ARGV[1])
elseif ARGV[2] ~= '' then redis.call('HSET', KEYS[1], ARGV[1], ARGV[2]) end
local lists = {}
local entries = redis.call('HGETALL', KEYS[1])
for i = 1, #entries, 2 do
  if redis.call('EXISTS', ARGV[3] .. entries[i]) == 0 then redis.call('HDEL', KEYS[1], entries[i])
  elseif not (ARGV[4] == 'others' and entries[i] == ARGV[1]) then table.insert(lists, entries[i + 1]) end
end
return lists
"""

# Insert or replace a run or chat message; keep the newest ARGV[4], in the order first saved.
_SAVE_EVENT = """
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
if redis.call('HEXISTS', KEYS[2], ARGV[1]) == 0 then redis.call('RPUSH', KEYS[3], ARGV[1]) end
redis.call('HSET', KEYS[2], ARGV[1], ARGV[2])
local extra = redis.call('LLEN', KEYS[3]) - tonumber(ARGV[3])
if extra > 0 then
  local old = redis.call('LRANGE', KEYS[3], 0, extra - 1)
  redis.call('LTRIM', KEYS[3], extra, -1)
  redis.call('HDEL', KEYS[2], unpack(old))
end
return 1
"""

_SET_META = """
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
return 1
"""

# Compare-and-set of a versioned meta value (a JSON object with "version"; none stored counts as 0).
_REPLACE_VERSIONED_META = """
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
local stored = redis.call('HGET', KEYS[1], ARGV[1])
local version = 0
if stored then version = tonumber(cjson.decode(stored)['version'] or 0) end
if version ~= tonumber(ARGV[3]) then return 0 end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
return 1
"""

META_PREFIX = "m:"  # meta values live in the session hash as fields "m:<key>" (JSON)

# kv_put: write the value as the next version if the stored one is ARGV[2] (0: none yet).
_KV_PUT = """
local version = tonumber(redis.call('HGET', KEYS[1], 'version') or '0')
if version ~= tonumber(ARGV[2]) then return 0 end
redis.call('HSET', KEYS[1], 'value', ARGV[1], 'version', version + 1)
return 1
"""

_RECENT_EVENTS = """
local ids = redis.call('LRANGE', KEYS[2], -tonumber(ARGV[1]), -1)
if #ids == 0 then return {} end
return redis.call('HMGET', KEYS[1], unpack(ids))
"""


def _encode(update: Update) -> str:
    return json.dumps(
        {"c": update.client_id, "ch": update.changes, "t": update.timestamp, "p": update.participant},
        separators=(",", ":"),
    )


def _decode(raw: str) -> Update:
    data = json.loads(raw)
    return Update(data["c"], data["ch"], data["t"], data["p"])


class _Command:
    """One command for a pipeline; a script's `source` to load it again if Redis forgot it."""

    __slots__ = ("args", "source")

    def __init__(self, args: tuple, source: str = ""):
        self.args = args
        self.source = source

    @classmethod
    def script(cls, sha_and_source: tuple[str, str], keys: tuple, args: tuple) -> _Command:
        sha, source = sha_and_source
        return cls(("EVALSHA", sha, len(keys), *keys, *args), source)


class RedisStore(SessionStore):
    """Sessions in Redis, for several instances behind one load balancer."""

    name = "redis"
    shared = True
    outage_errors = (OSError, RedisConnectionError, RedisTimeoutError)
    outage_sources = (str(Path(__file__).parent), str(Path(aioredis.__file__).parent.parent))  # .../redis

    def __init__(self, url: str):
        self.url = url
        self.instance_id = secrets.token_hex(6)
        self._redis: aioredis.Redis | None = None
        self._pubsub = None
        self._watchers: dict[
            str, tuple[Callable[[], Awaitable[None]], Callable[[int], None], Callable[[str], None] | None]
        ] = {}
        self._tasks: list[asyncio.Task] = []
        # Appends and published frames for the next round trip, in the order they came: (command, future).
        self._pending: list[tuple[_Command, asyncio.Future]] = []
        self._flusher: asyncio.Task | None = None
        self._appended: dict[str, int] = {}  # the last version this instance appended to each watched session

    @staticmethod
    def _keys(session_id: str) -> tuple[str, str, str, str]:
        """(session hash, update log, activity index, channel)."""
        return f"{PREFIX}s:{session_id}", f"{PREFIX}log:{session_id}", f"{PREFIX}active", f"{PREFIX}ch:{session_id}"

    async def open(self) -> None:
        # A bounded pool that waits for a free connection under load (the default one raises at 100 in use).
        pool = aioredis.BlockingConnectionPool.from_url(
            self.url,
            decode_responses=True,
            max_connections=POOL_SIZE,
            timeout=POOL_WAIT_SECONDS,
            socket_connect_timeout=CONNECT_TIMEOUT_SECONDS,
            # A half-open connection (a host gone without a reset) must not hold a command forever.
            socket_timeout=COMMAND_TIMEOUT_SECONDS,
            socket_keepalive=True,
        )
        self._redis = aioredis.Redis(connection_pool=pool)
        await self._redis.ping()
        self._load = self._redis.register_script(_LOAD)
        self._append = self._redis.register_script(_APPEND)
        self._since = self._redis.register_script(_SINCE)
        self._compact = self._redis.register_script(_COMPACT)
        self._touch = self._redis.register_script(_TOUCH)
        self._presence = self._redis.register_script(_PRESENCE)
        self._people = self._redis.register_script(_PEOPLE)
        self._save_event = self._redis.register_script(_SAVE_EVENT)
        self._recent_events = self._redis.register_script(_RECENT_EVENTS)
        self._set_meta = self._redis.register_script(_SET_META)
        self._replace_versioned_meta = self._redis.register_script(_REPLACE_VERSIONED_META)
        self._kv_put = self._redis.register_script(_KV_PUT)
        await self._heartbeat_once()
        self._pubsub = self._redis.pubsub(ignore_subscribe_messages=True)
        self._tasks = [asyncio.create_task(self._listen()), asyncio.create_task(self._heartbeat())]

    async def ping(self) -> None:
        await self._redis.ping()

    async def close(self) -> None:
        if self._flusher is not None:
            await asyncio.gather(self._flusher, return_exceptions=True)  # appends under way are answered
        for task in self._tasks:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        if self._redis is not None:
            with contextlib.suppress(Exception):
                await self._redis.delete(f"{PREFIX}inst:{self.instance_id}")
            if self._pubsub is not None:
                await self._pubsub.aclose()
            await self._redis.aclose()
            self._redis = None

    async def create(self, record: SessionRecord) -> None:
        key, log_key, active, _ = self._keys(record.session_id)
        async with self._redis.pipeline(transaction=True) as pipe:
            await pipe.watch(key)  # another instance making it meanwhile fails the transaction (WatchError)
            if await pipe.exists(key):
                raise SessionExists(record.session_id)
            pipe.multi()
            pipe.delete(log_key)
            pipe.hset(
                key,
                mapping={
                    "language": record.language,
                    "created_at": record.created_at.isoformat(),
                    "last_active": record.last_active,
                    "version": record.version,
                    "snapshot_text": encode_text(record.text),
                    "snapshot_version": record.version,
                    "history_start": record.version,
                    **{
                        META_PREFIX + key: json.dumps(value, separators=(",", ":"))
                        for key, value in record.meta.items()
                    },
                },
            )
            pipe.zadd(active, {record.session_id: record.last_active})
            try:
                await pipe.execute()
            except WatchError:
                raise SessionExists(record.session_id) from None

    async def get(self, session_id: str) -> SessionRecord | None:
        key, log_key, _, _ = self._keys(session_id)
        loaded = await self._load(keys=[key, log_key])
        if loaded is None:
            return None
        flat, tail = loaded
        fields = dict(zip(flat[::2], flat[1::2], strict=True))
        return SessionRecord(
            session_id,
            fields["language"],
            datetime.fromisoformat(fields["created_at"]),
            replay(decode_text(fields["snapshot_text"]), [_decode(raw) for raw in tail]),
            int(fields["version"]),
            float(fields["last_active"]),
            {
                key.removeprefix(META_PREFIX): json.loads(value)
                for key, value in fields.items()
                if key.startswith(META_PREFIX)
            },
        )

    async def append(
        self, session_id: str, expected_version: int, updates: list[Update], text: Callable[[], str]
    ) -> bool:
        # "" means no snapshot (an encoded text is never empty: it is a JSON string).
        snapshot = encode_text(text()) if crosses_snapshot(expected_version, len(updates)) else ""
        last_active = max(u.timestamp for u in updates)
        keys = self._keys(session_id)
        appended = await self._queue(
            _Command.script(
                (self._append.sha, self._append.script),
                keys,
                (expected_version, len(updates), last_active, session_id, snapshot, *map(_encode, updates)),
            )
        )
        if appended and session_id in self._watchers:
            self._appended[session_id] = expected_version + len(updates)
        return bool(appended)

    def _queue(self, command: _Command) -> asyncio.Future:
        """Send a command with the others queued meanwhile; its reply (or exception) is the future's."""
        done = asyncio.get_running_loop().create_future()
        self._pending.append((command, done))
        if self._flusher is None or self._flusher.done():
            self._flusher = asyncio.create_task(self._flush())
        return done

    async def _flush(self) -> None:
        """Send the commands queued meanwhile in one pipeline: one round trip (and one pooled connection) for
        all of them, each append still its own atomic script, in the order they came. Scripts go by their
        SHA alone (no SCRIPT EXISTS round trip first); the few that Redis has forgotten (a restart, SCRIPT
        FLUSH) were not run, so they are loaded and sent again."""
        while self._pending:
            batch, self._pending = self._pending, []
            try:
                results = await self._execute([command for command, _ in batch])
                forgotten = [i for i, result in enumerate(results) if isinstance(result, NoScriptError)]
                if forgotten:
                    for source in {batch[i][0].source for i in forgotten}:
                        await self._redis.script_load(source)
                    retried = await self._execute([batch[i][0] for i in forgotten])
                    for i, result in zip(forgotten, retried, strict=True):
                        results[i] = result
            except Exception as exc:  # the connection failed: none of them is known to be applied
                for _, done in batch:
                    if not done.done():
                        done.set_exception(exc)
                continue
            for (_, done), result in zip(batch, results, strict=True):
                if done.done():
                    continue
                if isinstance(result, Exception):
                    done.set_exception(result)
                else:
                    done.set_result(result)

    async def _execute(self, commands: list[_Command]) -> list:
        async with self._redis.pipeline(transaction=False) as pipe:
            for command in commands:
                pipe.execute_command(*command.args)
            return await pipe.execute(raise_on_error=False)

    async def updates_since(self, session_id: str, version: int, limit: int | None = None) -> list[Update] | None:
        key, log_key, _, _ = self._keys(session_id)
        entries = await self._since(keys=[key, log_key], args=[version, -1 if limit is None else limit])
        return None if entries is None else [_decode(raw) for raw in entries]

    async def compact(self, session_id: str, before_version: int) -> None:
        key, log_key, _, _ = self._keys(session_id)
        await self._compact(keys=[key, log_key], args=[before_version])

    async def touch(self, session_id: str, now: float) -> None:
        key, _, active, _ = self._keys(session_id)
        await self._touch(keys=[key, active], args=[now, session_id])

    async def expired(self, idle_since: float) -> list[str]:
        return await self._redis.zrangebyscore(f"{PREFIX}active", "-inf", f"({idle_since}")

    @staticmethod
    def _event_keys(session_id: str, kind: str) -> tuple[str, str]:
        """(id -> JSON hash, ids in the order first saved)."""
        return f"{PREFIX}ev:{session_id}:{kind}", f"{PREFIX}evo:{session_id}:{kind}"

    async def set_language(self, session_id: str, language: str) -> None:
        key = self._keys(session_id)[0]
        if await self._redis.exists(key):
            await self._redis.hset(key, "language", language)

    async def set_meta(self, session_id: str, key: str, value) -> None:
        await self._set_meta(
            keys=[self._keys(session_id)[0]], args=[META_PREFIX + key, json.dumps(value, separators=(",", ":"))]
        )

    async def replace_versioned_meta(self, session_id: str, key: str, value: dict, expected_version: int) -> bool:
        return bool(
            await self._replace_versioned_meta(
                keys=[self._keys(session_id)[0]],
                args=[META_PREFIX + key, json.dumps(value, separators=(",", ":")), expected_version],
            )
        )

    async def save_event(self, session_id: str, kind: str, event_id: str, at: float, body: dict) -> None:
        await self._save_event(
            keys=[self._keys(session_id)[0], *self._event_keys(session_id, kind)],
            args=[event_id, json.dumps(body, separators=(",", ":")), EVENT_LIMITS[kind]],
        )

    async def recent_events(self, session_id: str, kind: str, limit: int) -> list[dict]:
        if limit <= 0:
            return []
        bodies = await self._recent_events(keys=list(self._event_keys(session_id, kind)), args=[limit])
        return [json.loads(body) for body in bodies if body is not None]

    async def kv_get(self, key: str) -> tuple[dict, int] | None:
        held = await self._redis.hmget(f"{PREFIX}kv:{key}", "value", "version")
        return None if held[0] is None else (json.loads(held[0]), int(held[1]))

    async def kv_put(self, key: str, value: dict, expected_version: int) -> bool:
        written = await self._kv_put(
            keys=[f"{PREFIX}kv:{key}"], args=[json.dumps(value, separators=(",", ":")), expected_version]
        )
        return bool(written)

    async def claim(self, key: str, seconds: float) -> bool:
        return bool(await self._redis.set(f"{PREFIX}claim:{key}", 1, nx=True, px=max(1, round(seconds * 1000))))

    async def delete(self, session_id: str) -> None:
        key, log_key, active, _ = self._keys(session_id)
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.delete(
                key,
                log_key,
                f"{PREFIX}pres:{session_id}",
                f"{PREFIX}people:{session_id}",
                *(k for kind in EVENT_LIMITS for k in self._event_keys(session_id, kind)),
            )
            pipe.zrem(active, session_id)
            await pipe.execute()

    # Several instances: change notifications and presence.

    async def watch(
        self,
        session_id: str,
        on_change: Callable[[int | None], Awaitable[None]],
        on_presence: Callable[[int], None],
        on_relay: Callable[[str], None] | None = None,
    ) -> None:
        self._watchers[session_id] = (on_change, on_presence, on_relay)
        await self._pubsub.subscribe(self._keys(session_id)[3])

    async def unwatch(self, session_id: str) -> None:
        self._appended.pop(session_id, None)
        if self._watchers.pop(session_id, None) is not None:
            await self._pubsub.unsubscribe(self._keys(session_id)[3])
        if session_id not in self._watchers:  # not opened here again meanwhile
            await self.set_presence(session_id, 0)
            await self.set_people(session_id, [])

    async def set_people(self, session_id: str, local: list[dict], notify: bool = True) -> list[dict]:
        """Record this instance's participants; tell the others if asked; return everyone's over live instances."""
        lists = await self._people(
            keys=[f"{PREFIX}people:{session_id}"],
            args=[self.instance_id, json.dumps(local, separators=(",", ":")), f"{PREFIX}inst:", "all"],
        )
        if notify:
            await self._redis.publish(self._keys(session_id)[3], f"pp:{self.instance_id}")
        return [person for raw in lists for person in json.loads(raw)]

    async def people(self, session_id: str) -> list[dict]:
        lists = await self._people(
            keys=[f"{PREFIX}people:{session_id}"], args=[self.instance_id, "", f"{PREFIX}inst:", "others"]
        )
        return [person for raw in lists for person in json.loads(raw)]

    def publish(self, session_id: str, frame: str) -> asyncio.Future:
        return self._queue(_Command(("PUBLISH", self._keys(session_id)[3], f"m:{self.instance_id}:{frame}")))

    async def set_instance_status(self, instance: str, status: dict) -> None:
        async with self._redis.pipeline(transaction=False) as pipe:
            pipe.set(f"{PREFIX}status:{instance}", json.dumps(status), ex=INSTANCE_STATUS_SECONDS)
            pipe.sadd(f"{PREFIX}statuses", instance)
            await pipe.execute()

    async def instance_statuses(self) -> list[dict]:
        """The statuses still fresh (a set names the instances: no SCAN over the whole key space); an instance
        whose status expired leaves the set."""
        instances = sorted(await self._redis.smembers(f"{PREFIX}statuses"))
        values = await self._redis.mget([f"{PREFIX}status:{instance}" for instance in instances]) if instances else []
        gone = [instance for instance, value in zip(instances, values, strict=True) if value is None]
        if gone:
            await self._redis.srem(f"{PREFIX}statuses", *gone)
        return [json.loads(value) for value in values if value is not None]

    async def set_presence(self, session_id: str, local_count: int) -> int:
        """Record this instance's connection count; tell the others; return the total over instances."""
        total = await self._presence(
            keys=[f"{PREFIX}pres:{session_id}"], args=[self.instance_id, local_count, f"{PREFIX}inst:"]
        )
        await self._redis.publish(self._keys(session_id)[3], f"p:{self.instance_id}:{total}")
        return int(total)

    async def presence(self, session_id: str) -> int:
        """Connections to a session over all live instances."""
        return int(
            await self._presence(keys=[f"{PREFIX}pres:{session_id}"], args=[self.instance_id, "", f"{PREFIX}inst:"])
        )

    async def _listen(self) -> None:
        """Deliver channel messages; after a lost subscription, re-subscribe and catch every session up."""
        while True:
            try:
                if not self._pubsub.subscribed:
                    await asyncio.sleep(0.05)
                    continue
                message = await self._pubsub.get_message(timeout=1.0)
                if message is not None:
                    self._dispatch(message["channel"], message["data"])
            except asyncio.CancelledError:
                raise
            except (RedisConnectionError, OSError) as exc:
                log.warning("lost the Redis subscription (%s); re-subscribing and catching up", exc)
                await asyncio.sleep(0.2)
                with contextlib.suppress(RedisConnectionError, OSError):
                    channels = [self._keys(sid)[3] for sid in self._watchers]
                    await self._pubsub.aclose()
                    self._pubsub = self._redis.pubsub(ignore_subscribe_messages=True)
                    if channels:
                        await self._pubsub.subscribe(*channels)
                    catch_up_all(self._watchers, "Redis")

    def _dispatch(self, channel: str, data: str) -> None:
        session_id = channel.removeprefix(f"{PREFIX}ch:")
        watcher = self._watchers.get(session_id)
        if watcher is None:
            return
        on_change, on_presence, on_relay = watcher
        if data.startswith("u:"):  # "u:<version>": an append reached it
            version = int(data[2:]) if data[2:].isdigit() else None
            if version is not None and version <= self._appended.get(session_id, -1):
                return  # ours, or one before ours (which we had, to append at the version after it)
            catch_up_in_background(on_change(version), "Redis")
        elif data.startswith("pp:"):
            if data[3:] != self.instance_id and on_relay is not None:
                on_relay("")  # someone joined, left or renamed elsewhere: the empty frame says "ask again"
        elif data.startswith("m:"):
            _, instance, frame = data.split(":", 2)
            if instance != self.instance_id and on_relay is not None:
                on_relay(frame)
        elif data.startswith("p:"):
            _, instance, total = data.split(":")
            if instance != self.instance_id:
                on_presence(int(total))

    async def _heartbeat_once(self) -> None:
        await self._redis.set(f"{PREFIX}inst:{self.instance_id}", "1", ex=INSTANCE_TTL_SECONDS)

    async def _heartbeat(self) -> None:
        """Keep this instance counted, and poll live sessions so a lost message is healed within seconds."""
        while True:
            await asyncio.sleep(HEARTBEAT_SECONDS)
            try:
                await self._heartbeat_once()
                catch_up_all(self._watchers, "Redis")
                for session_id, (_, on_presence, _) in list(self._watchers.items()):
                    on_presence(await self.presence(session_id))  # drops instances that died
            except (RedisConnectionError, OSError) as exc:
                log.warning("Redis heartbeat failed: %s", exc)

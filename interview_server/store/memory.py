"""In-memory store: fast and ephemeral (everything is lost when the process exits)."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace

from ..protocol import Update
from .base import EVENT_LIMITS, SessionExists, SessionRecord, SessionStore, crosses_snapshot, replay


@dataclass
class _Entry:
    record: SessionRecord  # text/version here are the snapshot's
    version: int
    # Each update as a tuple of plain values (changes as JSON text): no container the garbage collector
    # has to walk again and again, however long the log grows (full collections stay short).
    log: list[tuple[str, str, float, str]] = field(default_factory=list)
    log_start: int = 0  # version of log[0]
    events: dict[str, dict[str, tuple[float, dict]]] = field(default_factory=dict)  # kind -> id -> (at, body)


class MemoryStore(SessionStore):
    """Sessions and their update logs in dictionaries; same snapshot rules as the durable stores."""

    name = "memory"

    def __init__(self) -> None:
        self._entries: dict[str, _Entry] = {}
        self._values: dict[str, tuple[str, int]] = {}  # kv: key -> (JSON, version)
        self._claims: dict[str, float] = {}  # key -> held until (seconds since the epoch)

    async def create(self, record: SessionRecord) -> None:
        if record.session_id in self._entries:
            raise SessionExists(record.session_id)
        record = replace(record, meta=json.loads(json.dumps(record.meta)))
        self._entries[record.session_id] = _Entry(record=record, version=record.version, log_start=record.version)

    async def get(self, session_id: str) -> SessionRecord | None:
        entry = self._entries.get(session_id)
        if entry is None:
            return None
        snapshot = entry.record
        tail = _updates(entry.log[snapshot.version - entry.log_start :])
        return replace(snapshot, text=replay(snapshot.text, tail), version=entry.version)

    async def append(
        self, session_id: str, expected_version: int, updates: list[Update], text: Callable[[], str]
    ) -> bool:
        entry = self._entries.get(session_id)
        if entry is None or entry.version != expected_version:
            return False
        entry.log.extend(
            (u.client_id, json.dumps(u.changes, separators=(",", ":")), u.timestamp, u.participant) for u in updates
        )
        entry.version += len(updates)
        last_active = max(u.timestamp for u in updates)
        entry.record = replace(entry.record, last_active=max(entry.record.last_active, last_active))
        if crosses_snapshot(expected_version, len(updates)):
            entry.record = replace(entry.record, text=text(), version=entry.version)
        return True

    async def updates_since(self, session_id: str, version: int, limit: int | None = None) -> list[Update] | None:
        entry = self._entries.get(session_id)
        if entry is None or version < entry.log_start or version > entry.version:
            return None
        first = version - entry.log_start
        return _updates(entry.log[first : None if limit is None else first + limit])

    async def compact(self, session_id: str, before_version: int) -> None:
        entry = self._entries.get(session_id)
        if entry is None:
            return
        cut = min(before_version, entry.record.version) - entry.log_start
        if cut > 0:
            del entry.log[:cut]
            entry.log_start += cut

    async def touch(self, session_id: str, now: float) -> None:
        entry = self._entries.get(session_id)
        if entry is not None:
            entry.record = replace(entry.record, last_active=max(entry.record.last_active, now))

    async def expired(self, idle_since: float) -> list[str]:
        return [sid for sid, entry in self._entries.items() if entry.record.last_active < idle_since]

    async def set_language(self, session_id: str, language: str) -> None:
        entry = self._entries.get(session_id)
        if entry is not None:
            entry.record = replace(entry.record, language=language)

    async def set_meta(self, session_id: str, key: str, value) -> None:
        entry = self._entries.get(session_id)
        if entry is not None:  # through JSON, as the durable stores keep it
            entry.record = replace(entry.record, meta={**entry.record.meta, key: json.loads(json.dumps(value))})

    async def replace_versioned_meta(self, session_id: str, key: str, value: dict, expected_version: int) -> bool:
        entry = self._entries.get(session_id)
        if entry is None or (entry.record.meta.get(key) or {}).get("version", 0) != expected_version:
            return False
        await self.set_meta(session_id, key, value)
        return True

    async def save_event(self, session_id: str, kind: str, event_id: str, at: float, body: dict) -> None:
        entry = self._entries.get(session_id)
        if entry is None:
            return
        events = entry.events.setdefault(kind, {})
        events[event_id] = (events[event_id][0] if event_id in events else at, body)
        while len(events) > EVENT_LIMITS[kind]:
            del events[next(iter(events))]  # dicts keep the order of first insertion

    async def recent_events(self, session_id: str, kind: str, limit: int) -> list[dict]:
        entry = self._entries.get(session_id)
        if entry is None:
            return []
        ordered = list(entry.events.get(kind, {}).values())
        return [body for _, body in ordered[-limit:]] if limit > 0 else []

    async def delete(self, session_id: str) -> None:
        self._entries.pop(session_id, None)

    async def kv_get(self, key: str) -> tuple[dict, int] | None:
        held = self._values.get(key)
        return None if held is None else (json.loads(held[0]), held[1])

    async def kv_put(self, key: str, value: dict, expected_version: int) -> bool:
        held = self._values.get(key)
        if (held[1] if held else 0) != expected_version:
            return False
        self._values[key] = (json.dumps(value), expected_version + 1)
        return True

    async def claim(self, key: str, seconds: float) -> bool:
        now = time.time()
        if self._claims.get(key, 0) > now:
            return False
        if len(self._claims) > 10_000:  # forget the expired now and then
            self._claims = {k: until for k, until in self._claims.items() if until > now}
        self._claims[key] = now + seconds
        return True


def _updates(kept: list[tuple[str, str, float, str]]) -> list[Update]:
    return [
        Update(client_id, json.loads(changes), timestamp, participant)
        for client_id, changes, timestamp, participant in kept
    ]

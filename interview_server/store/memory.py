"""In-memory store: fast and ephemeral (everything is lost when the process exits)."""

from __future__ import annotations

from dataclasses import replace

from ..protocol import Update
from .base import SessionRecord, SessionStore


class MemoryStore(SessionStore):
    """Sessions and their update logs in dictionaries."""

    def __init__(self) -> None:
        self._records: dict[str, SessionRecord] = {}
        self._updates: dict[str, list[Update]] = {}

    async def create(self, record: SessionRecord) -> None:
        self._records[record.session_id] = record
        self._updates[record.session_id] = []

    async def get(self, session_id: str) -> SessionRecord | None:
        return self._records.get(session_id)

    async def append(self, session_id: str, expected_version: int, updates: list[Update], text: str) -> bool:
        record = self._records.get(session_id)
        if record is None or record.version != expected_version:
            return False
        self._updates[session_id].extend(updates)
        self._records[session_id] = replace(record, text=text, version=expected_version + len(updates))
        return True

    async def updates_since(self, session_id: str, version: int) -> list[Update] | None:
        log = self._updates.get(session_id)
        if log is None or version > len(log):
            return None
        return log[version:]

    async def delete(self, session_id: str) -> None:
        self._records.pop(session_id, None)
        self._updates.pop(session_id, None)

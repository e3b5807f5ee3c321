"""The storage interface every back-end implements; the rest of the server only sees this."""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from datetime import datetime

from ..protocol import Update


@dataclass(frozen=True)
class SessionRecord:
    """A session's metadata and its text at `version` (the number of updates accepted)."""

    session_id: str
    language: str
    created_at: datetime
    text: str
    version: int


class SessionStore(ABC):
    """Where sessions and their ordered update logs live."""

    @abstractmethod
    async def create(self, record: SessionRecord) -> None:
        """Store a new session (version 0)."""

    @abstractmethod
    async def get(self, session_id: str) -> SessionRecord | None:
        """The session's latest text and version, or None if there is no such session."""

    @abstractmethod
    async def append(self, session_id: str, expected_version: int, updates: list[Update], text: str) -> bool:
        """Append updates at expected_version and store the resulting text; False if the version moved."""

    @abstractmethod
    async def updates_since(self, session_id: str, version: int) -> list[Update] | None:
        """Updates after version, or None if they are no longer kept (the caller resyncs)."""

    @abstractmethod
    async def delete(self, session_id: str) -> None:
        """Forget a session and its history."""

    async def close(self) -> None:
        """Release connections and files."""

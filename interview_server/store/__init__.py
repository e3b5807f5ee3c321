"""Session storage back-ends behind one interface (see base.SessionStore)."""

from __future__ import annotations

from pathlib import Path

from .base import SessionExists, SessionRecord, SessionStore
from .memory import MemoryStore
from .sqlite import SqliteStore

__all__ = ["MemoryStore", "SessionExists", "SessionRecord", "SessionStore", "SqliteStore", "make_store"]


def make_store(kind: str, data_dir: str = "data", redis_url: str = "", database_url: str = "") -> SessionStore:
    """The back-end a configuration names (not yet opened)."""
    if kind == "memory":
        return MemoryStore()
    if kind == "sqlite":
        return SqliteStore(Path(data_dir) / "sessions.db")
    if kind == "redis":
        from .redis import RedisStore  # imported only when used: it loads the Redis client

        return RedisStore(redis_url)
    if kind == "postgres":
        from .postgres import PostgresStore  # imported only when used: it loads asyncpg

        return PostgresStore(database_url)
    raise ValueError(f"unknown store {kind!r}")

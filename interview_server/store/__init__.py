"""Session storage back-ends behind one interface (see base.SessionStore)."""

from .base import SessionRecord, SessionStore
from .memory import MemoryStore

__all__ = ["MemoryStore", "SessionRecord", "SessionStore"]

"""The SQLite store commits appends that arrive together in one transaction (group commit); an append that
SQLite cannot take fails alone, and the others in its batch are still committed."""

from __future__ import annotations

import asyncio

import pytest

from interview_server.protocol import Update
from interview_server.store.sqlite import SqliteStore

from .test_store_contract import record


@pytest.fixture
async def sqlite_store(tmp_path):
    store = SqliteStore(tmp_path / "sessions.sqlite3")
    await store.open()
    yield store
    await store.close()


async def test_one_bad_append_fails_alone_in_its_batch(sqlite_store):
    for session_id in ("s1", "s2", "s3"):
        await sqlite_store.create(record(session_id, text=""))
    good = [Update("c", [[0, "x"]], 2000.0, "p")]
    bad = [Update("half \ud800 an emoji", [[0, "y"]], 2000.0, "p")]  # a lone surrogate: not UTF-8
    results = await asyncio.gather(
        sqlite_store.append("s1", 0, good, lambda: "x"),
        sqlite_store.append("s2", 0, bad, lambda: "y"),
        sqlite_store.append("s3", 0, good, lambda: "x"),
        sqlite_store.append("s1", 0, good, lambda: "x"),  # stale: s1 is at 1 now
        return_exceptions=True,
    )
    assert results[0] is True and results[2] is True and results[3] is False
    assert isinstance(results[1], UnicodeEncodeError)
    assert [(await sqlite_store.get(s)).version for s in ("s1", "s2", "s3")] == [1, 0, 1]
    assert (await sqlite_store.get("s3")).text == "x"
    assert await sqlite_store.updates_since("s2", 0) == []

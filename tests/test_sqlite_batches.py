"""The SQLite store commits appends that arrive together in one transaction and makes them durable with one
sync (group commit); an append that SQLite cannot take fails alone, and the others in its batch are still
committed. Deleting and compacting go in chunks; the WAL is checkpointed and stays bounded."""

from __future__ import annotations

import asyncio
import sqlite3

import pytest

from interview_server.protocol import Update
from interview_server.store import sqlite
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


async def test_writes_arriving_together_share_one_commit_and_one_sync_and_return_only_after_it(sqlite_store):
    sessions = [f"s{i}" for i in range(50)]
    for session_id in sessions:
        await sqlite_store.create(record(session_id, text=""))
    commits, syncs = sqlite_store.commits, sqlite_store.syncs
    synced_when_returned = []

    async def append(session_id):
        assert await sqlite_store.append(session_id, 0, [Update("c", [[0, "x"]], 2000.0, "p")], lambda: "x")
        synced_when_returned.append(sqlite_store.syncs)

    await asyncio.gather(*(append(session_id) for session_id in sessions))
    assert sqlite_store.commits - commits == 1 and sqlite_store.syncs - syncs == 1
    assert synced_when_returned == [syncs + 1] * 50  # none answered before its sync was done


async def test_a_busy_store_spaces_its_syncs_and_a_lone_writer_never_waits(sqlite_store, monkeypatch):
    monkeypatch.setattr(sqlite, "SYNC_INTERVAL_SECONDS", 0.2)
    await sqlite_store.create(record("lone", text=""))
    loop = asyncio.get_running_loop()
    started = loop.time()
    for version in range(5):  # one write at a time: each sync is its own, so none waits for the interval
        await sqlite_store.append("lone", version, [Update("c", [version, [0, "x"]], 2000.0, "p")], lambda: "x")
    assert loop.time() - started < 0.2
    await sqlite_store.create(record("a", text=""))
    await sqlite_store.create(record("b", text=""))
    one = [Update("c", [[0, "x"]], 2000.0, "p")]
    await asyncio.gather(sqlite_store.append("a", 0, one, lambda: "x"), sqlite_store.append("b", 0, one, lambda: "x"))
    started = loop.time()  # the last sync was shared: the next one starts 0.2 s after it
    await sqlite_store.append("a", 1, [Update("c", [1, [0, "x"]], 2000.0, "p")], lambda: "xx")
    assert loop.time() - started > 0.1


async def test_a_session_deletion_cut_short_by_a_crash_finishes_at_the_next_start(tmp_path, monkeypatch):
    monkeypatch.setattr(sqlite, "DELETE_CHUNK", 7)  # several chunks
    path = tmp_path / "sessions.sqlite3"
    store = SqliteStore(path)
    await store.open()
    for session_id in ("gone", "kept"):
        await store.create(record(session_id, text=""))
        for version in range(30):
            await store.append(session_id, version, [Update("c", [version, [0, "x"]], 2000.0, "p")], lambda: "x")
    await store.close()
    # What delete() commits first, and a crash before the chunks of logged updates went.
    with sqlite3.connect(path) as db:
        db.execute("DELETE FROM sessions WHERE id = 'gone'")
        db.execute("INSERT INTO pending_deletes (session_id) VALUES ('gone')")
    store = SqliteStore(path)
    await store.open()
    try:
        with sqlite3.connect(path) as db:
            left = db.execute("SELECT session_id, count(*) FROM updates GROUP BY session_id").fetchall()
            assert left == [("kept", 30)] and db.execute("SELECT * FROM pending_deletes").fetchall() == []
        assert await store.get("gone") is None and (await store.get("kept")).version == 30
        await store.delete("kept")  # in chunks, as a whole
        assert await store.get("kept") is None and await store.updates_since("kept", 0) is None
    finally:
        await store.close()
    with sqlite3.connect(path) as db:
        assert db.execute("SELECT count(*) FROM updates").fetchone() == (0,)


async def test_compaction_in_chunks_keeps_the_log_from_the_cut(sqlite_store, monkeypatch):
    monkeypatch.setattr(sqlite, "DELETE_CHUNK", 9)
    await sqlite_store.create(record("s1", text=""))
    for version in range(250):  # snapshots at 100 and 200
        await sqlite_store.append("s1", version, [Update("c", [version, [0, "x"]], 2000.0, "p")], lambda: "x" * 250)
    await sqlite_store.compact("s1", 150)
    assert await sqlite_store.updates_since("s1", 149) is None
    assert len(await sqlite_store.updates_since("s1", 150)) == 100
    with sqlite3.connect(sqlite_store.path) as db:
        assert db.execute("SELECT min(version), count(*) FROM updates").fetchone() == (150, 100)


async def test_the_wal_is_checkpointed_and_stays_bounded_and_nothing_is_lost(tmp_path, monkeypatch):
    monkeypatch.setattr(sqlite, "CHECKPOINT_WAL_BYTES", 64 * 1024)
    monkeypatch.setattr(sqlite, "WAL_KEPT_BYTES", 16 * 1024)
    path = tmp_path / "sessions.sqlite3"
    store = SqliteStore(path)
    await store.open()
    await store.create(record("s1", text=""))
    biggest = 0
    for version in range(600):
        text = "x" * 50 * (version + 1)
        await store.append("s1", version, [Update("c", [50 * version, [0, "x" * 50]], 2000.0, "p")], lambda t=text: t)
        biggest = max(biggest, (tmp_path / "sessions.sqlite3-wal").stat().st_size)
    await asyncio.sleep(0.2)  # the last checkpoint, on its own thread
    assert store.checkpoints > 3, store.checkpoints
    assert biggest < 1024 * 1024, biggest  # 600 appends write far more than that without checkpoints
    await store.close()
    reopened = SqliteStore(path)
    await reopened.open()
    try:
        got = await reopened.get("s1")
        assert got.version == 600 and len(got.text) == 600 * 50
    finally:
        await reopened.close()

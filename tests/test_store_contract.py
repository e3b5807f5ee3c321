"""One contract every storage back-end passes: memory, sqlite and redis (a real redis-server)."""

from __future__ import annotations

import asyncio
from datetime import datetime, UTC

import pytest

from interview_server.changes import utf16_length
from interview_server.protocol import Update
from interview_server.store import SessionExists, SessionRecord
from interview_server.store.base import SNAPSHOT_INTERVAL, replay


def record(session_id="s1", text="hello", last_active=1000.0) -> SessionRecord:
    return SessionRecord(session_id, "python", datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC), text, 0, last_active)


def typing(text: str, count: int, start_time: float = 2000.0) -> list[tuple[list[Update], str]]:
    """`count` single-update appends each adding one character at the end; with the text after each."""
    steps = []
    for i in range(count):
        update = Update(f"c{i % 3}", [utf16_length(text), [0, "x"]], start_time + i, f"p{i % 2}")
        text = text + "x"
        steps.append(([update], text))
    return steps


async def append_all(store, session_id, steps, start_version=0):
    for offset, (updates, text) in enumerate(steps):
        assert await store.append(session_id, start_version + offset, updates, lambda t=text: t)


async def test_create_then_get(store):
    await store.create(record())
    assert await store.get("s1") == record()
    assert await store.get("missing") is None


async def test_append_at_expected_version_only(store):
    await store.create(record())
    first = [Update("a", [5, [0, "!"]], 2000.0, "p1")]
    assert await store.append("s1", 0, first, lambda: "hello!")
    assert not await store.append("s1", 0, [Update("b", [5, [0, "?"]], 2001.0, "p2")], lambda: "hello?")
    assert not await store.append("s1", 5, first, lambda: "x")
    assert not await store.append("missing", 0, first, lambda: "x")
    got = await store.get("s1")
    assert (got.text, got.version, got.last_active) == ("hello!", 1, 2000.0)


async def test_updates_keep_client_time_and_participant(store):
    await store.create(record())
    steps = typing("hello", 5)
    await append_all(store, "s1", steps)
    since = await store.updates_since("s1", 2)
    assert since == [u for updates, _ in steps[2:] for u in updates]
    assert since[0] == Update("c2", [7, [0, "x"]], 2002.0, "p0")
    assert await store.updates_since("s1", 5) == []
    assert await store.updates_since("s1", 6) is None
    assert await store.updates_since("missing", 0) is None
    # A page of them: the first `limit` after the version (read in pieces: a long log never in one go).
    assert await store.updates_since("s1", 2, limit=2) == since[:2]
    assert await store.updates_since("s1", 4, limit=10) == since[-1:]
    assert await store.updates_since("s1", 1, limit=0) == []
    assert await store.updates_since("s1", 6, limit=2) is None


async def test_long_sessions_load_from_a_snapshot(store):
    await store.create(record(text=""))
    count = SNAPSHOT_INTERVAL * 2 + 7
    await append_all(store, "s1", typing("", count))
    got = await store.get("s1")
    assert (got.text, got.version) == ("x" * count, count)
    assert len(await store.updates_since("s1", 0)) == count  # history is kept


async def test_compact_drops_old_history_and_pulls_from_before_it_resync(store):
    await store.create(record(text=""))
    count = SNAPSHOT_INTERVAL + 10
    await append_all(store, "s1", typing("", count))
    await store.compact("s1", SNAPSHOT_INTERVAL + 5)  # never past the snapshot
    assert await store.updates_since("s1", SNAPSHOT_INTERVAL - 1) is None
    assert len(await store.updates_since("s1", SNAPSHOT_INTERVAL)) == 10
    got = await store.get("s1")
    assert (got.text, got.version) == ("x" * count, count)
    # Appends go on after compaction.
    assert await store.append("s1", count, [Update("z", [count, [0, "y"]], 9999.0, "p")], lambda: "x" * count + "y")
    assert (await store.get("s1")).text == "x" * count + "y"


async def test_expiry_uses_last_activity(store):
    await store.create(record("old", last_active=100.0))
    await store.create(record("busy", last_active=100.0))
    await store.create(record("joined", last_active=100.0))
    await append_all(store, "busy", typing("hello", 1, start_time=500.0))
    await store.touch("joined", 600.0)
    await store.touch("joined", 300.0)  # never moves backwards
    assert sorted(await store.expired(idle_since=400.0)) == ["old"]
    assert sorted(await store.expired(idle_since=700.0)) == ["busy", "joined", "old"]


async def test_delete_removes_session_and_history(store):
    await store.create(record())
    await append_all(store, "s1", typing("hello", 3))
    await store.delete("s1")
    assert await store.get("s1") is None
    assert await store.updates_since("s1", 0) is None
    assert not await store.append("s1", 3, typing("hello", 1)[0][0], lambda: "x")
    await store.create(record())  # the id can be used again from scratch
    assert (await store.get("s1")).version == 0


async def test_create_refuses_an_id_already_there_and_leaves_it_whole(store):
    await store.create(record())
    await append_all(store, "s1", typing("hello", 3))
    with pytest.raises(SessionExists):
        await store.create(record(text="overwritten?"))
    kept = await store.get("s1")
    assert kept.version == 3 and len(await store.updates_since("s1", 0)) == 3


async def test_two_creates_of_one_id_at_once_make_exactly_one(store):
    outcomes = await asyncio.gather(
        *(store.create(record(text=f"attempt {n}")) for n in range(5)), return_exceptions=True
    )
    assert sum(outcome is None for outcome in outcomes) == 1
    assert all(isinstance(outcome, SessionExists) for outcome in outcomes if outcome is not None)


async def test_concurrent_appends_at_one_version_accept_exactly_one(store):
    await store.create(record())
    attempts = [
        store.append("s1", 0, [Update(f"c{i}", [5, [0, str(i)]], 2000.0, "p")], lambda i=i: f"hello{i}")
        for i in range(20)
    ]
    results = await asyncio.gather(*attempts)
    assert sum(results) == 1
    winner = results.index(True)
    assert (await store.get("s1")).text == f"hello{winner}"


async def test_many_sessions_append_concurrently(store):
    ids = [f"s{i}" for i in range(30)]
    for session_id in ids:
        await store.create(record(session_id, text=""))
    await asyncio.gather(*(append_all(store, sid, typing("", 25)) for sid in ids))
    for session_id in ids:
        got = await store.get(session_id)
        assert (got.text, got.version) == ("x" * 25, 25)


async def test_text_survives_reopening(store_factory):
    store = await store_factory()
    await store.create(record(text="é😀\n"))
    await append_all(store, "s1", typing("é😀\n", SNAPSHOT_INTERVAL + 3))
    await store.close()
    reopened = await store_factory(reuse=True)
    if reopened is None:
        pytest.skip("the memory store is not durable")
    got = await reopened.get("s1")
    assert got.version == SNAPSHOT_INTERVAL + 3
    assert got.text == replay("é😀\n", [u for updates, _ in typing("é😀\n", SNAPSHOT_INTERVAL + 3) for u in updates])


async def test_language_runs_and_chat_are_kept_with_the_session(store_factory):
    from interview_server.store.base import EVENT_LIMITS

    store = await store_factory()
    await store.create(record())
    await store.set_language("s1", "javascript")
    run = {"id": "r-1", "status": None, "output": []}
    await store.save_event("s1", "run", "r-1", 10.0, run)
    await store.save_event("s1", "chat", "c-1", 11.0, {"id": "c-1", "text": "hi 😀 \ud83d"})
    await store.save_event("s1", "run", "r-2", 12.0, {"id": "r-2"})
    await store.save_event("s1", "run", "r-1", 13.0, {**run, "status": "ok"})  # replaced, keeps its place
    await store.save_event("nobody", "chat", "c-9", 1.0, {"id": "c-9"})  # no such session: nothing kept
    reopened = await store_factory(reuse=True) or store
    assert (await reopened.get("s1")).language == "javascript"
    assert await reopened.recent_events("s1", "run", 10) == [{**run, "status": "ok"}, {"id": "r-2"}]
    assert await reopened.recent_events("s1", "run", 1) == [{"id": "r-2"}]
    assert await reopened.recent_events("s1", "chat", 10) == [{"id": "c-1", "text": "hi 😀 \ud83d"}]
    assert await reopened.recent_events("nobody", "chat", 10) == []
    for i in range(EVENT_LIMITS["chat"] + 5):
        await reopened.save_event("s1", "chat", f"m-{i}", 20.0 + i, {"id": f"m-{i}"})
    kept = await reopened.recent_events("s1", "chat", 10_000)
    assert len(kept) == EVENT_LIMITS["chat"] and kept[-1] == {"id": f"m-{EVENT_LIMITS['chat'] + 4}"}
    await reopened.delete("s1")
    assert await reopened.recent_events("s1", "chat", 10) == []
    await reopened.create(record())
    assert await reopened.recent_events("s1", "run", 10) == []


async def test_meta_values_are_kept_set_one_by_one_and_deleted_with_the_session(store_factory):
    store = await store_factory()
    await store.create(
        SessionRecord(
            "s1", "python", datetime(2026, 1, 2, tzinfo=UTC), "x", 0, 1000.0, {"title": "Two Sum", "locked": False}
        )
    )
    await store.set_meta("s1", "locked", True)
    await store.set_meta("s1", "notes", {"text": "strong start 🎉\n- asks questions \ud83d", "version": 3})
    await store.set_meta("missing", "title", "nobody")  # no such session: nothing happens
    reopened = await store_factory(reuse=True) or store  # durable stores keep meta across a restart
    assert (await reopened.get("s1")).meta == {
        "title": "Two Sum",
        "locked": True,
        "notes": {"text": "strong start 🎉\n- asks questions \ud83d", "version": 3},
    }
    assert await reopened.get("missing") is None
    await reopened.delete("s1")
    await reopened.create(record())
    assert (await reopened.get("s1")).meta == {}


async def test_versioned_meta_is_compare_and_set(store):
    await store.create(record())
    notes = lambda version, text: {"text": text, "version": version, "by": "p1"}  # noqa: E731
    assert await store.replace_versioned_meta("s1", "notes", notes(1, "first"), 0)  # none stored counts as 0
    assert not await store.replace_versioned_meta("s1", "notes", notes(1, "lost race"), 0)
    assert await store.replace_versioned_meta("s1", "notes", notes(2, "second"), 1)
    assert not await store.replace_versioned_meta("s1", "notes", notes(9, "stale"), 1)
    assert not await store.replace_versioned_meta("missing", "notes", notes(1, "x"), 0)
    assert (await store.get("s1")).meta == {"notes": notes(2, "second")}
    results = await asyncio.gather(
        *(store.replace_versioned_meta("s1", "notes", notes(3, f"racer {i}"), 2) for i in range(5))
    )
    assert sorted(results) == [False] * 4 + [True]  # exactly one of racing saves on one version wins


async def test_kv_values_are_compare_and_set(store):
    assert await store.kv_get("lti:link:1") is None
    assert not await store.kv_put("lti:link:1", {"mode": "shared"}, 1)  # nothing there at version 1
    assert await store.kv_put("lti:link:1", {"mode": "shared", "name": "é 😀"}, 0)
    assert await store.kv_get("lti:link:1") == ({"mode": "shared", "name": "é 😀"}, 1)
    assert not await store.kv_put("lti:link:1", {"mode": "per_learner"}, 0)  # taken: version 0 is gone
    outcomes = await asyncio.gather(*(store.kv_put("lti:link:1", {"by": n}, 1) for n in range(5)))
    assert sum(outcomes) == 1  # one writer wins at a version, the others must read again
    value, version = await store.kv_get("lti:link:1")
    assert version == 2 and value == {"by": outcomes.index(True)}


async def test_a_claim_is_taken_once_until_it_expires(store):
    outcomes = await asyncio.gather(*(store.claim("nonce:abc", 60) for _ in range(5)))
    assert sum(outcomes) == 1
    assert not await store.claim("nonce:abc", 60)
    assert await store.claim("nonce:other", 60)
    assert await store.claim("nonce:short", 0.05)
    await asyncio.sleep(0.1)
    assert await store.claim("nonce:short", 60)  # it expired: it can be taken again


async def test_people_are_the_other_instances_participants_never_ones_own(store_factory):
    """set_people answers everyone's list; people() the other instances' only (the audience adds its own: counting
    them twice would fill a session at half its places)."""
    from interview_server.store.base import SessionStore

    one = await store_factory()
    await one.create(record())
    ada = [{"id": "a1", "name": "Ada", "color": "#111111", "since": 1.0}]
    assert await one.set_people("s1", ada) == ada
    assert await one.people("s1") == []
    other = await store_factory(reuse=True)
    if other is None or type(one).people is SessionStore.people:
        return  # one instance only (memory, SQLite): no others
    bo = [{"id": "b2", "name": "Bo", "color": "#222222", "since": 2.0}]
    assert sorted(p["id"] for p in await other.set_people("s1", bo)) == ["a1", "b2"]
    assert await other.people("s1") == ada
    assert await one.people("s1") == bo

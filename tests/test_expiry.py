"""Idle sessions expire after SESSION_TTL with their history; time is injected, never slept."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from interview_server.app import create_app
from interview_server.board import board_id
from interview_server.config import Config
from interview_server.keys import SESSIONS, STORE
from interview_server.store import SessionRecord

TTL = 7 * 24 * 3600.0


class Clock:
    """A clock the test moves by hand."""

    def __init__(self, now: float = 1_800_000_000.0):
        self.now = now

    def __call__(self) -> float:
        return self.now


@pytest.fixture(params=["sqlite", "postgres"])
def durable_app(request, tmp_path):
    """Makes apps on one durable store (the same data each time: a restart), with a clock the test moves."""
    urls = {}
    if request.param == "postgres":
        postgres_server = request.getfixturevalue("postgres_server")
        postgres_server.reset()
        urls = {"database_url": postgres_server.url}

    def make(clock):
        return create_app(Config(store=request.param, data_dir=str(tmp_path), session_ttl=TTL, **urls), clock=clock)

    return make


async def test_idle_session_is_deleted_after_the_ttl_and_not_before(aiohttp_client, durable_app):
    clock = Clock()
    client = await aiohttp_client(durable_app(clock))
    session_id = (await (await client.post("/api/sessions")).json())["session_id"]
    sessions = client.app[SESSIONS]
    clock.now += TTL - 1
    assert await sessions.sweep() == []
    assert (await client.get(f"/api/sessions/{session_id}")).status == 200
    clock.now += 2
    assert await sessions.sweep() == [session_id]
    assert (await client.get(f"/api/sessions/{session_id}")).status == 404
    assert await client.app[STORE].updates_since(session_id, 0) is None


async def test_edits_and_joins_postpone_expiry(aiohttp_client, durable_app):
    clock = Clock()
    client = await aiohttp_client(durable_app(clock))
    session_id = (await (await client.post("/api/sessions")).json())["session_id"]
    clock.now += TTL - 10
    ws = await client.ws_connect(f"/ws/{session_id}")
    state = (await ws.receive_json())["data"]
    await ws.send_json({"type": "code_update", "data": {"code": state["code"] + "# edited\n"}})
    await ws.receive_json()
    await ws.close()
    clock.now += TTL - 10
    assert await client.app[SESSIONS].sweep() == []
    clock.now += 20
    assert await client.app[SESSIONS].sweep() == [session_id]


async def test_a_session_in_use_is_never_deleted(aiohttp_client, durable_app):
    clock = Clock()
    client = await aiohttp_client(durable_app(clock))
    session_id = (await (await client.post("/api/sessions")).json())["session_id"]
    ws = await client.ws_connect(f"/ws/{session_id}")
    await ws.receive_json()
    clock.now += TTL * 3  # someone left a tab open for weeks
    assert await client.app[SESSIONS].sweep() == []
    assert (await client.get(f"/api/sessions/{session_id}")).status == 200


async def test_a_restart_does_not_reset_idleness(aiohttp_client, durable_app):
    clock = Clock()
    first = await aiohttp_client(durable_app(clock))
    session_id = (await (await first.post("/api/sessions")).json())["session_id"]
    await first.close()
    clock.now += TTL + 1
    restarted = await aiohttp_client(durable_app(clock))  # same data, later start
    assert (await restarted.get(f"/api/sessions/{session_id}")).status == 200  # looking does not count as use
    assert await restarted.app[SESSIONS].sweep() == [session_id]


async def test_a_session_expires_with_its_whiteboard_and_a_board_left_alone_goes_too(aiohttp_client, durable_app):
    clock = Clock()
    client = await aiohttp_client(durable_app(clock))
    store = client.app[STORE]
    session_id = (await (await client.post("/api/sessions")).json())["session_id"]
    ws = await client.ws_connect(f"/ws/{session_id}")
    await ws.send_json({"type": "hello", "data": {"name": "Ada"}})
    rect = {"id": "r1", "type": "rect", "color": "#000000", "width": 2, "points": [0, 0, 9, 9]}
    await ws.send_json({"type": "board_draw", "data": {"op": "o1", "element": rect}})
    while (await ws.receive_json())["type"] != "board_done":
        pass
    await ws.close()
    assert (await store.get(board_id(session_id))).version == 1
    clock.now += TTL / 2
    assert await client.app[SESSIONS].sweep() == []  # the board (drawn at the start) is kept with its session
    assert (await store.get(board_id(session_id))) is not None
    clock.now += TTL
    assert await client.app[SESSIONS].sweep() == [session_id]
    assert await store.get(session_id) is None and await store.get(board_id(session_id)) is None
    # A board whose session is gone (a crash between the two deletes) is deleted on its own sweep.
    orphan = board_id("00000000-0000-4000-8000-000000000000")
    await store.create(SessionRecord(orphan, "board", datetime.now(UTC), "", 0, last_active=clock.now))
    clock.now += TTL + 1
    assert await client.app[SESSIONS].sweep() == [] and await store.get(orphan) is None

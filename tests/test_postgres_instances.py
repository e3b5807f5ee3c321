"""Several instances on PostgreSQL alone: two real server processes share sessions through a real cluster
(LISTEN/NOTIFY as the hint, version catch-up as the truth); migrations under an advisory lock."""

from __future__ import annotations

import asyncio

import aiohttp
import pytest

from interview_server.keys import STORE
from interview_server.protocol import Update
from interview_server.store.postgres import LISTENER_NAME, PostgresStore
from interview_server.store.postgres_schema import MIGRATIONS

from .conftest import Peer
from .support.server_process import ServerProcess
from .test_redis_instances import create_session, next_presence, run_node, state_on, updates_seen, watch, ws_url

pytestmark = pytest.mark.system


@pytest.fixture
def instances(postgres_server, tmp_path):
    """Two server processes on two ports, both on the same (emptied) database and nothing else."""
    postgres_server.reset()
    servers = [
        ServerProcess("--database-url", postgres_server.url, log_path=tmp_path / f"server{i}.log") for i in range(2)
    ]
    for server in servers:
        server.start()
    yield servers
    for server in servers:
        server.kill()


async def test_clients_on_two_instances_type_at_once_and_converge(instances):
    a, b = instances
    session_id = await create_session(a)
    urls = f"{ws_url(a, session_id)},{ws_url(b, session_id)}"
    result = await run_node("tests/node/collab_clients.mjs", urls, "6", "40", "11")
    final_a, final_b = await state_on(a, session_id), await state_on(b, session_id)
    assert result["settled"]
    assert set(result["docs"]) == {final_a["code"]} == {final_b["code"]}
    assert final_a["version"] == final_b["version"] > 40
    assert result["rejected"] > 0  # the instances really raced for the same versions: one of each pair won


async def test_lost_notifications_are_healed_by_version_catch_up(instances, postgres_server):
    """The LISTEN connections are cut again and again while people type on both instances: what was notified
    meanwhile is lost for good, and the instances still converge (re-listen and catch up by version)."""
    a, b = instances
    session_id = await create_session(a, "\n".join(f"c{i}:" for i in range(4)))
    urls = f"{ws_url(a, session_id)},{ws_url(b, session_id)}"
    async with aiohttp.ClientSession() as http:
        watcher = await watch(a, session_id, http)
        typists = asyncio.ensure_future(run_node("tests/node/typists.mjs", urls, "4", "5", "30"))
        listeners = f"FROM pg_stat_activity WHERE application_name = '{LISTENER_NAME}'"
        for _ in range(3):
            await updates_seen(watcher, 40)  # edits went through since the last cut
            async with asyncio.timeout(15):  # both instances listen again (their next heartbeat)
                while int(await asyncio.to_thread(postgres_server.psql, f"SELECT count(*) {listeners}")) < 2:
                    await asyncio.sleep(0.2)
            cut = await asyncio.to_thread(postgres_server.psql, f"SELECT count(pg_terminate_backend(pid)) {listeners}")
            assert int(cut) == 2
        await watcher.close()
    result = await typists
    final = await state_on(b, session_id)
    expected = "\n".join(result["lines"])
    assert result["settled"] and result["acked"] == result["typed"]
    assert final["code"] == expected == (await state_on(a, session_id))["code"]
    assert set(result["docs"]) == {expected}


async def test_active_users_and_participants_count_every_instance_and_a_dead_one_stops(instances):
    a, b = instances
    session_id = await create_session(a)
    async with aiohttp.ClientSession() as http:
        on_a = await http.ws_connect(ws_url(a, session_id))
        await on_a.receive_json()
        await on_a.send_json({"type": "hello", "data": {"name": "Ada"}})
        on_b = await http.ws_connect(ws_url(b, session_id))
        assert (await on_b.receive_json())["data"]["active_users"] == 2
        await on_b.send_json({"type": "hello", "data": {"name": "Bo"}})
        assert await next_presence(on_a) == {"type": "user_joined", "data": {"user_count": 2}}
        while True:  # Bo's hello on B reaches Ada on A
            message = await on_a.receive_json(timeout=10)
            if message["type"] == "participants" and len(message["data"]["participants"]) == 2:
                break
        info = await (await http.get(f"{a.url}/api/sessions/{session_id}")).json()
        assert info["active_users"] == 2
        b.kill()  # no goodbye: A learns from B's heartbeat row going stale
        assert await asyncio.wait_for(next_presence(on_a), 30) == {"type": "user_left", "data": {"user_count": 1}}
        await on_a.close()


async def test_chat_runs_and_a_frame_too_big_for_a_notify_cross_instances(instances):
    a, b = instances
    session_id = await create_session(a)
    async with aiohttp.ClientSession() as http:
        ada, bo = await http.ws_connect(ws_url(a, session_id)), await http.ws_connect(ws_url(b, session_id))

        async def receive(ws, type_):
            while True:
                message = await ws.receive_json(timeout=10)
                if message["type"] == type_:
                    return message["data"]

        for ws, name in ((ada, "Ada"), (bo, "Bo")):
            await ws.receive_json()
            await ws.send_json({"type": "hello", "data": {"name": name}})
            await receive(ws, "welcome")
        await ada.send_json({"type": "chat", "data": {"text": "from instance A é😀"}})
        assert (await receive(bo, "chat"))["message"]["text"] == "from instance A é😀"
        await ada.send_json({"type": "run_start", "data": {"version": 0, "language": "python"}})
        await receive(bo, "run_started")
        big = "é" * 6000  # 12,000 bytes: over NOTIFY's 8,000, so it goes through the relay table
        texts = ["one\n", big, "three\n"]
        for text in texts:
            await ada.send_json({"type": "run_output", "data": {"stream": "stdout", "text": text}})
        assert [(await receive(bo, "run_output"))["text"] for _ in texts] == texts  # in order
        for ws in (ada, bo):
            await ws.close()


@pytest.mark.parametrize("client", ["postgres"], indirect=True)
async def test_a_notify_dropped_on_purpose_is_healed_by_the_poll(client, monkeypatch):
    """This instance drops every change notification; another instance's append still reaches the page
    here within a heartbeat (the poll asks for updates after the version it has)."""
    store = client.server.app[STORE]
    dispatch = store._dispatch

    async def deaf(name: str, payload: str) -> None:
        if not payload.startswith("u:"):
            await dispatch(name, payload)

    monkeypatch.setattr(store, "_dispatch", deaf)
    session_id = (await (await client.post("/api/sessions")).json())["session_id"]
    peer = Peer(await client.ws_connect(f"/ws/{session_id}"))
    length = len((await peer.receive_type("session_state"))["data"]["code"])
    other = PostgresStore(store.url)
    await other.open()
    try:
        assert await other.append(session_id, 0, [Update("b", [length, [0, "y"]], 0.0, "elsewhere")], lambda: "")
    finally:
        await other.close()
    update = await peer.receive_type("updates", timeout=10)
    assert update["data"]["updates"][0]["changes"] == [length, [0, "y"]]
    await peer.close()


async def test_instances_starting_together_migrate_once(postgres_server):
    postgres_server.reset()
    stores = [PostgresStore(postgres_server.url) for _ in range(4)]
    await asyncio.gather(*(store.open() for store in stores))  # all at once: they take turns on the lock
    try:
        rows = postgres_server.psql("SELECT version FROM schema_version ORDER BY version").split()
        assert rows == [str(version) for version, _, _ in MIGRATIONS]
    finally:
        await asyncio.gather(*(store.close() for store in stores))


async def test_a_database_from_a_newer_server_is_refused(postgres_server):
    from interview_server.store.postgres_schema import SchemaTooNew

    postgres_server.reset()
    store = PostgresStore(postgres_server.url)
    await store.open()
    await store.close()
    postgres_server.psql("INSERT INTO schema_version (version, description) VALUES (999, 'from the future')")
    with pytest.raises(SchemaTooNew):
        await PostgresStore(postgres_server.url).open()

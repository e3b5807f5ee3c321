"""WebSocket basics: session_state on connect, join/leave counts, unknown sessions, closing."""

from __future__ import annotations

import uuid

from aiohttp import WSMsgType

from interview_server.sessions import STARTER_CODE


async def test_connect_receives_session_state(session_id, connect):
    _, state = await connect(session_id)
    assert state == {
        "type": "session_state",
        "data": {"code": STARTER_CODE["python"], "language": "python", "active_users": 1, "version": 0},
    }


async def test_join_and_leave_are_announced_with_counts(session_id, connect):
    first, _ = await connect(session_id)
    second, state = await connect(session_id)
    assert state["data"]["active_users"] == 2
    assert await first.receive() == {"type": "user_joined", "data": {"user_count": 2}}
    third, _ = await connect(session_id)
    assert await first.receive() == {"type": "user_joined", "data": {"user_count": 3}}
    assert await second.receive() == {"type": "user_joined", "data": {"user_count": 3}}
    await third.close()
    assert await first.receive() == {"type": "user_left", "data": {"user_count": 2}}
    assert await second.receive() == {"type": "user_left", "data": {"user_count": 2}}


async def test_unknown_session_gets_error_and_close_4404(client):
    ws = await client.ws_connect(f"/ws/{uuid.uuid4()}")
    assert await ws.receive_json() == {"type": "error", "data": {"message": "session not found"}}
    closing = await ws.receive()
    assert closing.type == WSMsgType.CLOSE
    assert closing.data == 4404
    assert closing.extra == "session not found"


async def test_malformed_session_id_gets_error_and_close(client):
    ws = await client.ws_connect("/ws/nope")
    assert await ws.receive_json() == {"type": "error", "data": {"message": "malformed session id"}}
    closing = await ws.receive()
    assert (closing.type, closing.data) == (WSMsgType.CLOSE, 4404)


async def test_sessions_are_isolated(client, connect):
    ids = [(await (await client.post("/api/sessions")).json())["session_id"] for _ in range(2)]
    a, _ = await connect(ids[0])
    b, state_b = await connect(ids[1])
    await a.send("code_update", {"code": "only in A"})
    assert (await a.receive_type("updates"))["data"]["version"] == 0
    await b.send("pull", {"version": 0})
    assert await b.receive() == {"type": "updates", "data": {"version": 0, "updates": []}}
    info = await (await client.get(f"/api/sessions/{ids[1]}")).json()
    assert info["active_users"] == 1


async def test_shutdown_closes_sockets_with_going_away(aiohttp_server, aiohttp_client):
    from interview_server.app import create_app

    server = await aiohttp_server(create_app())
    client = await aiohttp_client(server)
    session_id = (await (await client.post("/api/sessions")).json())["session_id"]
    ws = await client.ws_connect(f"/ws/{session_id}")
    assert (await ws.receive_json())["type"] == "session_state"
    await server.close()
    closing = await ws.receive(timeout=5)
    assert (closing.type, closing.data, closing.extra) == (WSMsgType.CLOSE, 1001, "server restarting")


async def test_server_pings_idle_sockets(aiohttp_client):
    """Heartbeat pings keep PaaS routers (55 s idle cut-off) from dropping quiet sockets."""
    from interview_server.app import create_app
    from interview_server.config import Config

    client = await aiohttp_client(create_app(Config(heartbeat=0.2)))
    session_id = (await (await client.post("/api/sessions")).json())["session_id"]
    ws = await client.ws_connect(f"/ws/{session_id}", autoping=False)
    assert (await ws.receive_json())["type"] == "session_state"
    ping = await ws.receive(timeout=2)
    assert ping.type == WSMsgType.PING
    await ws.pong(ping.data)

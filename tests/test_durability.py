"""The SQLite default keeps sessions across restarts, and SIGTERM closes sockets with 'going away'."""

from __future__ import annotations

import asyncio

import aiohttp

from interview_server.app import create_app
from interview_server.config import Config

from .support.server_process import ServerProcess


async def test_sessions_survive_a_restart(aiohttp_client, tmp_path):
    config = Config(store="sqlite", data_dir=str(tmp_path))
    first = await aiohttp_client(create_app(config))
    session_id = (await (await first.post("/api/sessions")).json())["session_id"]
    ws = await first.ws_connect(f"/ws/{session_id}")
    state = (await ws.receive_json())["data"]
    for index in range(250):  # crosses snapshot boundaries
        await ws.send_json(
            {
                "type": "push",
                "data": {
                    "version": index,
                    "updates": [{"clientID": "a", "changes": [[0, f"{index % 10}"], len(state["code"]) + index]}],
                },
            }
        )
        assert (await ws.receive_json())["type"] == "updates"
    await first.close()
    second = await aiohttp_client(create_app(config))
    ws = await second.ws_connect(f"/ws/{session_id}")
    restored = (await ws.receive_json())["data"]
    expected = "".join(str(i % 10) for i in reversed(range(250))) + state["code"]
    assert (restored["code"], restored["version"]) == (expected, 250)
    await ws.send_json({"type": "pull", "data": {"version": 240}})
    assert len((await ws.receive_json())["data"]["updates"]) == 10


async def test_sigterm_says_going_away_flushes_and_exits(tmp_path):
    server = ServerProcess("--store", "sqlite", "--data-dir", str(tmp_path))
    await asyncio.to_thread(server.start)
    try:
        async with aiohttp.ClientSession() as http:
            session_id = (await (await http.post(server.url + "/api/sessions")).json())["session_id"]
            async with http.ws_connect(f"{server.url}/ws/{session_id}") as ws:
                await ws.receive_json()
                await ws.send_json({"type": "code_update", "data": {"code": "kept = True\n"}})
                assert (await ws.receive_json())["type"] == "updates"
                exit_code = await asyncio.to_thread(server.terminate)
                closing = await ws.receive(timeout=5)
        assert (closing.type, closing.data, closing.extra) == (aiohttp.WSMsgType.CLOSE, 1001, "server restarting")
        assert exit_code == 0
        await asyncio.to_thread(server.start)
        async with aiohttp.ClientSession() as http, http.ws_connect(f"{server.url}/ws/{session_id}") as ws:
            assert (await ws.receive_json())["data"]["code"] == "kept = True\n"
    finally:
        server.kill()

"""Durability: a real server under typing load is killed with SIGKILL again and again; nothing acknowledged is lost.

Real @codemirror/collab clients (tests/node/typists.mjs) type on their own lines, reconnect by
themselves after every kill and re-send what was not confirmed; at the end each line must hold
exactly the tokens its client typed, in order, and the server must hold the same text.
"""

from __future__ import annotations

import asyncio
import json
import random

import aiohttp
import pytest

from .support.server_process import ServerProcess
from .support.typists import start_typists

pytestmark = pytest.mark.system  # nothing acknowledged is lost however slow the machine: runs in parallel

KILLS = 20
CLIENTS = 4


async def set_code(url: str, session_id: str, code: str) -> None:
    async with aiohttp.ClientSession() as http, http.ws_connect(f"{url}/ws/{session_id}") as ws:
        await ws.receive_json()  # session_state
        await ws.send_json({"type": "code_update", "data": {"code": code}})
        while (await ws.receive_json())["type"] != "updates":
            pass


async def session_state(url: str, session_id: str) -> dict:
    async with aiohttp.ClientSession() as http, http.ws_connect(f"{url}/ws/{session_id}") as ws:
        return (await ws.receive_json())["data"]


@pytest.mark.parametrize("store", ["sqlite", "postgres"])
async def test_sigkill_under_typing_load_loses_no_acknowledged_edit(store, tmp_path, request):
    where = ["--data-dir", str(tmp_path)]
    if store == "postgres":  # acknowledged after COMMIT: a killed server leaves nothing answered uncommitted
        postgres_server = request.getfixturevalue("postgres_server")
        postgres_server.reset()
        where = ["--database-url", postgres_server.url]
    server = ServerProcess("--store", store, *where, log_path=tmp_path / "server.log")
    server.start()
    try:
        async with aiohttp.ClientSession() as http:
            session_id = (await (await http.post(server.url + "/api/sessions")).json())["session_id"]
        await set_code(server.url, session_id, "\n".join(f"c{i}:" for i in range(CLIENTS)))
        typing_seconds = KILLS * 0.75
        typists = await start_typists(f"ws://127.0.0.1:{server.port}/ws/{session_id}", CLIENTS, typing_seconds)
        rng = random.Random(2026)
        await asyncio.sleep(0.5)
        for _ in range(KILLS):
            await asyncio.sleep(rng.uniform(0.1, 0.5))
            server.kill()
            await asyncio.to_thread(server.start)
        # Kills are over: let the clients settle.
        stdout, stderr = await asyncio.wait_for(typists.communicate(b"settle\n"), typing_seconds + 60)
        assert typists.returncode == 0, stderr.decode()
        result = json.loads(stdout)
        final = await session_state(server.url, session_id)
    finally:
        server.kill()
    summary = {key: value for key, value in result.items() if key not in ("lines", "docs")}
    assert result["settled"], f"clients still had unconfirmed edits: {summary}"
    assert result["wentBack"] == 0, "the server came back with fewer updates than a client had seen acknowledged"
    assert result["typed"] > KILLS * CLIENTS * 5
    assert result["acked"] == result["typed"]
    expected = "\n".join(result["lines"])
    assert final["code"] == expected
    assert set(result["docs"]) == {expected}
    assert set(result["versions"]) == {final["version"]}

"""Real @codemirror/collab clients (Node) type at once against the server and all end with the server's text."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize("clients, edits, seed", [(3, 60, 1), (6, 40, 2), (10, 25, 3)])
async def test_codemirror_clients_converge_with_the_server(client, session_id, connect, clients, edits, seed):
    url = f"ws://{client.server.host}:{client.server.port}/ws/{session_id}"
    process = await asyncio.create_subprocess_exec(
        "node",
        "--experimental-websocket",
        "--no-warnings",
        "tests/node/collab_clients.mjs",
        url,
        str(clients),
        str(edits),
        str(seed),
        cwd=ROOT,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    stdout, stderr = await asyncio.wait_for(process.communicate(), 60)
    assert process.returncode == 0, stderr.decode()
    result = json.loads(stdout)
    _, state = await connect(session_id)
    assert result["settled"]
    assert set(result["docs"]) == {state["data"]["code"]}
    assert set(result["versions"]) == {state["data"]["version"]}
    assert state["data"]["version"] > edits  # real concurrent work was accepted
    assert result["rejected"] > 0  # and pushes really raced: some were stale and rebased

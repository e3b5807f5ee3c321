"""The way frames go out (hub.FrameWriter) and the event loop the server runs on (EVENT_LOOP).

Frames are encoded once per broadcast and written straight to each socket's transport once per
loop iteration; a reader that stops reading must be cut off (1013) before its backlog eats memory,
while everyone else keeps receiving every update in order.
"""

from __future__ import annotations

import asyncio
import base64
import json
import os
import socket
import subprocess
import sys

import aiohttp
import pytest

from interview_server import hub
from interview_server.app import create_app
from interview_server.config import Config

from .conftest import OPERATOR_HEADERS, OPERATOR_TOKEN
from .support.server_process import ROOT, ServerProcess


@pytest.mark.parametrize("size", [0, 5, 125, 126, 65535, 65536, 300_000])
def test_text_frame_header_lengths(size):
    text = "é" * (size // 2) + "x" * (size % 2)
    frame = hub.text_frame(text)
    payload = text.encode()
    assert frame[0] == 0x81  # FIN + text opcode
    if len(payload) < 126:
        assert frame[1] == len(payload) and frame[2:] == payload
    elif len(payload) < 65536:
        assert frame[1] == 126 and int.from_bytes(frame[2:4], "big") == len(payload) and frame[4:] == payload
    else:
        assert frame[1] == 127 and int.from_bytes(frame[2:10], "big") == len(payload) and frame[10:] == payload


async def test_many_frames_in_one_iteration_arrive_whole_and_in_order(aiohttp_client, tmp_path):
    """Bursts coalesced into one write still reach a real client as separate, ordered messages."""
    client = await aiohttp_client(create_app(Config(store="memory", data_dir=str(tmp_path), message_rate=0)))
    session_id = (await (await client.post("/api/sessions")).json())["session_id"]
    sender = await client.ws_connect(f"/ws/{session_id}")
    reader = await client.ws_connect(f"/ws/{session_id}")
    state = json.loads(await sender.receive_str())
    json.loads(await reader.receive_str())
    length, version = len(state["data"]["code"]), state["data"]["version"]
    updates = []
    for index in range(200):
        updates.append({"clientID": "burst", "changes": [length, [0, f"{index},"]]})
        length += len(f"{index},")
    # 200 pushes sent back to back, each answered with a broadcast in the same few loop iterations.
    for index, update in enumerate(updates):
        await sender.send_str(json.dumps({"type": "push", "data": {"version": version + index, "updates": [update]}}))
    seen = []
    while len(seen) < 200:
        message = json.loads(await reader.receive_str(timeout=10))
        if message["type"] == "updates":
            assert message["data"]["version"] == version + len(seen)
            seen.extend(message["data"]["updates"])
    assert [update["changes"] for update in seen] == [update["changes"] for update in updates]


def _raw_socket_that_never_reads(port: int, session_id: str) -> socket.socket:
    """A WebSocket client with a tiny receive buffer that completes the handshake and then stops reading."""
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.connect(("127.0.0.1", port))
    key = base64.b64encode(os.urandom(16)).decode()
    sock.sendall(
        (
            f"GET /ws/{session_id} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUpgrade: websocket\r\n"
            f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n"
        ).encode()
    )
    answer = b""
    while b"\r\n\r\n" not in answer:
        answer += sock.recv(1)
    assert b" 101 " in answer.split(b"\r\n")[0]
    return sock


async def test_a_reader_that_stops_reading_is_cut_off_and_others_get_everything(aiohttp_server, tmp_path):
    server = await aiohttp_server(
        create_app(
            Config(store="memory", data_dir=str(tmp_path), message_rate=0, byte_rate=0, operator_token=OPERATOR_TOKEN)
        )
    )
    async with aiohttp.ClientSession() as http:
        base = f"http://127.0.0.1:{server.port}"
        session_id = (await (await http.post(f"{base}/api/sessions")).json())["session_id"]
        stalled = await asyncio.to_thread(_raw_socket_that_never_reads, server.port, session_id)
        try:
            writer = await http.ws_connect(f"{base}/ws/{session_id}")
            watcher = await http.ws_connect(f"{base}/ws/{session_id}")
            state = json.loads(await writer.receive_str())
            json.loads(await watcher.receive_str())
            length, version = len(state["data"]["code"]), state["data"]["version"]
            big = "x" * 200_000
            received = 0

            async def watch() -> None:
                nonlocal received
                while received < 2 * rounds:
                    message = json.loads(await watcher.receive_str(timeout=20))
                    if message["type"] == "updates":
                        received += len(message["data"]["updates"])

            rounds = 80  # 80 x 200 KB inserted (and deleted again): 16 MB for the stalled reader, past 8 MiB + kernel buffers
            watching = asyncio.create_task(watch())
            for _ in range(rounds):
                for changes in ([length, [0, big]], [length, [len(big)]]):
                    await writer.send_str(
                        json.dumps(
                            {
                                "type": "push",
                                "data": {"version": version, "updates": [{"clientID": "w", "changes": changes}]},
                            }
                        )
                    )
                    while True:
                        message = json.loads(await writer.receive_str(timeout=20))
                        if message["type"] == "updates":
                            break
                    version += 1
            await asyncio.wait_for(watching, 20)
            assert received == 2 * rounds  # the reading participant got every update
            for _ in range(100):
                health = await (await http.get(f"{base}/api/health", headers=OPERATOR_HEADERS)).json()
                if health["connections"] == 2:
                    break
                await asyncio.sleep(0.1)
            assert health["connections"] == 2  # the stalled one was dropped; the others stay
        finally:
            stalled.close()


def test_event_loop_setting(tmp_path):
    """uvloop by default where installed, asyncio on request; a wrong value is refused clearly."""
    pytest.importorskip("uvloop")
    for args, expected in (((), "uvloop"), (("--event-loop", "asyncio"), "asyncio")):
        server = ServerProcess("--store", "memory", *args, env={"OPERATOR_TOKEN": OPERATOR_TOKEN})
        server.start()
        try:
            import urllib.request

            with urllib.request.urlopen(
                urllib.request.Request(f"{server.url}/api/health", headers=OPERATOR_HEADERS)
            ) as response:
                assert json.load(response)["event_loop"] == expected
        finally:
            server.kill()
    result = subprocess.run(
        [sys.executable, "-m", "interview_server", "--event-loop", "tokio"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode != 0 and "EVENT_LOOP must be one of auto, uvloop, asyncio" in result.stderr

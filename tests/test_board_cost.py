"""The whiteboard's messages have a bounded cost (issue 22): on a board filled to its element limit with long
strokes, the heaviest operations the protocol allows (a 2,000-point stroke, moving 100 elements, erasing 500, a
pull from the start, a clear) are each answered within the same bound as the code's messages, and the event loop
never stalls (the server's own loop-lag figure)."""

from __future__ import annotations

import asyncio
import json
import time

import aiohttp
import pytest

from interview_server.board import MAX_BOARD_ELEMENTS
from interview_server.board_elements import MAX_PEN_POINTS
from interview_server.protocol import BOARD_OP_BURST, MAX_BOARD_ERASES, MAX_BOARD_MOVES

from .support.server_process import ServerProcess
from .test_message_cost import MAX_LOOP_LAG_MS, MAX_SECONDS_PER_MESSAGE

pytestmark = [pytest.mark.system, pytest.mark.serial]  # times each message: runs alone

OPERATOR_TOKEN = "board-cost-operator-token"
STROKE_POINTS = 30  # a filled board: 2,000 strokes of this many points (about 1 MB of text: the limit is near)


def stroke(element_id: str, points: int, shift: float = 0) -> dict:
    coordinates = [round(shift + (n * 7.3) % 997 - 498.6, 1) for n in range(2 * points)]
    return {"id": element_id, "type": "pen", "color": "#2563eb", "width": 2.5, "points": coordinates}


async def answered(ws, frame: dict) -> tuple[dict, float]:
    """Send a frame; its answer (board_done, board_state, or an error) and the seconds it took."""
    started = time.perf_counter()
    await ws.send_json(frame)
    while True:
        message = await ws.receive_json(timeout=30)
        if message["type"] in ("board_done", "board_state", "error") or (
            frame["type"] == "board_pull" and message["type"] == "board_updates" and message["data"]["version"] == 0
        ):
            return message, time.perf_counter() - started


async def test_the_heaviest_board_operations_on_a_full_board_stay_within_the_bound(tmp_path):
    server = ServerProcess(
        "--store",
        "sqlite",
        "--data-dir",
        str(tmp_path),
        log_path=tmp_path / "server.log",
        env={
            "MESSAGE_RATE": "0",
            "BYTE_RATE": "0",
            "SOCKETS_PER_IP": "0",
            "MAX_PARTICIPANTS": "0",
            "BOARD_RATE": "0",  # filled by many connections at once: the session's budget would pace it
            "OPERATOR_TOKEN": OPERATOR_TOKEN,
        },
    )
    server.start()
    try:
        async with aiohttp.ClientSession() as http:
            created = await (await http.post(server.url + "/api/sessions")).json()
            session_id = created["session_id"]
            url = f"ws://127.0.0.1:{server.port}/ws/{session_id}"

            async def fill(first: int, count: int) -> None:
                async with http.ws_connect(url, max_msg_size=0) as ws:
                    await ws.send_json({"type": "hello", "data": {"name": f"Filler {first}"}})
                    for number in range(first, first + count):
                        element = stroke(f"s{number}", STROKE_POINTS)
                        await ws.send_json({"type": "board_draw", "data": {"op": f"o{number}", "element": element}})
                    done = 0
                    while done < count:
                        message = await ws.receive_json(timeout=60)
                        assert message["type"] != "error", message
                        done += message["type"] == "board_done"

            # Each connection draws within its burst; a few at a time (the board's commits are one at a time anyway).
            batches = [
                (first, min(BOARD_OP_BURST, MAX_BOARD_ELEMENTS - first))
                for first in range(0, MAX_BOARD_ELEMENTS, BOARD_OP_BURST)
            ]
            for start in range(0, len(batches), 4):
                await asyncio.gather(*(fill(first, count) for first, count in batches[start : start + 4]))

            ws = await http.ws_connect(url, max_msg_size=0)
            await ws.send_json({"type": "hello", "data": {"name": "Heavy"}})
            key = created["host_url"].split("#host=")[1]
            host = await http.ws_connect(url, max_msg_size=0)
            await host.send_json({"type": "hello", "data": {"name": "Host", "host_key": key}})
            timings = {}
            full, timings["draw on a full board"] = await answered(
                ws, {"type": "board_draw", "data": {"op": "x0", "element": stroke("over", 2)}}
            )
            assert full["data"].get("code") == "board_full"
            moves = [{"id": f"s{n}", "points": stroke("", STROKE_POINTS, 3)["points"]} for n in range(MAX_BOARD_MOVES)]
            done, timings["move 100"] = await answered(
                ws, {"type": "board_move", "data": {"op": "x1", "elements": moves}}
            )
            assert done["type"] == "board_done", done
            ids = [f"s{n}" for n in range(MAX_BOARD_MOVES, MAX_BOARD_MOVES + MAX_BOARD_ERASES)]
            done, timings["erase 500"] = await answered(ws, {"type": "board_erase", "data": {"op": "x2", "ids": ids}})
            assert done["type"] == "board_done", done
            big = stroke("big", MAX_PEN_POINTS)
            done, timings["draw 2,000 points"] = await answered(
                ws, {"type": "board_draw", "data": {"op": "x3", "element": big}}
            )
            assert done["type"] == "board_done", done
            pulled, timings["pull from 0"] = await answered(ws, {"type": "board_pull", "data": {"version": 0}})
            assert pulled["type"] == "board_state"  # over 1,000 changes behind: the whole board, one frame
            assert len(pulled["data"]["text"].splitlines()) == MAX_BOARD_ELEMENTS - MAX_BOARD_ERASES + 1
            done, timings["clear"] = await answered(host, {"type": "board_clear", "data": {"op": "x4"}})
            assert done["type"] == "board_done", done
            print("board operation timings (s):", json.dumps({k: round(v, 4) for k, v in timings.items()}))
            assert max(timings.values()) < MAX_SECONDS_PER_MESSAGE, timings
            async with http.get(
                server.url + "/api/health", headers={"Authorization": f"Bearer {OPERATOR_TOKEN}"}
            ) as response:
                lag = (await response.json())["loop_lag_ms"]["max"] or 0.0
            assert lag < MAX_LOOP_LAG_MS, lag
            await ws.close()
            await host.close()
    finally:
        server.kill()

"""The whiteboard converges like the text (issue 22): drawers on two server processes sharing Redis or PostgreSQL
draw, move and erase at the same time, drop their connections and come back on either instance (sending again
what was not answered), while one instance is killed with SIGKILL and restarted. Every board ends identical, and
equal to what the store keeps; every answered drawing is on it unless someone erased it; nothing is doubled."""

from __future__ import annotations

import asyncio
import collections
import json
import random

import aiohttp
import pytest

from interview_server.changes import Text

from .support.server_process import ServerProcess

pytestmark = pytest.mark.system

DRAWERS = 4
STEPS = 45  # operations per drawer
COLORS = ["#2563eb", "#db2777", "#16a34a", "#111827"]


@pytest.fixture(params=["redis", "postgres"])
def two_instances(request, tmp_path):
    """Two server processes sharing one Redis or one PostgreSQL, with no cap on participants: the drawers come back
    many times, and a killed instance's participants count until its presence expires."""
    if request.param == "redis":
        backend, flag = request.getfixturevalue("redis_server"), "--redis-url"
        backend.flush()
    else:
        backend, flag = request.getfixturevalue("postgres_server"), "--database-url"
        backend.reset()
    servers = [
        ServerProcess(flag, backend.url, "--max-participants", "0", log_path=tmp_path / f"server{i}.log")
        for i in range(2)
    ]
    for server in servers:
        server.start()
    yield servers
    for server in servers:
        server.kill()


class Drawer:
    """A page's part in the board, over the protocol: a copy of the board kept from the server's frames, its own
    operations waiting for their answers (sent again after a reconnect), and what it learnt."""

    def __init__(self, name: str, rng: random.Random, servers: list[ServerProcess], session_id: str):
        self.name, self.rng, self.servers, self.session_id = name, rng, servers, session_id
        self.version, self.text = 0, Text.from_str("")
        self.unanswered: dict[str, dict] = {}  # op -> frame, in the order sent
        self.in_flight: collections.deque[str] = collections.deque()  # ops sent on this connection, unanswered
        self.drawn: set[str] = set()  # ids whose board_draw was answered with board_done
        self.erased: set[str] = set()  # ids named by any erase this drawer sent (answered or not)
        self.ws: aiohttp.ClientWebSocketResponse | None = None
        self.reader: asyncio.Task | None = None
        self.count = 0
        self.reconnects = 0
        self.lock = asyncio.Lock()  # one reconnect at a time

    # ---- the connection ----

    async def connect(self, http: aiohttp.ClientSession) -> None:
        for _ in range(100):
            server = self.rng.choice(self.servers)
            try:
                self.ws = await http.ws_connect(f"ws://127.0.0.1:{server.port}/ws/{self.session_id}")
                break
            except aiohttp.ClientError:  # that instance is down just now: the other one, or again
                await asyncio.sleep(0.1)
        else:
            raise AssertionError("no instance took the connection")
        await self.ws.send_json({"type": "hello", "data": {"name": self.name}})
        self.in_flight.clear()
        self.reader = asyncio.create_task(self._read(self.ws))
        await self.ws.send_json({"type": "board_pull", "data": {"version": self.version}})
        for op, frame in list(self.unanswered.items()):  # not answered before the drop: sent again (safe)
            await self._send(op, frame)

    async def drop(self, http: aiohttp.ClientSession, only_if_lost: bool = False) -> None:
        """Lose the connection abruptly (answers on the way are lost) and come back; `only_if_lost`: only if the
        server ended it (its instance was killed)."""
        async with self.lock:
            if only_if_lost and not self.reader.done():
                return
            self.reader.cancel()
            await self.ws.close()
            self.reconnects += 1
            await self.connect(http)

    async def _send(self, op: str, frame: dict) -> None:
        self.in_flight.append(op)
        try:
            await self.ws.send_json(frame)
        except ConnectionError:
            pass  # the reader sees the close; the op stays unanswered and goes again after the reconnect

    async def _read(self, ws) -> None:
        async for message in ws:
            if message.type != aiohttp.WSMsgType.TEXT:
                break
            frame = json.loads(message.data)
            type_, data = frame["type"], frame["data"]
            if type_ == "board_updates":
                self._take_updates(ws, data)
            elif type_ == "board_state":
                self.version, self.text = data["version"], Text.from_str(data["text"])
            elif type_ == "board_done":
                assert self.in_flight.popleft() == data["op"]
                sent = self.unanswered.pop(data["op"], None)
                if sent is not None and sent["type"] == "board_draw":
                    self.drawn.add(sent["data"]["element"]["id"])
            elif type_ == "error":
                op = self.in_flight.popleft()
                assert data.get("code") == "rate_limited", data  # nothing else may be refused here
                asyncio.get_running_loop().call_later(0.3, self._resend, ws, op)

    def _take_updates(self, ws, data: dict) -> None:
        if data["version"] > self.version:  # a gap (missed while away): pull it
            asyncio.ensure_future(ws.send_json({"type": "board_pull", "data": {"version": self.version}}))
            return
        for offset, update in enumerate(data["updates"]):
            if data["version"] + offset == self.version:
                self.text = self.text.apply(update["changes"])
                self.version += 1

    def _resend(self, ws, op: str) -> None:
        if ws is self.ws and op in self.unanswered and not ws.closed:
            asyncio.ensure_future(self._send(op, self.unanswered[op]))

    async def _send_pointer(self, x: float) -> None:
        try:
            await self.ws.send_json({"type": "board_pointer", "data": {"x": x, "y": 1}})
        except ConnectionError:
            pass

    # ---- drawing ----

    def ids(self) -> list[str]:
        return [json.loads(line)["id"] for line in str(self.text).splitlines()]

    async def step(self, http: aiohttp.ClientSession) -> None:
        rng, self.count = self.rng, self.count + 1
        op = f"{self.name}-o{self.count}"
        roll, on_board = rng.random(), self.ids()
        if roll < 0.05:
            await self.drop(http)
            return
        if roll < 0.6 or not on_board:
            element_id = f"{self.name}-e{self.count}"
            kind = rng.choice(["pen", "rect", "ellipse", "line", "arrow", "text"])
            count = {"pen": rng.randint(1, 40), "text": 1}.get(kind, 2)
            element = {
                "id": element_id,
                "type": kind,
                "color": rng.choice(COLORS),
                "width": rng.choice([1, 2.5, 4]),
                "points": [round(rng.uniform(-500, 500), 2) for _ in range(2 * count)],
            }
            if kind == "text":
                element.update(text=rng.choice(["O(n)", "é 😀 中文", "a\nb"]), size=16)
            frame = {"type": "board_draw", "data": {"op": op, "element": element}}
        elif roll < 0.75:
            element_id = rng.choice(on_board)
            kind = json.loads(next(line for line in str(self.text).splitlines() if f'"{element_id}"' in line))["type"]
            count = {"pen": rng.randint(1, 10), "text": 1}.get(kind, 2)
            points = [round(rng.uniform(-500, 500), 1) for _ in range(2 * count)]
            frame = {"type": "board_move", "data": {"op": op, "elements": [{"id": element_id, "points": points}]}}
        elif roll < 0.95:
            ids = rng.sample(on_board, min(len(on_board), rng.randint(1, 3)))
            self.erased.update(ids)
            frame = {"type": "board_erase", "data": {"op": op, "ids": ids}}
        else:
            await self._send_pointer(rng.uniform(0, 9))
            return
        self.unanswered[op] = frame
        await self._send(op, frame)


async def test_drawers_on_two_instances_with_drops_and_a_kill_end_with_one_board(two_instances):
    servers = two_instances
    rng = random.Random(2212)
    async with aiohttp.ClientSession() as http:
        created = await (await http.post(servers[0].url + "/api/sessions")).json()
        session_id, key = created["session_id"], created["host_url"].split("#host=")[1]
        drawers = [Drawer(f"d{n}", random.Random(rng.random()), servers, session_id) for n in range(DRAWERS)]
        for drawer in drawers:
            await drawer.connect(http)

        async def draw(drawer: Drawer) -> None:
            for _ in range(STEPS):
                await drawer.step(http)
                await asyncio.sleep(drawer.rng.uniform(0.02, 0.15))

        async def kill_one() -> None:
            await asyncio.sleep(1.5)
            servers[1].kill()  # SIGKILL: its connections drop; nothing answered may be lost
            await asyncio.to_thread(servers[1].start)

        async def heal() -> None:
            """Drawers whose connection died with the killed instance come back."""
            while any(not task.done() for task in drawing):
                for drawer in drawers:
                    await drawer.drop(http, only_if_lost=True)
                await asyncio.sleep(0.1)

        drawing = [asyncio.create_task(draw(drawer)) for drawer in drawers]
        await asyncio.gather(*drawing, kill_one(), heal())
        # Every operation gets its answer (after reconnects where needed).
        async with asyncio.timeout(30):
            while any(drawer.unanswered for drawer in drawers):
                for drawer in drawers:
                    await drawer.drop(http, only_if_lost=True)
                await asyncio.sleep(0.1)
        # Everyone catches up: one last pull each, and a fresh socket on each instance reads the whole board.
        final = await whole_board(http, servers[0], session_id)
        assert final == await whole_board(http, servers[1], session_id)
        async with asyncio.timeout(15):
            for drawer in drawers:
                while drawer.version < final[0]:
                    await drawer.ws.send_json({"type": "board_pull", "data": {"version": drawer.version}})
                    await asyncio.sleep(0.2)
        texts = {str(drawer.text) for drawer in drawers}
        assert texts == {final[1]}, "the boards differ"
        on_board = [json.loads(line)["id"] for line in final[1].splitlines()]
        assert len(on_board) == len(set(on_board)), "an element is on the board twice"
        drawn = set().union(*(drawer.drawn for drawer in drawers))
        erased = set().union(*(drawer.erased for drawer in drawers))
        assert drawn - erased <= set(on_board), "an answered drawing nobody erased is missing"
        assert set(on_board) <= drawn | {i for d in drawers for f in d.unanswered.values() for i in drawn_ids(f)}
        # The history (playback, export) replays to the same board, on both instances.
        for server in servers:
            response = await http.get(
                f"{server.url}/api/sessions/{session_id}/history", headers={"Authorization": f"Bearer {key}"}
            )
            board = (await response.json())["board"]
            text = Text.from_str(board["text"])
            for update in board["updates"]:
                text = text.apply(update["changes"])
            assert str(text) == final[1] and board["version"] + len(board["updates"]) == final[0]
        assert sum(drawer.reconnects for drawer in drawers) >= DRAWERS  # the drops and the kill happened
        assert len(drawn) >= DRAWERS * STEPS // 3
        for drawer in drawers:
            drawer.reader.cancel()
            await drawer.ws.close()


def drawn_ids(frame: dict) -> list[str]:
    return [frame["data"]["element"]["id"]] if frame["type"] == "board_draw" else []


async def whole_board(http: aiohttp.ClientSession, server: ServerProcess, session_id: str) -> tuple[int, str]:
    """(version, text) of the board as a fresh participant on `server` reads it."""
    async with http.ws_connect(f"ws://127.0.0.1:{server.port}/ws/{session_id}") as ws:
        await ws.send_json({"type": "hello", "data": {"name": "Reader"}})
        await ws.send_json({"type": "board_pull", "data": {"version": 10**9}})  # ahead: the whole board
        async with asyncio.timeout(10):
            while (frame := await ws.receive_json())["type"] != "board_state":
                pass
    return frame["data"]["version"], frame["data"]["text"]


@pytest.mark.parametrize("store", ["sqlite", "postgres"])
async def test_every_answered_stroke_survives_a_sigkill(store, tmp_path, request):
    where = ["--data-dir", str(tmp_path)]
    if store == "postgres":
        postgres_server = request.getfixturevalue("postgres_server")
        postgres_server.reset()
        where = ["--database-url", postgres_server.url]
    server = ServerProcess("--store", store, *where, log_path=tmp_path / "server.log")
    server.start()
    try:
        async with aiohttp.ClientSession() as http:
            session_id = (await (await http.post(server.url + "/api/sessions")).json())["session_id"]
            ws = await http.ws_connect(f"ws://127.0.0.1:{server.port}/ws/{session_id}")
            await ws.send_json({"type": "hello", "data": {"name": "Ada"}})
            answered = []
            for number in range(40):
                element = {
                    "id": f"s{number}",
                    "type": "pen",
                    "color": "#111827",
                    "width": 2,
                    "points": [number, 1, 2, 3],
                }
                await ws.send_json({"type": "board_draw", "data": {"op": f"o{number}", "element": element}})
                if number % 2:  # every other one waits for its answer; the last ones may be cut off by the kill
                    while (frame := await ws.receive_json(timeout=10))["type"] != "board_done":
                        pass
                    answered.append(frame["data"]["version"])
            server.kill()
            await ws.close()
            await asyncio.to_thread(server.start)
            version, text = await whole_board(http, server, session_id)
        ids = [json.loads(line)["id"] for line in text.splitlines()]
        assert version >= answered[-1] and version == len(ids) and ids == [f"s{n}" for n in range(len(ids))]
    finally:
        server.kill()

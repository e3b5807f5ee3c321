"""Hostile-neighbour benchmark: can one abusive client slow the other sessions of a server down?

Usage: .venv/bin/python bench/hostile.py [--phase-seconds 30] [--sessions 20] [--participants 3]
       [--phases baseline,a,b,c,d,after] [--hostile-nice 0] [--json bench/results/hostile.json]

Starts a real `interview-server --store sqlite` on a free port with its DEFAULT limits, then runs
three kinds of processes so that no generator's CPU hides another's:

- the normal load (one process, source address 127.0.0.2): `--sessions` sessions of
  `--participants` people who say hello and type 4 characters every 400 ms as real `push`es at
  the version they hold (rebased after `push_rejected`), moving the cursor now and then. It
  measures push -> `updates` latency as seen by the *other* participants (and by the sender);
  after every phase it stops typing, waits until every edit is confirmed, and checks that each
  session's participants hold the same text, of exactly the length everything typed adds up to.
- one hostile process per attack phase (each from its own address 127.0.0.1x, under
  `nice -n --hostile-nice`):
  a  flood: malformed JSON, unknown types, wrong fields, deep nesting, binary frames and big
     invalid JSON, as fast as possible from several sockets, reconnecting after every close;
  b  big pushes: sessions whose one writer pipelines valid pushes just under MAX_MESSAGE_BYTES,
     replacing (and appending to, up to MAX_DOCUMENT_BYTES, then refused) the whole document,
     each session watched by hostile readers that get every ~256 KiB update;
  c  sockets: SOCKETS_PER_IP sockets held idle, more attempts (4429), and POST /api/sessions as
     fast as possible (429 past SESSIONS_PER_IP);
  d  chat/cursor flood inside normal session 0 (every free place up to MAX_PARTICIPANTS): 2,000-
     character chats and 50-range cursors at a version ~990 updates old, each socket paced just
     under MESSAGE_RATE, plus one socket that floods as fast as it can and reconnects after 1008;
- the orchestrator (this process) samples the server's CPU and RSS (/proc), every generator's
  CPU, GET /api/health and the time a new visitor takes to create a session and get its
  `session_state` (from 127.0.0.9).

Phases: `baseline` (normal load alone), a, b, c, d (normal load + attack), `after` (normal load
alone again, half a phase: did the server recover?). Prints a table, writes --json. The normal
sessions' latency in each phase is compared with the baseline; session 0 (shared with the chat
flood) is reported separately. Exit status 1 when a normal edit was lost, texts diverged, a
normal client was cut off, or the server died.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import json
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import aiohttp
from common import OPERATOR_HEADERS, OPERATOR_TOKEN

ROOT = Path(__file__).resolve().parent.parent
TYPING = "for i in range(10):\n    print(i * i)\n# hostile neighbour\n"
TICK_S = 0.4  # a human typing rate: 4 characters every 400 ms
CHARS_PER_TICK = 4

# The server's defaults (README settings table); the server runs with them, untouched.
MAX_MESSAGE_BYTES = 262_144
MAX_DOCUMENT_BYTES = 524_288
MESSAGE_RATE = 100
MESSAGE_BURST = 300
SOCKETS_PER_IP = 100
SESSIONS_PER_IP = 300
MAX_PARTICIPANTS = 10

NORMAL_ADDRESS = "127.0.0.2"
PROBE_ADDRESS = "127.0.0.9"
HOSTILE_ADDRESS = {"a": "127.0.0.11", "b": "127.0.0.12", "c": "127.0.0.13", "d": "127.0.0.14"}
ATTACKS = {
    "a": "flood of malformed/unknown messages",
    "b": "max-size pushes, doc at the cap",
    "c": "SOCKETS_PER_IP idle + session creation",
    "d": "chat/cursor flood in shared session",
}


def percentile(ordered: list[float], fraction: float) -> float | None:
    return round(ordered[min(len(ordered) - 1, int(len(ordered) * fraction))], 1) if ordered else None


def latency_summary(values: list[float]) -> dict:
    ordered = sorted(values)
    return {"n": len(ordered), "p50_ms": percentile(ordered, 0.5), "p99_ms": percentile(ordered, 0.99),
            "max_ms": round(ordered[-1], 1) if ordered else None}


def apply_changes(text: str, changes: list) -> str:
    """ChangeSet JSON applied to ASCII text (code points are UTF-16 units there)."""
    out, pos = [], 0
    for part in changes:
        if isinstance(part, int):
            out.append(text[pos:pos + part])
            pos += part
        else:
            pos += part[0]
            out.append("\n".join(part[1:]))
    if pos != len(text):
        raise ValueError(f"changes cover {pos} units, the text has {len(text)}")
    return "".join(out)


def connector(source: str) -> aiohttp.TCPConnector:
    """Connections from `source` (any 127.x address is this machine): each role counts as its own client address."""
    return aiohttp.TCPConnector(limit=0, force_close=True, local_addr=(source, 0))


async def stdin_lines() -> asyncio.StreamReader:
    reader = asyncio.StreamReader()
    await asyncio.get_running_loop().connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    return reader


def emit(obj: dict) -> None:
    """One JSON line to the orchestrator."""
    sys.stdout.write(json.dumps(obj) + "\n")
    sys.stdout.flush()


async def create_session(http: aiohttp.ClientSession, base: str) -> tuple[int, str | None]:
    async with http.post(base + "/api/sessions", json={"language": "python"}) as response:
        body = await response.json(content_type=None)
        return response.status, body.get("session_id") if response.status == 201 else None


# ---------------------------------------------------------------- the normal load (its own process)


class NormalSession:
    def __init__(self, index: int, session_id: str):
        self.index, self.session_id = index, session_id
        self.clients: list[NormalClient] = []
        self.sent_at: dict[str, float] = {}  # clientID of a push -> when it was sent
        self.initial_length: int | None = None


class NormalLoad:
    """Everyone's counters and the latency buckets of the phase being measured."""

    def __init__(self):
        self.measuring = False
        self.typing = False
        self.stopping = False
        self.reset()

    def reset(self) -> None:
        self.others_ms: list[float] = []  # push -> update seen by another participant (sessions 1..N)
        self.shared_ms: list[float] = []  # the same, in session 0 (shared with the hostile clients in phase d)
        self.own_ms: list[float] = []  # push -> own update back
        self.c = collections.Counter()
        self.errors: list[str] = []
        self.lag_ms = 0.0

    def error(self, text: str) -> None:
        self.c["errors"] += 1
        if len(self.errors) < 10:
            self.errors.append(text)


class NormalClient:
    """A correct @codemirror/collab client: the server's text at `version`, one push in flight."""

    def __init__(self, load: NormalLoad, session: NormalSession, number: int, rng: random.Random):
        self.load, self.session, self.rng = load, session, rng
        self.prefix = f"n{session.index}p{number}"
        self.ws: aiohttp.ClientWebSocketResponse | None = None
        self.text, self.version, self.ready = "", 0, False
        self.pending, self.in_flight, self.in_flight_id, self.seq = "", "", "", 0
        self.min_version = 0
        self.typed_pos = rng.randrange(len(TYPING))
        self.typed = self.confirmed = 0  # characters
        self.reconnecting = False
        self.ready_event = asyncio.Event()

    async def send(self, type_: str, data: dict) -> None:
        if self.ws is None or self.ws.closed:
            return
        await self.ws.send_str(json.dumps({"type": type_, "data": data}))

    async def run(self, http: aiohttp.ClientSession, url: str) -> None:
        """Stay connected (reconnecting and pulling, as a page does) until the load stops."""
        while not self.load.stopping:
            try:
                self.ws = await http.ws_connect(url, autoping=True, max_msg_size=0)
                await self.send("hello", {"name": self.prefix})
                async for message in self.ws:
                    if message.type != aiohttp.WSMsgType.TEXT:
                        break
                    decoded = json.loads(message.data)
                    await self.handle(decoded["type"], decoded["data"])
                code = self.ws.close_code
            except (aiohttp.ClientError, OSError, RuntimeError) as exc:
                code = repr(exc)
            if self.load.stopping:
                return
            self.load.c["unexpected_closes"] += 1
            self.load.error(f"{self.prefix}: socket closed ({code}); reconnecting")
            self.reconnecting = True
            await asyncio.sleep(0.5)

    async def handle(self, type_: str, data: dict) -> None:
        load = self.load
        if type_ == "session_state":
            if self.reconnecting and data["version"] >= self.version:
                self.reconnecting = False  # pull what was missed; an in-flight push may be among it
                await self.send("pull", {"version": self.version})
                return
            if self.ready:
                load.c["resyncs"] += 1
            self.text, self.version, self.ready = data["code"], data["version"], True
            self.requeue()
            self.min_version = 0
            self.ready_event.set()
            await self.try_push()
        elif type_ == "updates":
            await self.apply(data["version"], data["updates"])
        elif type_ == "push_rejected":
            load.c["pushes_rejected"] += 1
            self.requeue()
            self.min_version = data["version"]
            await self.try_push()
        elif type_ == "error":
            load.error(f"{self.prefix}: error {data}")
            if data.get("code") != "rate_limited" and self.in_flight:
                self.requeue()
                await self.send("pull", {"version": self.version})

    def requeue(self) -> None:
        self.pending, self.in_flight, self.in_flight_id = self.in_flight + self.pending, "", ""

    async def apply(self, version: int, updates: list) -> None:
        if version > self.version:
            self.load.c["gaps"] += 1
            await self.send("pull", {"version": self.version})
            return
        now = time.monotonic()
        load, session = self.load, self.session
        for index, update in enumerate(updates):
            if version + index < self.version:
                continue
            self.text = apply_changes(self.text, update["changes"])
            self.version += 1
            client_id = update["clientID"]
            sent = session.sent_at.get(client_id)
            if client_id == self.in_flight_id:
                self.confirmed += len(self.in_flight)
                self.in_flight, self.in_flight_id = "", ""
                load.c["pushes_accepted"] += 1
                if load.measuring and sent is not None:
                    load.own_ms.append(1000 * (now - sent))
            elif sent is not None and load.measuring and not client_id.startswith(self.prefix + "."):
                (load.shared_ms if session.index == 0 else load.others_ms).append(1000 * (now - sent))
        await self.try_push()

    async def try_push(self) -> None:
        if self.in_flight or not self.pending or not self.ready or self.version < self.min_version or self.reconnecting:
            return
        position = self.rng.randint(0, len(self.text))
        changes = ([position] if position else []) + [[0, *self.pending.split("\n")]]
        if len(self.text) > position:
            changes.append(len(self.text) - position)
        self.seq += 1
        self.in_flight, self.pending, self.in_flight_id = self.pending, "", f"{self.prefix}.{self.seq}"
        self.session.sent_at[self.in_flight_id] = time.monotonic()
        self.load.c["pushes"] += 1
        await self.send("push", {"version": self.version,
                                 "updates": [{"clientID": self.in_flight_id, "changes": changes}]})

    async def tick(self) -> None:
        """400 ms of a person: four keystrokes, and a cursor move one time in five."""
        if not self.ready:
            return
        for _ in range(CHARS_PER_TICK):
            self.pending += TYPING[self.typed_pos % len(TYPING)]
            self.typed_pos += 1
        self.typed += CHARS_PER_TICK
        await self.try_push()
        if self.rng.random() < 0.2:
            anchor = self.rng.randint(0, len(self.text))
            await self.send("cursor", {"version": self.version, "ranges": [{"anchor": anchor, "head": anchor}]})

    @property
    def settled(self) -> bool:
        return self.ready and not self.pending and not self.in_flight and not self.reconnecting


async def typist(client: NormalClient) -> None:
    await asyncio.sleep(client.rng.random() * TICK_S)
    next_tick = time.monotonic()
    while not client.load.stopping:
        next_tick += TICK_S
        if client.load.typing:
            try:
                await client.tick()
            except (ConnectionError, RuntimeError, aiohttp.ClientError):
                pass
        await asyncio.sleep(max(0.0, next_tick - time.monotonic()))


async def watch_lag(load: NormalLoad, period: float = 0.05) -> None:
    """The generator's own event-loop lag: if it is high, its latencies are partly its own."""
    while True:
        asked = time.monotonic()
        await asyncio.sleep(period)
        load.lag_ms = max(load.lag_ms, 1000 * (time.monotonic() - asked - period))


async def quiesce_and_check(load: NormalLoad, sessions: list[NormalSession], timeout: float = 60) -> dict:
    """Wait until every typed character is confirmed and each session's clients agree; then check."""
    started = time.monotonic()
    stable_since = None
    while time.monotonic() - started < timeout:
        done = all(c.settled for s in sessions for c in s.clients) and all(
            len({c.version for c in s.clients}) == 1 for s in sessions)
        if done:
            stable_since = stable_since or time.monotonic()
            if time.monotonic() - stable_since >= 0.5:
                break
        else:
            stable_since = None
        await asyncio.sleep(0.05)
    diverged = length_wrong = unconfirmed = 0
    for s in sessions:
        texts = {c.text for c in s.clients}
        if len(texts) != 1:
            diverged += 1
        typed = sum(c.typed for c in s.clients)
        unconfirmed += typed - sum(c.confirmed for c in s.clients)
        if any(len(c.text) != s.initial_length + typed for c in s.clients):
            length_wrong += 1
    return {"settle_s": round(time.monotonic() - started, 2), "unconfirmed_chars": unconfirmed,
            "sessions_diverged": diverged, "sessions_length_wrong": length_wrong,
            "chars_typed_total": sum(c.typed for s in sessions for c in s.clients)}


async def normal_main(args) -> None:
    base = f"http://127.0.0.1:{args.port}"
    load = NormalLoad()
    rng = random.Random(args.seed)
    sessions: list[NormalSession] = []
    async with aiohttp.ClientSession(connector=connector(NORMAL_ADDRESS), timeout=aiohttp.ClientTimeout(total=None)) as http:
        for index in range(args.sessions):
            status, session_id = await create_session(http, base)
            if session_id is None:
                raise SystemExit(f"normal load: POST /api/sessions answered {status}")
            sessions.append(NormalSession(index, session_id))
        runners = []
        for s in sessions:
            url = base.replace("http", "ws", 1) + f"/ws/{s.session_id}"
            for number in range(args.participants):
                client = NormalClient(load, s, number, random.Random(rng.random()))
                s.clients.append(client)
                runners.append(asyncio.create_task(client.run(http, url)))
        await asyncio.wait_for(asyncio.gather(*(c.ready_event.wait() for s in sessions for c in s.clients)), 30)
        for s in sessions:
            s.initial_length = len(s.clients[0].text)
        typists = [asyncio.create_task(typist(c)) for s in sessions for c in s.clients]
        lag = asyncio.create_task(watch_lag(load))
        emit({"ready": True, "sessions": [s.session_id for s in sessions]})
        commands = await stdin_lines()
        while True:
            line = (await commands.readline()).decode().split()
            if not line or line[0] == "quit":
                break
            if line[0] == "start":
                load.reset()
                load.measuring = load.typing = True
                started = time.monotonic()
            elif line[0] == "stop":
                load.typing = False
                measured_s = time.monotonic() - started
                lag_ms = load.lag_ms
                load.measuring = False  # edits still in flight settle unmeasured
                check = await quiesce_and_check(load, sessions)
                emit({"phase": line[1] if len(line) > 1 else "", "measured_s": round(measured_s, 1),
                      "others": latency_summary(load.others_ms), "shared_session": latency_summary(load.shared_ms),
                      "own_ack": latency_summary(load.own_ms), "counters": dict(load.c), "errors": load.errors,
                      "gen_lag_max_ms": round(lag_ms, 1), "check": check})
        load.stopping = True
        lag.cancel()
        for task in typists:
            task.cancel()
        for s in sessions:
            for c in s.clients:
                if c.ws is not None:
                    await c.ws.close()
        await asyncio.gather(*runners, return_exceptions=True)


# ---------------------------------------------------------------- the hostile clients (one process per phase)


class Hostile:
    """Counters of one attack."""

    def __init__(self):
        self.c = collections.Counter()  # sent / received by kind
        self.closes = collections.Counter()  # close codes received
        self.http = collections.Counter()  # HTTP statuses
        self.error_codes = collections.Counter()
        self.stop = asyncio.Event()
        self.notes: list[str] = []
        self.open: set[aiohttp.ClientWebSocketResponse] = set()

    def note(self, text: str) -> None:
        if len(self.notes) < 10:
            self.notes.append(text)

    def count_frame(self, data: str) -> None:
        self.c["frames_received"] += 1
        self.c["bytes_received"] += len(data)
        if data.startswith('{"type":"error"'):
            self.c["errors_received"] += 1
            code = json.loads(data)["data"].get("code")
            if code:
                self.error_codes[code] += 1

    def result(self) -> dict:
        return {"counters": dict(self.c), "close_codes": {str(k): v for k, v in self.closes.items()},
                "http_statuses": {str(k): v for k, v in self.http.items()}, "error_codes": dict(self.error_codes),
                "notes": self.notes}


async def drain(ws: aiohttp.ClientWebSocketResponse, h: Hostile, on_text=None) -> None:
    """Read (and count) everything the server sends until it closes."""
    async for message in ws:
        if message.type == aiohttp.WSMsgType.TEXT:
            h.count_frame(message.data)
            if on_text is not None:
                await on_text(message.data)
        elif message.type == aiohttp.WSMsgType.BINARY:
            h.c["frames_received"] += 1


async def connect(http, url: str, h: Hostile) -> aiohttp.ClientWebSocketResponse | None:
    try:
        ws = await http.ws_connect(url, autoping=True, max_msg_size=0)
    except (aiohttp.ClientError, OSError) as exc:
        h.c["connect_failures"] += 1
        h.note(f"connect failed: {exc!r}")
        await asyncio.sleep(0.05)
        return None
    h.c["connects"] += 1
    h.open.add(ws)
    return ws


def abort(ws: aiohttp.ClientWebSocketResponse) -> None:
    """Drop the TCP connection: a sender stuck behind the server's back-pressure cannot close politely."""
    response = getattr(ws, "_response", None)
    if response is not None and response.connection is not None and response.connection.transport is not None:
        response.connection.transport.abort()


def flood_payloads() -> list[str | bytes]:
    """Bad input of every kind the socket fuzz knows, small ones mostly, a big invalid one now and then."""
    big_invalid = '{"type":"push","data":{"version":0,"updates":[' + "1," * 120_000 + "]}"  # ~240 KB, broken at the end
    big_list = '{"type":"push","data":{"version":0,"updates":[' + ",".join(["{}"] * 80_000) + "]}}"
    small = [
        "not json at all", '{"type": "push", "data": ', "[]", "null", '"a string"', "{}",
        '{"type": "nope", "data": {}}', '{"type": 42, "data": {}}', '{"type": "push", "data": {"version": "x"}}',
        '{"type": "push", "data": {"version": 0, "updates": [{"clientID": "x", "changes": [999999]}]}}',
        '{"type": "pull", "data": {"version": -1}}', '{"type": "chat", "data": {"text": "hi"}}',
        '{"type": "cursor", "data": {"version": 0, "ranges": []}}', '{"type": "set_language", "data": {"language": "cobol"}}',
        "[" * 50_000 + "]" * 50_000, '{"type": "run_output", "data": {"stream": "stdout", "text": "x"}}',
        '{"type": "hello", "data": {"name": "' + "\\u0000" * 100 + '"}}',
    ]
    return small, small * 3 + [b"\x00\x01binary", big_invalid, big_list]


async def attack_flood(http, base: str, h: Hostile, args) -> None:
    """(a) Malformed and unknown messages as fast as possible from several sockets; reconnect after a close.
    Odd sockets send small messages only; even ones mix in ~240 KB invalid JSON (slow to handle, so the
    limiter delays them but its strike count never reaches the cut-off)."""
    status, session_id = await create_session(http, base)
    h.http[status] += 1
    url = base.replace("http", "ws", 1) + f"/ws/{session_id}"
    small_only, mixed = flood_payloads()

    async def one(number: int) -> None:
        index = number
        payloads = small_only if number % 2 else mixed
        while not h.stop.is_set():
            ws = await connect(http, url, h)
            if ws is None:
                continue
            reader = asyncio.create_task(drain(ws, h))
            try:
                while not h.stop.is_set() and not ws.closed and not reader.done():
                    payload = payloads[index % len(payloads)]
                    index += 1
                    if isinstance(payload, bytes):
                        await ws.send_bytes(payload)
                    else:
                        await ws.send_str(payload)
                    h.c["messages_sent"] += 1
                    h.c["bytes_sent"] += len(payload)
            except (ConnectionError, RuntimeError, aiohttp.ClientError):
                pass
            if h.stop.is_set():
                await ws.close()
            try:
                await asyncio.wait_for(reader, 10)
            except (asyncio.TimeoutError, Exception):
                reader.cancel()
            h.closes[ws.close_code] += 1

    ready(h)
    await asyncio.gather(*(one(n) for n in range(args.flood_sockets)))


def big_push_lines(variant: str) -> tuple[str, int]:
    """A JSON fragment of lines whose push frame stays just under MAX_MESSAGE_BYTES, and its length in units."""
    line = (variant * 79)[:79]
    count = (MAX_MESSAGE_BYTES - 400) // (len(line) + 3)
    return ",".join([json.dumps(line)] * count), count * (len(line) + 1) - 1


async def attack_big_pushes(http, base: str, h: Hostile, args) -> None:
    """(b) Pipelined max-size pushes: replace the whole document, grow it to the cap, get refused, repeat."""
    fragments = [big_push_lines(letter) for letter in "abc"]

    async def pusher(url: str) -> None:
        while not h.stop.is_set():
            ws = await connect(http, url, h)
            if ws is None:
                continue
            state = json.loads((await ws.receive()).data)["data"]
            version, length = state["version"], len(state["code"])
            expected: collections.deque[str] = collections.deque()  # "ok" or "too_large", in order
            room = asyncio.Semaphore(args.push_window)
            desync = asyncio.Event()

            async def on_text(data: str) -> None:
                if data.startswith('{"type":"updates"') or data.startswith('{"type":"error"'):
                    got = "ok" if data.startswith('{"type":"updates"') else json.loads(data)["data"].get("code")
                    want = expected.popleft() if expected else None
                    h.c["pushes_accepted" if got == "ok" else f"pushes_refused_{got}"] += 1
                    if got != want:
                        h.note(f"pusher desync: expected {want}, got {got}")
                        desync.set()
                    room.release()
                elif data.startswith('{"type":"push_rejected"') or data.startswith('{"type":"session_state"'):
                    h.note(f"pusher desync: {data[:80]}")
                    desync.set()
                    room.release()

            reader = asyncio.create_task(drain(ws, h, on_text))
            step = 0
            try:
                while not h.stop.is_set() and not desync.is_set() and not reader.done():
                    await room.acquire()
                    fragment, units = fragments[step % len(fragments)]
                    append = step % 3 != 0  # replace, append, append (refused at the cap), ...
                    step += 1
                    if append:
                        changes = f"[{length},[0,{fragment}]]"
                        outcome = "too_large" if length + units > MAX_DOCUMENT_BYTES else "ok"
                    else:
                        changes = f"[[{length},{fragment}]]"
                        outcome = "ok"
                    frame = ('{"type":"push","data":{"version":%d,"updates":[{"clientID":"hostile-big","changes":%s}]}}'
                             % (version, changes))
                    expected.append("ok" if outcome == "ok" else "document_too_large")
                    await ws.send_str(frame)
                    h.c["messages_sent"] += 1
                    h.c["bytes_sent"] += len(frame)
                    h.c["max_frame_bytes"] = max(h.c["max_frame_bytes"], len(frame))
                    if outcome == "ok":
                        version += 1
                        length = length + units if append else units
            except (ConnectionError, RuntimeError, aiohttp.ClientError):
                pass
            await ws.close()
            reader.cancel()
            h.closes[ws.close_code] += 1

    async def reader_socket(url: str) -> None:
        while not h.stop.is_set():
            ws = await connect(http, url, h)
            if ws is None:
                continue
            task = asyncio.create_task(drain(ws, h))
            stop = asyncio.create_task(h.stop.wait())
            await asyncio.wait({task, stop}, return_when=asyncio.FIRST_COMPLETED)
            stop.cancel()
            await ws.close()
            task.cancel()
            h.closes[ws.close_code] += 1

    tasks = []
    for _ in range(args.big_sessions):
        status, session_id = await create_session(http, base)
        h.http[status] += 1
        url = base.replace("http", "ws", 1) + f"/ws/{session_id}"
        tasks += [reader_socket(url) for _ in range(args.big_readers)] + [pusher(url)]
    ready(h)
    await asyncio.gather(*tasks)


async def attack_sockets(http, base: str, h: Hostile, args) -> None:
    """(c) Hold SOCKETS_PER_IP idle sockets, keep trying for more, and create sessions as fast as allowed."""
    session_ids: list[str] = []
    held: list[aiohttp.ClientWebSocketResponse] = []

    async def creator() -> None:
        while not h.stop.is_set():
            try:
                status, session_id = await create_session(http, base)
            except (aiohttp.ClientError, OSError) as exc:
                h.c["http_failures"] += 1
                h.note(repr(exc))
                continue
            h.http[status] += 1
            h.c["messages_sent"] += 1
            if session_id:
                session_ids.append(session_id)

    async def hold(url: str) -> None:
        ws = await connect(http, url, h)
        if ws is None:
            return
        held.append(ws)
        await drain(ws, h)  # idle: only pings are answered
        if not h.stop.is_set():
            h.closes[f"held:{ws.close_code}"] += 1

    creators = [asyncio.create_task(creator()) for _ in range(args.creators)]
    while len(session_ids) < SOCKETS_PER_IP // MAX_PARTICIPANTS and not h.stop.is_set():
        await asyncio.sleep(0.01)
    holders = []
    for number in range(SOCKETS_PER_IP):
        url = base.replace("http", "ws", 1) + f"/ws/{session_ids[number // MAX_PARTICIPANTS]}"
        holders.append(asyncio.create_task(hold(url)))
        await asyncio.sleep(0.002)
    while len(held) < SOCKETS_PER_IP and not all(t.done() for t in holders):
        await asyncio.sleep(0.01)
    h.c["sockets_held"] = len(held)
    ready(h)
    while not h.stop.is_set():  # one more socket every 20 ms: each should get 4429
        url = base.replace("http", "ws", 1) + f"/ws/{random.choice(session_ids)}"
        ws = await connect(http, url, h)
        if ws is not None:
            h.c["extra_socket_attempts"] += 1
            await drain(ws, h)
            h.closes[ws.close_code] += 1
        await asyncio.sleep(0.02)
    for ws in held:
        await ws.close()
    await asyncio.gather(*holders, *creators, return_exceptions=True)


async def attack_chat_cursor(http, base: str, h: Hostile, args) -> None:
    """(d) Fill session 0 up to MAX_PARTICIPANTS: chats of 2,000 characters and 50-range cursors from ~990
    updates back, each socket just under MESSAGE_RATE, and one socket flooding flat out (cut with 1008)."""
    url = base.replace("http", "ws", 1) + f"/ws/{args.shared_session}"
    places = MAX_PARTICIPANTS - args.participants
    chat_text = ("spam " * 400)[:2000]

    async def one(number: int, greedy: bool) -> None:
        back = 990
        while not h.stop.is_set():
            ws = await connect(http, url, h)
            if ws is None:
                await asyncio.sleep(0.2)
                continue
            version = 0

            async def on_text(data: str) -> None:
                nonlocal version, back
                if data.startswith('{"type":"updates"'):
                    decoded = json.loads(data)["data"]
                    version = max(version, decoded["version"] + len(decoded["updates"]))
                elif data.startswith('{"type":"session_state"'):
                    version = json.loads(data)["data"]["version"]
                elif data.startswith('{"type":"error"') and "too old" in data:
                    back = max(10, back // 2)

            reader = asyncio.create_task(drain(ws, h, on_text))
            await ws.send_str(json.dumps({"type": "hello", "data": {"name": f"spammer {number}"}}))
            pace = 1 / (MESSAGE_RATE * 0.95)
            next_at = time.monotonic()
            step = 0
            try:
                while not h.stop.is_set() and not ws.closed and not reader.done():
                    step += 1
                    if step % 2:
                        frame = json.dumps({"type": "chat", "data": {"text": chat_text}})
                        h.c["chats_sent"] += 1
                    else:
                        ranges = [{"anchor": i, "head": i + 1} for i in range(50)]
                        frame = json.dumps({"type": "cursor", "data": {"version": max(0, version - back), "ranges": ranges}})
                        h.c["cursors_sent"] += 1
                    await ws.send_str(frame)
                    h.c["messages_sent"] += 1
                    h.c["bytes_sent"] += len(frame)
                    if not greedy:
                        next_at += pace
                        await asyncio.sleep(max(0.0, next_at - time.monotonic()))
                    elif step % 50 == 0:
                        await asyncio.sleep(0)
            except (ConnectionError, RuntimeError, aiohttp.ClientError):
                pass
            if h.stop.is_set():
                await ws.close()
            try:
                await asyncio.wait_for(reader, 10)
            except (asyncio.TimeoutError, Exception):
                reader.cancel()
            h.closes[ws.close_code] += 1
            if ws.close_code == 4409:
                await asyncio.sleep(0.5)

    tasks = [one(n, greedy=(n == places - 1)) for n in range(places)]
    ready(h)
    await asyncio.gather(*tasks)


def ready(h: Hostile) -> None:
    emit({"ready": True})


async def hostile_main(args) -> None:
    base = f"http://127.0.0.1:{args.port}"
    h = Hostile()
    attack = {"a": attack_flood, "b": attack_big_pushes, "c": attack_sockets, "d": attack_chat_cursor}[args.attack]
    commands = await stdin_lines()

    async def wait_for_stop() -> None:
        await commands.readline()
        h.stop.set()

    waiter = asyncio.create_task(wait_for_stop())
    started = time.monotonic()
    async with aiohttp.ClientSession(connector=connector(HOSTILE_ADDRESS[args.attack]),
                                     timeout=aiohttp.ClientTimeout(total=None, sock_connect=10)) as http:
        work = asyncio.create_task(attack(http, base, h, args))
        await h.stop.wait()
        try:
            await asyncio.wait_for(asyncio.shield(work), 5)
        except asyncio.TimeoutError:
            # Senders blocked by the server's back-pressure, or closes waiting behind a long outbox.
            h.c["sockets_aborted_at_stop"] = len(h.open)
            for ws in h.open:
                abort(ws)
            try:
                await asyncio.wait_for(work, 10)
            except asyncio.TimeoutError:
                h.note("attack did not stop within 15 s; cancelled")
            except Exception as exc:
                h.note(f"attack failed: {exc!r}")
        except Exception as exc:  # report, never hide
            h.note(f"attack failed: {exc!r}")
    waiter.cancel()
    emit({"result": h.result(), "seconds": round(time.monotonic() - started, 1)})


# ---------------------------------------------------------------- the orchestrator


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def cpu_seconds(pid: int) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def machine_jiffies() -> tuple[int, int, int]:
    """All cores together, from /proc/stat: busy, total and iowait jiffies."""
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle, iowait = values[3], values[4]
    total = sum(values[:8])
    return total - idle - iowait, total, iowait


def rss_kib(pid: int) -> int:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return 0
    return int(next(line.split()[1] for line in status.splitlines() if line.startswith("VmRSS:")))


class Child:
    """A generator process speaking JSON lines on stdin/stdout."""

    def __init__(self, process: asyncio.subprocess.Process):
        self.process = process

    @classmethod
    async def start(cls, argv: list[str]) -> "Child":
        return cls(await asyncio.create_subprocess_exec(*argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, cwd=ROOT))

    @property
    def pid(self) -> int:
        return self.process.pid

    async def say(self, line: str) -> None:
        self.process.stdin.write((line + "\n").encode())
        await self.process.stdin.drain()

    async def read(self, timeout: float) -> dict:
        line = await asyncio.wait_for(self.process.stdout.readline(), timeout)
        if not line:
            raise RuntimeError(f"generator {self.pid} exited (code {await self.process.wait()})")
        return json.loads(line)


class Probe:
    """What a newcomer and an operator see during a phase: new session + session_state time, /api/health time."""

    def __init__(self, base: str):
        self.base = base
        self.join_ms: list[float] = []
        self.health_ms: list[float] = []
        self.failures: list[str] = []

    async def run(self, stop: asyncio.Event) -> None:
        async with aiohttp.ClientSession(connector=connector(PROBE_ADDRESS),
                                         timeout=aiohttp.ClientTimeout(total=30)) as http:
            while not stop.is_set():
                asked = time.monotonic()
                try:
                    async with http.get(self.base + "/api/health", headers=OPERATOR_HEADERS) as response:
                        await response.read()
                    self.health_ms.append(1000 * (time.monotonic() - asked))
                    asked = time.monotonic()
                    status, session_id = await create_session(http, self.base)
                    if session_id is None:
                        self.failures.append(f"POST /api/sessions {status}")
                    else:
                        async with http.ws_connect(self.base.replace("http", "ws", 1) + f"/ws/{session_id}") as ws:
                            message = await ws.receive()
                            if message.type != aiohttp.WSMsgType.TEXT or '"session_state"' not in message.data[:30]:
                                self.failures.append(f"join: {message.type} {str(message.data)[:60]}")
                            else:
                                self.join_ms.append(1000 * (time.monotonic() - asked))
                except (aiohttp.ClientError, OSError, asyncio.TimeoutError) as exc:
                    self.failures.append(repr(exc))
                try:
                    await asyncio.wait_for(stop.wait(), 2.0)
                except asyncio.TimeoutError:
                    pass


def dir_mib(path: str) -> float:
    return round(sum(f.stat().st_size for f in Path(path).iterdir() if f.is_file()) / 2**20, 1)


async def run_phase(name: str, seconds: float, server: subprocess.Popen, base: str, normal: Child,
                    shared_session: str, args) -> dict:
    hostile = None
    if name in ATTACKS:
        nice = ["nice", "-n", str(args.hostile_nice)] if args.hostile_nice else []
        hostile = await Child.start(nice + [sys.executable, str(Path(__file__).resolve()), "--role", "hostile",
                                            "--attack", name, "--port", str(args.port),
                                            "--shared-session", shared_session,
                                            "--participants", str(args.participants),
                                            "--flood-sockets", str(args.flood_sockets),
                                            "--big-sessions", str(args.big_sessions),
                                            "--big-readers", str(args.big_readers),
                                            "--push-window", str(args.push_window), "--creators", str(args.creators)])
        await hostile.read(60)  # set up (sockets open, sessions made): the attack is on
        await asyncio.sleep(1.0)
    pids = {"server": server.pid, "normal_gen": normal.pid, "orchestrator": os.getpid()}
    if hostile:
        pids["hostile_gen"] = hostile.pid
    cpu_before = {key: cpu_seconds(pid) for key, pid in pids.items()}
    rss_before = rss_kib(server.pid)
    machine_before = machine_jiffies()
    started = time.monotonic()
    probe = Probe(base)
    probe_stop = asyncio.Event()
    probing = asyncio.create_task(probe.run(probe_stop))
    await normal.say(f"start {name}")
    rss_max = rss_before
    while time.monotonic() - started < seconds:
        await asyncio.sleep(0.5)
        rss_max = max(rss_max, rss_kib(server.pid))
        if server.poll() is not None:
            break
    await normal.say(f"stop {name}")
    wall = time.monotonic() - started
    cpu_after = {key: cpu_seconds(pid) for key, pid in pids.items()}
    machine_after = machine_jiffies()
    machine_total = max(1, machine_after[1] - machine_before[1])
    machine_busy_s = (machine_after[0] - machine_before[0]) / os.sysconf("SC_CLK_TCK")
    ours_s = sum(cpu_after[key] - cpu_before[key] for key in pids)
    rss_end = rss_kib(server.pid)
    normal_result = await normal.read(120)
    probe_stop.set()
    await probing
    hostile_result = None
    if hostile:
        await hostile.say("stop")
        try:
            hostile_result = await hostile.read(60)
        except (asyncio.TimeoutError, RuntimeError) as exc:
            hostile_result = {"result": {"notes": [f"no result: {exc!r}"]}}
            hostile.process.kill()
        await hostile.process.wait()
    settle_started = time.monotonic()  # wait for the server to go quiet again (a backlog would spill over)
    while server.poll() is None and time.monotonic() - settle_started < 20:
        before = cpu_seconds(server.pid)
        await asyncio.sleep(1.0)
        if cpu_seconds(server.pid) - before < 0.3:
            break
    return {
        "phase": name, "attack": ATTACKS.get(name, "none"), "measured_s": round(wall, 1),
        "cpu_pct": {key: round(100 * (cpu_after[key] - cpu_before[key]) / wall, 1) for key in pids},
        "machine_pct": {"busy": round(100 * (machine_after[0] - machine_before[0]) / machine_total, 1),
                        "iowait": round(100 * (machine_after[2] - machine_before[2]) / machine_total, 1),
                        # CPU used by processes that are not part of this benchmark (% of one core)
                        "foreign_cpu_pct": round(100 * max(0.0, machine_busy_s - ours_s) / wall, 1),
                        "loadavg_1m": float(Path("/proc/loadavg").read_text().split()[0])},
        "data_dir_mib": dir_mib(args.data_dir),
        "server_rss_kib": {"start": rss_before, "max": rss_max, "end": rss_end},
        "server_alive": server.poll() is None,
        "normal": normal_result, "hostile": hostile_result,
        "probe": {"health": latency_summary(probe.health_ms), "new_session_join": latency_summary(probe.join_ms),
                  "failures": probe.failures[:5], "failure_count": len(probe.failures)},
        "server_settle_s": round(time.monotonic() - settle_started, 1),
    }


async def orchestrate(args) -> dict:
    data_dir = tempfile.mkdtemp(prefix="hostile-")
    args.port = free_port()
    args.data_dir = data_dir
    script = Path(sys.executable).parent / "interview-server"
    command = [str(script)] if script.exists() else [sys.executable, "-m", "interview_server"]
    log_path = Path(data_dir) / "server.log"
    server = subprocess.Popen(command + ["--store", "sqlite", "--data-dir", data_dir, "--port", str(args.port),
                                         "--log-level", "WARNING"],
                              cwd=ROOT, stdout=open(log_path, "a"), stderr=subprocess.STDOUT,
                              env={**os.environ, "OPERATOR_TOKEN": OPERATOR_TOKEN})  # the probe's health has the counts
    base = f"http://127.0.0.1:{args.port}"
    phases, normal = [], None
    try:
        async with aiohttp.ClientSession() as http:
            deadline = time.monotonic() + 20
            while True:
                try:
                    async with http.get(base + "/api/health") as response:
                        if response.status == 200:
                            break
                except aiohttp.ClientError:
                    pass
                if server.poll() is not None or time.monotonic() > deadline:
                    raise SystemExit(f"server did not start; log:\n{log_path.read_text()}")
                await asyncio.sleep(0.05)
        normal = await Child.start([sys.executable, str(Path(__file__).resolve()), "--role", "normal",
                                    "--port", str(args.port), "--sessions", str(args.sessions),
                                    "--participants", str(args.participants), "--seed", str(args.seed)])
        shared_session = (await normal.read(60))["sessions"][0]
        for name in args.phases.split(","):
            seconds = args.phase_seconds / 2 if name == "after" else args.phase_seconds
            print(f"phase {name} ({ATTACKS.get(name, 'normal load only')}) for {seconds:.0f} s ...",
                  file=sys.stderr, flush=True)
            phases.append(await run_phase(name, seconds, server, base, normal, shared_session, args))
            print(format_row(phases[-1], phases[0]), file=sys.stderr, flush=True)
            if server.poll() is not None:
                break
        await normal.say("quit")
        await asyncio.wait_for(normal.process.wait(), 30)
    finally:
        if normal is not None and normal.process.returncode is None:
            normal.process.kill()
        alive = server.poll() is None
        exit_code = server.poll()
        if alive:
            server.send_signal(signal.SIGTERM)
            try:
                exit_code = server.wait(15)
            except subprocess.TimeoutExpired:
                server.kill()
    log = log_path.read_text() if log_path.exists() else ""
    shutil.rmtree(data_dir, ignore_errors=True)
    records = [line for line in log.splitlines() if line[:4].isdigit()]
    return {
        "settings": {"phase_seconds": args.phase_seconds, "sessions": args.sessions,
                     "participants": args.participants, "hostile_nice": args.hostile_nice,
                     "flood_sockets": args.flood_sockets, "big_sessions": args.big_sessions,
                     "big_readers": args.big_readers, "push_window": args.push_window, "creators": args.creators,
                     "server_limits": "defaults", "cpus": os.cpu_count()},
        "phases": phases,
        "server": {"alive_at_end": alive, "exit_code": exit_code,
                   "log_warnings": sum(" WARNING " in line for line in records),
                   "log_errors": sum(" ERROR " in line or " CRITICAL " in line for line in records),
                   "log_first_errors": [line for line in records if " ERROR " in line or " CRITICAL " in line][:5],
                   "log_warning_kinds": dict(collections.Counter(
                       line.split(": ", 1)[-1][:70] for line in records if " WARNING " in line).most_common(6))},
    }


def ratio(value, base) -> str:
    if value is None or not base:
        return "-"
    return f"x{value / base:.1f}"


def format_row(phase: dict, baseline: dict) -> str:
    n, b = phase["normal"], baseline["normal"]
    c = n["check"]
    h = (phase["hostile"] or {}).get("result", {})
    hc = h.get("counters", {})
    ok = (not c["unconfirmed_chars"] and not c["sessions_diverged"] and not c["sessions_length_wrong"]
          and not n["counters"].get("unexpected_closes"))
    closes = ",".join(f"{k}:{v}" for k, v in sorted(h.get("close_codes", {}).items())) or "-"
    http = ",".join(f"{k}:{v}" for k, v in sorted(h.get("http_statuses", {}).items())) or "-"
    cpu = phase["cpu_pct"]
    return (f"{phase['phase']:>8} | {n['others']['p50_ms']!s:>6} {n['others']['p99_ms']!s:>7} {n['others']['max_ms']!s:>7}"
            f" {ratio(n['others']['p99_ms'], b['others']['p99_ms']):>6}"
            f" | {n['shared_session']['p50_ms']!s:>6} {n['shared_session']['p99_ms']!s:>7} {n['shared_session']['max_ms']!s:>7}"
            f" | {n['others']['n'] + n['shared_session']['n']:>6} {'yes' if ok else 'NO':>4}"
            f" | {cpu['server']:>5} {phase['server_rss_kib']['max'] // 1024:>5} {cpu['normal_gen']:>5} {cpu.get('hostile_gen', '-')!s:>5}"
            f" {phase['machine_pct']['busy']:>5} {phase['machine_pct']['foreign_cpu_pct']:>5} {phase['data_dir_mib']:>6}"
            f" | {n['gen_lag_max_ms']:>6} {phase['probe']['health']['max_ms']!s:>6} {phase['probe']['new_session_join']['max_ms']!s:>7}"
            f" | {hc.get('messages_sent', '-')!s:>7} {hc.get('frames_received', '-')!s:>7} {hc.get('errors_received', '-')!s:>6}"
            f" closes {closes} http {http}")


HEADER = (f"{'phase':>8} | {'p50':>6} {'p99':>7} {'max':>7} {'p99/bl':>6} | {'s0p50':>6} {'s0p99':>7} {'s0max':>7}"
          f" | {'edits':>6} {'ok':>4} | {'srvCPU':>5} {'RSSMB':>5} {'nCPU':>5} {'hCPU':>5} {'mach%':>5} {'frgn%':>5} {'dbMiB':>6} | {'nlag':>6} {'hlthmx':>6} {'joinmx':>7}"
          f" | {'h_sent':>7} {'h_recv':>7} {'h_err':>6}")


def report(result: dict) -> str:
    phases = result["phases"]
    lines = ["push -> seen by other participants, ms (sessions 1..N; s0 = session 0, shared with the hostile "
             "clients in phase d); edits = latency samples; ok = every edit confirmed, texts identical, no normal "
             "socket closed; CPU % of one core; mach% = all cores busy (100 = both), frgn% = CPU of processes outside this benchmark (% of one core); dbMiB = server's data dir; nlag = normal generator's worst loop lag (ms); hlthmx = worst GET /api/health (ms), joinmx = worst "
             "new-session create+join (ms); h_* = hostile messages sent, frames received, errors received", "",
             HEADER]
    lines += [format_row(phase, phases[0]) for phase in phases]
    lines.append("")
    for phase in phases:
        h = (phase["hostile"] or {}).get("result")
        n = phase["normal"]
        if h:
            lines.append(f"{phase['phase']}: {phase['attack']}: hostile {json.dumps(h['counters'])}; error codes "
                         f"{json.dumps(h['error_codes'])}" + (f"; notes {h['notes'][:3]}" if h["notes"] else ""))
        if n["errors"] or n["counters"].get("unexpected_closes") or phase["probe"]["failure_count"]:
            lines.append(f"{phase['phase']}: normal errors {n['errors'][:3]}, counters {n['counters']}, "
                         f"probe failures {phase['probe']['failures'][:3]}")
        lines.append(f"{phase['phase']}: own ack p50/p99/max {n['own_ack']['p50_ms']}/{n['own_ack']['p99_ms']}/"
                     f"{n['own_ack']['max_ms']} ms, pushes {n['counters'].get('pushes', 0)}, rejected "
                     f"{n['counters'].get('pushes_rejected', 0)}, settle {n['check']['settle_s']} s, "
                     f"health max {phase['probe']['health']['max_ms']} ms, orchestrator CPU "
                     f"{phase['cpu_pct']['orchestrator']}%, server settled {phase['server_settle_s']} s after")
    s = result["server"]
    lines.append(f"server: alive at end {s['alive_at_end']}, exit {s['exit_code']}, log warnings {s['log_warnings']} "
                 f"{json.dumps(s['log_warning_kinds'])}, errors {s['log_errors']} {s['log_first_errors'][:2]}")
    return "\n".join(lines)


def passed(result: dict) -> bool:
    for phase in result["phases"]:
        c, n = phase["normal"]["check"], phase["normal"]
        if (c["unconfirmed_chars"] or c["sessions_diverged"] or c["sessions_length_wrong"]
                or n["counters"].get("unexpected_closes") or not phase["server_alive"]):
            return False
    return result["server"]["alive_at_end"] and not result["server"]["log_errors"]


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--phase-seconds", type=float, default=30.0, help="seconds measured per phase (default 30)")
    parser.add_argument("--phases", default="baseline,a,b,c,d,after",
                        help="which phases, in order (default baseline,a,b,c,d,after; the first is the reference)")
    parser.add_argument("--sessions", type=int, default=20, help="normal sessions (default 20)")
    parser.add_argument("--participants", type=int, default=3, help="people per normal session (default 3)")
    parser.add_argument("--hostile-nice", type=int, default=0,
                        help="run the hostile generator under nice -n N (default 0: it competes for CPU at full weight)")
    parser.add_argument("--flood-sockets", type=int, default=6, help="(a) flooding sockets (default 6)")
    parser.add_argument("--big-sessions", type=int, default=3, help="(b) hostile sessions with a big pusher (default 3)")
    parser.add_argument("--big-readers", type=int, default=3, help="(b) hostile readers per such session (default 3)")
    parser.add_argument("--push-window", type=int, default=4, help="(b) pushes in flight per pusher (default 4)")
    parser.add_argument("--creators", type=int, default=4, help="(c) concurrent POST /api/sessions loops (default 4)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--json", default=str(ROOT / "bench" / "results" / "hostile.json"),
                        help="write the result here (default bench/results/hostile.json; '' for none)")
    parser.add_argument("--role", choices=["orchestrator", "normal", "hostile"], default="orchestrator",
                        help=argparse.SUPPRESS)
    parser.add_argument("--attack", choices=sorted(ATTACKS), help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--shared-session", help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.role == "normal":
        asyncio.run(normal_main(args))
        return 0
    if args.role == "hostile":
        asyncio.run(hostile_main(args))
        return 0
    result = asyncio.run(orchestrate(args))
    result["passed"] = passed(result)
    print(report(result))
    print("verdict: " + ("no normal edit lost, server alive" if result["passed"] else "FAILURE (see above)"))
    if args.json:
        Path(args.json).parent.mkdir(parents=True, exist_ok=True)
        Path(args.json).write_text(json.dumps(result, indent=2) + "\n")
    return 0 if result["passed"] else 1


if __name__ == "__main__":
    sys.exit(main())

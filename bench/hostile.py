"""Hostile-neighbour benchmark: can one abusive client slow the other sessions of a server down?

Usage: .venv/bin/python bench/hostile.py [--phase-seconds 30] [--sessions 20] [--participants 3]
       [--phases baseline,a,b,c,d,e,f,g,h,i,j,k,l,after] [--hostile-nice 0] [--server-dir DIR]
       [--json bench/results/hostile.json]

Starts a real `interview-server --store sqlite` on a free port with its DEFAULT limits (`--server-dir`: the
server of another checkout, e.g. a `git worktree` of an older commit, for before/after figures), then runs
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
  the attacks of issue 15 (bounded work per message), each in a session of its own:
  e  a cursor (50 ranges at the end of the text) every 2 s at an old version, after four pushes of ~10,000
     ChangeSet parts each;
  f  stale `rebase: true` pushes of 2,000 insertions (~250 KB) made before a deletion of the whole text, so
     that every insertion lands in the one place the deletion left;
  g  `pull {version: 0}` in a loop on a session 3,000 versions long (4 sockets, just under MESSAGE_RATE);
  h  pushes of 1,000 one-character replacements on documents of ~480 KB (2 sessions);
  i  ten runs of 200,000 emoji of output, then late joiners (every other one with the host key): did
     they get `history`, and stay connected?
  j  as many versions as 2 sockets taking turns can push into one session (1,000-update pushes, no-op and
     one-character ones in turn): versions per second, and whether GET .../history still answers after;
  k  35 sockets that never say `hello` in one session while its host link tries to join every second;
  l  hellos with wrong host keys from 4 sockets, each just under MESSAGE_RATE, reconnecting when closed;
- the orchestrator (this process) samples the server's CPU and RSS (/proc), every generator's
  CPU, GET /api/health (the server's own event-loop lag: the worst over its last minute, so before each
  phase the orchestrator waits, at most 60 s, until that minute holds no lag above 25 ms; a hostile
  process sets up, says it is ready, and attacks only when told to go), the server's log lines, and the
  time a new visitor takes to create a session and get its `session_state` (from 127.0.0.9).

Phases: `baseline` (normal load alone), a .. l (normal load + attack), `after` (normal load
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
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import aiohttp
from common import OPERATOR_HEADERS, OPERATOR_TOKEN, Server

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
VISITOR_ADDRESS = "127.0.0.8"  # the people an attack is aimed at: late joiners (i), the session's host (k)
ATTACKS = {
    "a": "flood of malformed/unknown messages",
    "b": "max-size pushes, doc at the cap",
    "c": "SOCKETS_PER_IP idle + session creation",
    "d": "chat/cursor flood in shared session",
    "e": "old cursors over 10,000-part updates",
    "f": "stale rebase gathering 2,000 inserts",
    "g": "pull from version 0, 3,000 versions",
    "h": "1,000-update pushes on 480 KB docs",
    "i": "10 runs x 200k emoji, late joiners",
    "j": "version flood (compaction erase)",
    "k": "silent sockets fill a session, host joins",
    "l": "wrong host keys as fast as allowed",
}
HOSTILE_ADDRESS = {name: f"127.0.0.{11 + number}" for number, name in enumerate(ATTACKS)}  # a: .11, b: .12, ...
LAG_QUIET_MS = 25.0  # a phase starts once the server's loop monitor holds no lag above this (waiting at most 60 s)


def percentile(ordered: list[float], fraction: float) -> float | None:
    return round(ordered[min(len(ordered) - 1, int(len(ordered) * fraction))], 1) if ordered else None


def latency_summary(values: list[float]) -> dict:
    ordered = sorted(values)
    return {
        "n": len(ordered),
        "p50_ms": percentile(ordered, 0.5),
        "p99_ms": percentile(ordered, 0.99),
        "max_ms": round(ordered[-1], 1) if ordered else None,
    }


def apply_changes(text: str, changes: list) -> str:
    """ChangeSet JSON applied to ASCII text (code points are UTF-16 units there)."""
    out, pos = [], 0
    for part in changes:
        if isinstance(part, int):
            out.append(text[pos : pos + part])
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
        await self.send(
            "push", {"version": self.version, "updates": [{"clientID": self.in_flight_id, "changes": changes}]}
        )

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
            len({c.version for c in s.clients}) == 1 for s in sessions
        )
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
    return {
        "settle_s": round(time.monotonic() - started, 2),
        "unconfirmed_chars": unconfirmed,
        "sessions_diverged": diverged,
        "sessions_length_wrong": length_wrong,
        "chars_typed_total": sum(c.typed for s in sessions for c in s.clients),
    }


async def normal_main(args) -> None:
    base = f"http://127.0.0.1:{args.port}"
    load = NormalLoad()
    rng = random.Random(args.seed)
    sessions: list[NormalSession] = []
    async with aiohttp.ClientSession(
        connector=connector(NORMAL_ADDRESS), timeout=aiohttp.ClientTimeout(total=None)
    ) as http:
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
                emit(
                    {
                        "phase": line[1] if len(line) > 1 else "",
                        "measured_s": round(measured_s, 1),
                        "others": latency_summary(load.others_ms),
                        "shared_session": latency_summary(load.shared_ms),
                        "own_ack": latency_summary(load.own_ms),
                        "counters": dict(load.c),
                        "errors": load.errors,
                        "gen_lag_max_ms": round(lag_ms, 1),
                        "check": check,
                    }
                )
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
        self.kinds = collections.Counter()  # frames received by type
        self.facts: dict = {}  # what the attack got, beyond counts (e.g. versions per second)
        self.go = asyncio.Event()  # set up: attack now
        self.stop = asyncio.Event()
        self.announced = False  # "ready" said
        self.notes: list[str] = []
        self.open: set[aiohttp.ClientWebSocketResponse] = set()
        self.members: list[Member] = []

    def note(self, text: str) -> None:
        if len(self.notes) < 10:
            self.notes.append(text)

    def count_frame(self, data: str) -> None:
        self.c["frames_received"] += 1
        self.c["bytes_received"] += len(data)
        self.kinds[frame_type(data)] += 1
        if data.startswith('{"type":"error"'):
            self.c["errors_received"] += 1
            code = json.loads(data)["data"].get("code")
            if code:
                self.error_codes[code] += 1

    def result(self) -> dict:
        return {
            "counters": dict(self.c),
            "close_codes": {str(k): v for k, v in self.closes.items()},
            "http_statuses": {str(k): v for k, v in self.http.items()},
            "error_codes": dict(self.error_codes),
            "frames_by_type": dict(self.kinds),
            "facts": self.facts,
            "notes": self.notes,
        }


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
        "not json at all",
        '{"type": "push", "data": ',
        "[]",
        "null",
        '"a string"',
        "{}",
        '{"type": "nope", "data": {}}',
        '{"type": 42, "data": {}}',
        '{"type": "push", "data": {"version": "x"}}',
        '{"type": "push", "data": {"version": 0, "updates": [{"clientID": "x", "changes": [999999]}]}}',
        '{"type": "pull", "data": {"version": -1}}',
        '{"type": "chat", "data": {"text": "hi"}}',
        '{"type": "cursor", "data": {"version": 0, "ranges": []}}',
        '{"type": "set_language", "data": {"language": "cobol"}}',
        "[" * 50_000 + "]" * 50_000,
        '{"type": "run_output", "data": {"stream": "stdout", "text": "x"}}',
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
            except (TimeoutError, Exception):
                reader.cancel()
            h.closes[ws.close_code] += 1

    await ready(h)
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
                    frame = (
                        '{"type":"push","data":{"version":%d,"updates":[{"clientID":"hostile-big","changes":%s}]}}'
                        % (version, changes)
                    )
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
    await ready(h)
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
    await ready(h)
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
                        frame = json.dumps(
                            {"type": "cursor", "data": {"version": max(0, version - back), "ranges": ranges}}
                        )
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
            except (TimeoutError, Exception):
                reader.cancel()
            h.closes[ws.close_code] += 1
            if ws.close_code == 4409:
                await asyncio.sleep(0.5)

    tasks = [one(n, greedy=(n == places - 1)) for n in range(places)]
    await ready(h)
    await asyncio.gather(*tasks)


# ---------------------------------------------------------------- the attacks of issue 15 (bounded work per message)


UPDATES_HEAD = re.compile(r'\{"type":"updates","data":\{"version":(\d+),')
CURSOR_PERIOD_S = 2.0  # (e): one cursor cost the old server ~1.1 s; faster, its backlog outlived the phase by minutes
PULL_SOCKETS = 4  # (g)
BIG_DOCUMENTS = 2  # (h)
RUNS, EMOJI_PER_RUN, EMOJI_PER_MESSAGE = 10, 200_000, 50_000  # (i): 200 KB of UTF-8 per run_output message
JOINERS = 2  # (i)
VERSION_SOCKETS = 2  # (j): the versions budget of a session is bigger than a connection's
SILENT_SOCKETS = 3 * MAX_PARTICIPANTS + 5  # (k): more than a session may hold
GUESS_SOCKETS = 4  # (l)
JUST_UNDER_MESSAGE_RATE = 1 / (MESSAGE_RATE * 0.95)  # seconds between messages


def frame(type_: str, data: dict) -> str:
    """A client frame as the page sends it: compact UTF-8 JSON."""
    return json.dumps({"type": type_, "data": data}, separators=(",", ":"), ensure_ascii=False)


def frame_type(data: str) -> str:
    """The type of a server frame, without decoding it (the server writes `{"type":"...` first)."""
    return data[9 : data.find('"', 9)] if data.startswith('{"type":"') else ""


def units(text: str) -> int:
    """Length in UTF-16 code units, as positions count."""
    return len(text.encode("utf-16-le")) // 2


def append(length: int, text: str) -> list:
    """A ChangeSet adding `text` at the end of a document `length` units long."""
    return [length, [0, text]] if length else [[0, text]]


def replace_at(position: int, length: int, text: str) -> list:
    """A ChangeSet replacing the unit at `position` with `text`."""
    rest = length - position - 1
    return ([position] if position else []) + [[1, text]] + ([rest] if rest else [])


def spread_inserts(length: int, every: int, text: str) -> list:
    """A ChangeSet inserting `text` after every `every` units of a document `length` long: many parts (< 10,000)."""
    parts, at = [], 0
    while at + every <= length and len(parts) < 9_990:
        parts += [every, [0, text]]
        at += every
    return parts + [length - at] if length > at else parts  # no empty retain: CodeMirror never writes one


class Member:
    """One hostile socket in a session: reads (and counts) all the server sends, follows the session's version,
    and queues the frames of the `keep` types for whoever waits for an answer. `length` is kept by the attack."""

    def __init__(self, ws: aiohttp.ClientWebSocketResponse, h: Hostile, state: dict, keep: tuple[str, ...]):
        self.ws, self.h, self.keep = ws, h, keep
        self.version, self.length = state["version"], units(state["code"])
        self.closing = False  # closed by the attack itself (its close code is then not the server's word)
        self.inbox: asyncio.Queue[tuple[str, str]] = asyncio.Queue()
        self.reader = asyncio.create_task(self._read())
        h.members.append(self)

    @classmethod
    async def join(
        cls,
        http,
        url: str,
        h: Hostile,
        hello: dict | None = None,
        keep: tuple[str, ...] = ("updates", "error", "push_rejected"),
    ) -> Member | None:
        """Connect (and say `hello` if given); None if the server refused the socket (its close code counted)."""
        ws = await connect(http, url, h)
        if ws is None:
            return None
        first = await ws.receive()
        if first.type != aiohttp.WSMsgType.TEXT or frame_type(first.data) != "session_state":
            if first.type == aiohttp.WSMsgType.TEXT:
                h.count_frame(first.data)
            await close_socket(ws, h)
            return None
        h.count_frame(first.data)
        member = cls(ws, h, json.loads(first.data)["data"], keep)
        if hello is not None:
            await member.send("hello", hello)
        return member

    @property
    def closed(self) -> bool:
        return self.ws.closed or self.reader.done()

    async def _read(self) -> None:
        try:
            async for message in self.ws:
                if message.type != aiohttp.WSMsgType.TEXT:
                    continue
                data = message.data
                self.h.count_frame(data)
                kind = frame_type(data)
                if kind == "updates":
                    self.version = max(self.version, int(UPDATES_HEAD.match(data)[1]) + data.count('"clientID":'))
                elif kind == "session_state":
                    self.version = json.loads(data)["data"]["version"]
                if kind in self.keep:
                    self.inbox.put_nowait((kind, data))
        except (ConnectionError, aiohttp.ClientError):
            pass
        self.h.closes["own" if self.closing else self.ws.close_code] += 1
        self.inbox.put_nowait(("closed", ""))

    async def send(self, type_: str, data: dict) -> bool:
        return await self.send_text(frame(type_, data))

    async def send_text(self, text: str) -> bool:
        """Send a frame; False if the socket is going (the server closed it, or the attack stopped)."""
        try:
            await self.ws.send_str(text)
        except (ConnectionError, RuntimeError, aiohttp.ClientError):
            abort(self.ws)  # the reader ends, and `closed` says so
            return False
        self.h.c["messages_sent"] += 1
        self.h.c["bytes_sent"] += len(text)
        return True

    async def wait_for(self, kinds: tuple[str, ...], timeout: float) -> tuple[str, str]:
        """The next kept frame of one of `kinds` (("closed", "") if the socket closes, ("timeout", "") after `timeout`)."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                kind, data = await asyncio.wait_for(self.inbox.get(), max(0.0, deadline - time.monotonic()))
            except TimeoutError:
                return "timeout", ""
            if kind in kinds or kind == "closed":
                return kind, data

    async def push(self, updates: list, rebase: bool = False, version: int | None = None, timeout: float = 120) -> str:
        """Push `updates` (at the version followed, or `version`) and wait: "ok" once the last of them comes back,
        else what answered instead (an error code, push_rejected, session_state, closed, timeout). A push the
        server delays (`rate_limited`) is waited for."""
        client_id = updates[-1]["clientID"]
        mine = f'"clientID":"{client_id}"'
        if not await self.send(
            "push",
            {
                "version": self.version if version is None else version,
                "updates": updates,
                **({"rebase": True} if rebase else {}),
            },
        ):
            return "closed"
        while True:
            kind, data = await self.wait_for(("updates", "error", "push_rejected", "session_state"), timeout)
            if kind == "updates" and data.startswith(mine, data.rfind('"clientID":"')):
                return "ok"
            if kind == "error":
                code = json.loads(data)["data"].get("code") or "error"
                if code == "rate_limited":
                    continue
                return code
            if kind != "updates":
                return kind

    async def close(self) -> None:
        self.closing = not self.reader.done()
        await close_socket(self.ws, self.h, self.reader)


async def close_socket(ws: aiohttp.ClientWebSocketResponse, h: Hostile, reader: asyncio.Task | None = None) -> None:
    """Close politely if the server lets us within 5 s (a long outbox may not), else drop the connection."""
    try:
        await asyncio.wait_for(ws.close(), 5)
    except (TimeoutError, ConnectionError, RuntimeError, aiohttp.ClientError):
        abort(ws)
    if reader is None:
        h.closes[ws.close_code] += 1
    else:
        try:
            await asyncio.wait_for(reader, 5)
        except (TimeoutError, Exception):
            reader.cancel()
    h.open.discard(ws)


async def must_push(member: Member, updates: list) -> None:
    """A push of the set-up: it must be accepted."""
    outcome = await member.push(updates)
    if outcome != "ok":
        raise RuntimeError(f"set-up push answered {outcome}")


async def grow(member: Member, count: int, chunk: int = 200_000) -> None:
    """Append `count` characters, in pushes of at most `chunk` (each under MAX_MESSAGE_BYTES)."""
    while count > 0:
        size = min(chunk, count)
        await must_push(member, [{"clientID": "grow", "changes": append(member.length, "z" * size)}])
        member.length += size
        count -= size


async def hostile_session(http, base: str, h: Hostile) -> tuple[str, str, str]:
    """A session of the attacker's own: (socket URL, host key, session id)."""
    async with http.post(base + "/api/sessions", json={"language": "python"}) as response:
        h.http[response.status] += 1
        body = await response.json(content_type=None)
    if response.status != 201:
        raise RuntimeError(f"POST /api/sessions answered {response.status}")
    return (
        base.replace("http", "ws", 1) + f"/ws/{body['session_id']}",
        body["host_url"].split("#host=")[1],
        body["session_id"],
    )


async def every(h: Hostile, period: float):
    """Yield every `period` seconds until the attack stops (after a slow step it goes on, it does not burst)."""
    next_at = time.monotonic()
    while not h.stop.is_set():
        yield
        next_at = max(next_at + period, time.monotonic() - period)
        await asyncio.sleep(max(0.0, next_at - time.monotonic()))


async def keep_connected(h: Hostile, join, work) -> None:
    """`await work(member)` on a member from `join()` until the attack stops, joining again whenever it closes."""
    while not h.stop.is_set():
        member = await join()
        if member is None:
            await asyncio.sleep(0.5)
            continue
        try:
            await work(member)
        except (ConnectionError, RuntimeError, aiohttp.ClientError):
            pass
        await member.close()


async def visit(http, url: str, h: Hostile, hello: dict, stay: float) -> dict:
    """A person joining: connect, say `hello`, and watch for `stay` s after `history` (10 s at most before it).
    What they got: their role, the history frame's size in bytes, an error code, the close code."""
    got = {"role": None, "history_bytes": None, "error": None, "closed": None}
    try:
        ws = await http.ws_connect(url, autoping=True, max_msg_size=0)
    except (aiohttp.ClientError, OSError) as exc:
        got["closed"] = f"connect failed: {type(exc).__name__}"
        return got
    await ws.send_str(frame("hello", hello))
    deadline = time.monotonic() + 10
    while (left := deadline - time.monotonic()) > 0:
        try:
            message = await ws.receive(left)
        except TimeoutError:
            break
        if message.type != aiohttp.WSMsgType.TEXT:
            got["closed"] = ws.close_code if ws.closed else str(message.type)
            break
        kind = frame_type(message.data)
        if kind == "welcome":
            got["role"] = json.loads(message.data)["data"]["role"]
        elif kind == "history":
            got["history_bytes"] = len(message.data.encode())
            deadline = time.monotonic() + stay
        elif kind == "error":
            got["error"] = json.loads(message.data)["data"].get("code")
    try:
        await asyncio.wait_for(ws.close(), 5)
    except (TimeoutError, ConnectionError, aiohttp.ClientError):
        abort(ws)
    return got


def count_visit(h: Hostile, who: str, got: dict) -> None:
    """A visit's outcome in the counters: `who`_visits, _welcomed, _got_history, _stayed, _history_bytes_max."""
    h.c[f"{who}_visits"] += 1
    h.c[f"{who}_welcomed"] += got["role"] is not None
    h.c[f"{who}_got_history"] += got["history_bytes"] is not None
    h.c[f"{who}_stayed"] += got["history_bytes"] is not None and got["closed"] is None
    h.c[f"{who}_history_bytes_max"] = max(h.c[f"{who}_history_bytes_max"], got["history_bytes"] or 0)
    if got["error"]:
        h.error_codes[f"{who}:{got['error']}"] += 1
    if got["closed"] is not None:
        h.closes[f"{who}:{got['closed']}"] += 1


async def attack_cursor_parts(http, base: str, h: Hostile, args) -> None:
    """(e) A cursor of 50 ranges at the end of the text, at a version before four updates of ~10,000 parts each,
    every 2 s, with a second participant to relay it to. The old cursor budget counted updates, not the parts in
    them, and mapping a position walks the parts before it: ~1.1 s of the loop per cursor."""
    url, _, _ = await hostile_session(http, base, h)
    pusher = await Member.join(http, url, h, hello={"name": "mapper"})
    await Member.join(http, url, h, hello={"name": "watcher"}, keep=())
    await grow(pusher, 30_000)
    old, end = pusher.version, pusher.length
    for _ in range(4):
        changes = spread_inserts(pusher.length, 6, "x")
        await must_push(pusher, [{"clientID": "e", "changes": changes}])
        pusher.length += sum(len(part[1]) for part in changes if isinstance(part, list))
    h.facts["parts_per_update"] = len(changes)
    cursor = frame("cursor", {"version": old, "ranges": [{"anchor": end - i - 1, "head": end - i} for i in range(50)]})
    pusher.keep = ()
    await ready(h)
    async for _ in every(h, CURSOR_PERIOD_S):
        if pusher.closed:
            return
        h.c["cursors_sent"] += await pusher.send_text(cursor)


async def attack_rebase_gathering(http, base: str, h: Hostile, args) -> None:
    """(f) The whole text deleted, then a push made before that deletion with `rebase: true`: 2,000 insertions of
    110 characters (~250 KB) that all land where the text was (gathering their text was quadratic)."""
    url, _, _ = await hostile_session(http, base, h)
    member = await Member.join(http, url, h)
    await ready(h)
    round_ = 0
    while not h.stop.is_set() and not member.closed:
        if member.length < 60_000:  # the first round, or after a refused stale push left the text empty
            await grow(member, 60_000 - member.length)
        stale, length = member.version, member.length
        changes = spread_inserts(length, length // 2000, "y" * 110)
        erased = await member.push([{"clientID": f"eraser{round_}", "changes": [[length]]}])
        if erased != "ok":
            h.note(f"deletion answered {erased}")
            break
        member.length = 0
        outcome = await member.push([{"clientID": f"stale{round_}", "changes": changes}], rebase=True, version=stale)
        h.c[f"stale_pushes_{outcome}"] += 1
        if outcome == "ok":
            member.length = sum(len(part[1]) for part in changes if isinstance(part, list))
        round_ += 1


async def attack_far_pulls(http, base: str, h: Hostile, args) -> None:
    """(g) `pull {version: 0}` in a loop, 4 sockets just under MESSAGE_RATE, on a session 3,000 versions long:
    each was answered with every update since the start."""
    url, _, _ = await hostile_session(http, base, h)
    builder = await Member.join(http, url, h)
    for _ in range(3):
        await must_push(builder, [{"clientID": "g", "changes": append(builder.length + i, "q")} for i in range(1000)])
        builder.length += 1000
    await builder.close()
    pull = frame("pull", {"version": 0})
    await ready(h)

    async def pull_again_and_again(member: Member) -> None:
        async for _ in every(h, JUST_UNDER_MESSAGE_RATE):
            if member.closed:
                return
            h.c["pulls_sent"] += await member.send_text(pull)

    await asyncio.gather(
        *(
            keep_connected(h, lambda: Member.join(http, url, h, keep=()), pull_again_and_again)
            for _ in range(PULL_SOCKETS)
        )
    )


async def attack_many_updates(http, base: str, h: Hostile, args) -> None:
    """(h) Pushes of 1,000 updates, each replacing one character, on documents of ~480 KB (2 sessions): every
    update used to copy the whole text."""
    members = []
    for _ in range(BIG_DOCUMENTS):
        url, _, _ = await hostile_session(http, base, h)
        members.append(member := await Member.join(http, url, h))
        await grow(member, 480_000 - member.length)
    await ready(h)

    async def push_loop(member: Member) -> None:
        round_ = 0
        while not h.stop.is_set() and not member.closed:
            letter = "wv"[round_ % 2]  # never the letter already there: every update changes the text
            round_ += 1
            outcome = await member.push(
                [{"clientID": "h", "changes": replace_at(i * 400, member.length, letter)} for i in range(1000)],
                rebase=True,
            )
            h.c[f"pushes_{outcome}"] += 1
            h.c["versions_created"] += 1000 * (outcome == "ok")

    await asyncio.gather(*(push_loop(member) for member in members))


async def attack_big_history(http, base: str, h: Hostile, args) -> None:
    """(i) Ten runs of 200,000 emoji of output each, then people joining two at a time (every other one with the
    session's host key), each staying 1 s after `history`: the history frame had every run's whole output."""
    url, key, _ = await hostile_session(http, base, h)
    runner = await Member.join(http, url, h, hello={"name": "runner"}, keep=("participants",))
    await runner.wait_for(("participants",), 30)
    text = "😀" * EMOJI_PER_MESSAGE
    for _ in range(RUNS):
        await runner.send("run_start", {"version": runner.version, "language": "python"})
        for _ in range(EMOJI_PER_RUN // EMOJI_PER_MESSAGE):
            await runner.send("run_output", {"stream": "stdout", "text": text})
        await runner.send("run_end", {"status": "ok", "duration_ms": 1000})
    await runner.send("set_name", {"name": "runner, done"})  # answered once every run before it was handled
    if (await runner.wait_for(("participants",), 150))[0] != "participants":
        h.note("the runs were not all handled within 150 s")
    await ready(h)

    async def join_again_and_again(number: int, visitors: aiohttp.ClientSession) -> None:
        attempt = 0
        while not h.stop.is_set():
            attempt += 1
            host = (attempt + number) % 2 == 0
            hello = {"name": "Interviewer", "host_key": key} if host else {"name": f"Late candidate {number}"}
            count_visit(h, "join", await visit(visitors, url, h, hello, stay=1.0))
            await asyncio.sleep(0.5)

    async with aiohttp.ClientSession(connector=connector(VISITOR_ADDRESS)) as visitors:
        await asyncio.gather(*(join_again_and_again(number, visitors) for number in range(JOINERS)))


async def attack_version_flood(http, base: str, h: Hostile, args) -> None:
    """(j) As many versions as 2 sockets get into one session: pushes of 1,000 updates, no-op ones (refused
    since: `noop_refused`) and ones replacing one character (each socket its own 1,000) in turn. The sockets take turns, one push in flight at
    the latest version (a 1,000-update push is too big to be rebased over another). Past 200,000 versions the
    log was compacted and the recording lost; afterwards: is GET .../history still answered?"""
    url, key, session_id = await hostile_session(http, base, h)
    members = [await Member.join(http, url, h) for _ in range(VERSION_SOCKETS)]
    await grow(members[0], 1000 * VERSION_SOCKETS)
    for member in members[1:]:
        member.length = members[0].length
    await ready(h)
    started, first = time.monotonic(), members[0].version
    turn = asyncio.Lock()

    async def count_at_stop() -> None:
        await h.stop.wait()
        created = max(member.version for member in members) - first
        h.facts.update(versions_created=created, versions_per_s=round(created / (time.monotonic() - started), 1))

    counting = asyncio.create_task(count_at_stop())

    async def flood(number: int, member: Member) -> None:
        round_ = 0
        while not h.stop.is_set() and not member.closed:
            if round_ % 2:
                updates = [{"clientID": f"j{number}", "changes": [member.length]}] * 1000
            else:
                letter = "ab"[round_ // 2 % 2]
                updates = [
                    {"clientID": f"j{number}", "changes": replace_at(1000 * number + i, member.length, letter)}
                    for i in range(1000)
                ]
            round_ += 1
            async with turn:
                outcome = await member.push(updates, rebase=True, version=max(m.version for m in members))
            h.c[f"pushes_{outcome}"] += 1

    await asyncio.gather(*(flood(number, member) for number, member in enumerate(members)))
    await counting
    try:
        async with http.get(
            base + f"/api/sessions/{session_id}/history",
            headers={"Authorization": f"Bearer {key}"},
            timeout=aiohttp.ClientTimeout(total=8),
        ) as response:
            h.facts["history_status"] = response.status
            await response.read()
    except (TimeoutError, aiohttp.ClientError) as exc:
        h.facts["history_status"] = repr(exc)


async def attack_silent_sockets(http, base: str, h: Hostile, args) -> None:
    """(k) 35 sockets that never say hello in one session (a closed or refused one is opened again within a
    second) while the session's host link tries to join every second: silent sockets used to fill the places."""
    url, key, _ = await hostile_session(http, base, h)

    async def stay_silent(member: Member) -> None:
        stopping = asyncio.create_task(h.stop.wait())
        await asyncio.wait({member.reader, stopping}, return_when=asyncio.FIRST_COMPLETED)
        stopping.cancel()
        if not h.stop.is_set():  # closed by the server: open another one a second later
            await asyncio.sleep(1.0)

    holders = [
        asyncio.create_task(keep_connected(h, lambda: Member.join(http, url, h, keep=()), stay_silent))
        for _ in range(SILENT_SOCKETS)
    ]
    deadline = time.monotonic() + 30
    while h.c["connects"] < SILENT_SOCKETS and time.monotonic() < deadline:
        await asyncio.sleep(0.1)
    await asyncio.sleep(1.0)
    h.facts["silent_sockets_open_at_start"] = sum(not member.closed for member in h.members)
    await ready(h)
    async with aiohttp.ClientSession(connector=connector(VISITOR_ADDRESS)) as visitors:
        async for _ in every(h, 1.0):
            open_now = sum(not member.closed for member in h.members)
            h.facts["silent_sockets_open_min"] = min(h.facts.get("silent_sockets_open_min", open_now), open_now)
            count_visit(h, "host", await visit(visitors, url, h, {"name": "Interviewer", "host_key": key}, stay=0.5))
    await asyncio.gather(*holders)


async def attack_host_key_guessing(http, base: str, h: Hostile, args) -> None:
    """(l) Hellos with wrong host keys from 4 sockets, each just under MESSAGE_RATE, joining again when closed:
    each guess used to be answered and logged, at up to 100 a second per socket."""
    url, _, _ = await hostile_session(http, base, h)
    await ready(h)

    async def guess(member: Member) -> None:
        async for _ in every(h, JUST_UNDER_MESSAGE_RATE):
            if member.closed:
                return
            h.c["guesses"] += await member.send("hello", {"name": "guesser", "host_key": secrets.token_urlsafe(24)})

    await asyncio.gather(
        *(keep_connected(h, lambda: Member.join(http, url, h, keep=()), guess) for _ in range(GUESS_SOCKETS))
    )


async def ready(h: Hostile) -> None:
    """Set up: tell the orchestrator, and wait for its go."""
    h.announced = True
    emit({"ready": True})
    await h.go.wait()


ATTACK_FUNCTIONS = {
    "a": attack_flood,
    "b": attack_big_pushes,
    "c": attack_sockets,
    "d": attack_chat_cursor,
    "e": attack_cursor_parts,
    "f": attack_rebase_gathering,
    "g": attack_far_pulls,
    "h": attack_many_updates,
    "i": attack_big_history,
    "j": attack_version_flood,
    "k": attack_silent_sockets,
    "l": attack_host_key_guessing,
}


async def hostile_main(args) -> None:
    base = f"http://127.0.0.1:{args.port}"
    h = Hostile()
    attack = ATTACK_FUNCTIONS[args.attack]
    commands = await stdin_lines()

    async def follow_commands() -> None:
        """`go` starts the attack; anything else (or the end of stdin) stops it."""
        while True:
            line = (await commands.readline()).decode().strip()
            h.go.set()
            if line != "go":
                h.stop.set()
                return

    def failed_before_ready(task: asyncio.Task) -> None:
        if not h.announced:  # the orchestrator still waits for "ready": say it, the failure goes in the result
            emit({"ready": True, "failed": repr(task.exception()) if not task.cancelled() else "cancelled"})

    waiter = asyncio.create_task(follow_commands())
    started = time.monotonic()
    async with aiohttp.ClientSession(
        connector=connector(HOSTILE_ADDRESS[args.attack]), timeout=aiohttp.ClientTimeout(total=None, sock_connect=10)
    ) as http:
        work = asyncio.create_task(attack(http, base, h, args))
        work.add_done_callback(failed_before_ready)
        await h.stop.wait()
        try:
            await asyncio.wait_for(asyncio.shield(work), 5)
        except TimeoutError:
            # Senders blocked by the server's back-pressure, or closes waiting behind a long outbox.
            h.c["sockets_aborted_at_stop"] = len(h.open)
            for ws in h.open:
                abort(ws)
            try:
                await asyncio.wait_for(work, 10)
            except TimeoutError:
                h.note("attack did not stop within 15 s; cancelled")
            except Exception as exc:
                h.note(f"attack failed: {exc!r}")
        except Exception as exc:  # report, never hide
            h.note(f"attack failed: {exc!r}")
        await asyncio.gather(*(member.close() for member in h.members))
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
    async def start(cls, argv: list[str]) -> Child:
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


async def server_loop_lag(http: aiohttp.ClientSession, base: str) -> float | None:
    """The worst event-loop lag (ms) over the server's last minute, from its own monitor (GET /api/health: the
    operator's token on a server that has one; a server of before OPERATOR_TOKEN shows it to anyone)."""
    try:
        async with http.get(base + "/api/health", headers=OPERATOR_HEADERS) as response:
            body = await response.json(content_type=None)
    except (TimeoutError, aiohttp.ClientError, OSError, ValueError):
        return None
    return (body.get("loop_lag_ms") or {}).get("max")


async def quiet_loop(base: str, timeout: float = 60) -> float | None:
    """Wait (at most `timeout` s) until the server's loop monitor holds no lag above LAG_QUIET_MS, so that a worst
    lag above that in the next phase is the phase's own; the worst lag still in the monitor's minute."""
    deadline = time.monotonic() + timeout
    async with aiohttp.ClientSession(
        connector=connector(PROBE_ADDRESS), timeout=aiohttp.ClientTimeout(total=10)
    ) as http:
        while True:
            lag = await server_loop_lag(http, base)
            if lag is None or lag <= LAG_QUIET_MS or time.monotonic() > deadline:
                return lag
            await asyncio.sleep(1.0)


class Probe:
    """What a newcomer and an operator see during a phase: new session + session_state time, /api/health time,
    and the server's own loop lag (the worst over its last minute, sampled every 0.5 s)."""

    def __init__(self, base: str):
        self.base = base
        self.join_ms: list[float] = []
        self.health_ms: list[float] = []
        self.lag_ms: list[float] = []
        self.failures: list[str] = []

    async def run(self, stop: asyncio.Event) -> None:
        await asyncio.gather(self.visit(stop), self.watch_lag(stop))

    async def watch_lag(self, stop: asyncio.Event) -> None:
        async with aiohttp.ClientSession(
            connector=connector(PROBE_ADDRESS), timeout=aiohttp.ClientTimeout(total=30)
        ) as http:
            while True:
                lag = await server_loop_lag(http, self.base)
                if lag is not None:
                    self.lag_ms.append(lag)
                if stop.is_set():  # the last sample is taken after the phase
                    return
                try:
                    await asyncio.wait_for(stop.wait(), 0.5)
                except TimeoutError:
                    pass

    async def visit(self, stop: asyncio.Event) -> None:
        async with aiohttp.ClientSession(
            connector=connector(PROBE_ADDRESS), timeout=aiohttp.ClientTimeout(total=30)
        ) as http:
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
                except (TimeoutError, aiohttp.ClientError, OSError) as exc:
                    self.failures.append(repr(exc))
                try:
                    await asyncio.wait_for(stop.wait(), 2.0)
                except TimeoutError:
                    pass


def dir_mib(path: str) -> float:
    return round(sum(f.stat().st_size for f in Path(path).iterdir() if f.is_file()) / 2**20, 1)


def log_since(path: Path, offset: int) -> dict:
    """The server's log records at WARNING or worse written after byte `offset`: how many, and of what kinds."""
    with open(path, "rb") as log:
        log.seek(offset)
        records = [
            line
            for line in log.read().decode(errors="replace").splitlines()
            if line[:4].isdigit() and any(f" {level} " in line for level in ("WARNING", "ERROR", "CRITICAL"))
        ]
    kinds = collections.Counter(line.split(": ", 1)[-1][:60] for line in records)
    return {"records": len(records), "kinds": dict(kinds.most_common(4))}


async def run_phase(
    name: str, seconds: float, server: subprocess.Popen, base: str, normal: Child, shared_session: str, args
) -> dict:
    hostile, setup, setup_started = None, {}, time.monotonic()
    if name in ATTACKS:
        nice = ["nice", "-n", str(args.hostile_nice)] if args.hostile_nice else []
        hostile = await Child.start(
            nice
            + [
                sys.executable,
                str(Path(__file__).resolve()),
                "--role",
                "hostile",
                "--attack",
                name,
                "--port",
                str(args.port),
                "--shared-session",
                shared_session,
                "--participants",
                str(args.participants),
                "--flood-sockets",
                str(args.flood_sockets),
                "--big-sessions",
                str(args.big_sessions),
                "--big-readers",
                str(args.big_readers),
                "--push-window",
                str(args.push_window),
                "--creators",
                str(args.creators),
            ]
        )
        try:
            setup = await hostile.read(240)  # set up (sockets open, sessions made, documents grown)
        except (TimeoutError, RuntimeError) as exc:  # measured all the same: the server's state is the news
            setup = {"failed": f"no ready within 240 s ({exc!r}): the server may still be busy with an earlier phase"}
        if "failed" in setup:
            print(f"phase {name}: the attack failed to set up: {setup['failed']}", file=sys.stderr, flush=True)
    setup_s = time.monotonic() - setup_started
    lag_at_start = await quiet_loop(base)
    log_offset = args.log_path.stat().st_size
    if hostile:
        await hostile.say("go")
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
        except (TimeoutError, RuntimeError) as exc:
            hostile_result = {"result": {"notes": [f"no result: {exc!r}"]}}
            hostile.process.kill()
        await hostile.process.wait()
    settle_started = time.monotonic()  # wait for the server to go quiet again (a backlog would spill over)
    while server.poll() is None and time.monotonic() - settle_started < 20:
        before = cpu_seconds(server.pid)
        await asyncio.sleep(1.0)
        if cpu_seconds(server.pid) - before < 0.3:
            break
    # the worst of the samples taken during the phase; a figure at or under LAG_QUIET_MS may be from before it
    lag_max = max(probe.lag_ms, default=None)
    return {
        "phase": name,
        "attack": ATTACKS.get(name, "none"),
        "setup_s": round(setup_s, 1),
        "setup_failed": setup.get("failed"),
        "measured_s": round(wall, 1),
        "cpu_pct": {key: round(100 * (cpu_after[key] - cpu_before[key]) / wall, 1) for key in pids},
        "machine_pct": {
            "busy": round(100 * (machine_after[0] - machine_before[0]) / machine_total, 1),
            "iowait": round(100 * (machine_after[2] - machine_before[2]) / machine_total, 1),
            # CPU used by processes that are not part of this benchmark (% of one core)
            "foreign_cpu_pct": round(100 * max(0.0, machine_busy_s - ours_s) / wall, 1),
            "loadavg_1m": float(Path("/proc/loadavg").read_text().split()[0]),
        },
        "data_dir_mib": dir_mib(args.data_dir),
        "server_rss_kib": {"start": rss_before, "max": rss_max, "end": rss_end},
        "server_loop_lag_ms": {"max": lag_max, "in_monitor_at_start": lag_at_start, "samples": len(probe.lag_ms)},
        "server_log": log_since(args.log_path, log_offset),
        "server_alive": server.poll() is None,
        "normal": normal_result,
        "hostile": hostile_result,
        "probe": {
            "health": latency_summary(probe.health_ms),
            "new_session_join": latency_summary(probe.join_ms),
            "failures": probe.failures[:5],
            "failure_count": len(probe.failures),
        },
        "server_settle_s": round(time.monotonic() - settle_started, 1),
    }


async def orchestrate(args) -> dict:
    data_dir = tempfile.mkdtemp(prefix="hostile-")
    args.port = free_port()
    args.data_dir = data_dir
    # Another checkout's server (--server-dir) runs as `python -m interview_server` there, as bench/load.py does.
    command = [sys.executable, "-m", "interview_server"] if args.server_dir else Server.command()
    log_path = args.log_path = Path(data_dir) / "server.log"
    server = subprocess.Popen(
        command + ["--store", "sqlite", "--data-dir", data_dir, "--port", str(args.port), "--log-level", "WARNING"],
        cwd=Path(args.server_dir or ROOT),
        stdout=open(log_path, "a"),
        stderr=subprocess.STDOUT,
        env={**os.environ, "OPERATOR_TOKEN": OPERATOR_TOKEN},
    )  # the probe's health has the counts
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
        normal = await Child.start(
            [
                sys.executable,
                str(Path(__file__).resolve()),
                "--role",
                "normal",
                "--port",
                str(args.port),
                "--sessions",
                str(args.sessions),
                "--participants",
                str(args.participants),
                "--seed",
                str(args.seed),
            ]
        )
        shared_session = (await normal.read(60))["sessions"][0]
        for name in args.phases.split(","):
            seconds = args.phase_seconds / 2 if name == "after" else args.phase_seconds
            print(
                f"phase {name} ({ATTACKS.get(name, 'normal load only')}) for {seconds:.0f} s ...",
                file=sys.stderr,
                flush=True,
            )
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
        "settings": {
            "phase_seconds": args.phase_seconds,
            "sessions": args.sessions,
            "participants": args.participants,
            "hostile_nice": args.hostile_nice,
            "flood_sockets": args.flood_sockets,
            "big_sessions": args.big_sessions,
            "big_readers": args.big_readers,
            "push_window": args.push_window,
            "creators": args.creators,
            "server_limits": "defaults",
            "cpus": os.cpu_count(),
            "server_dir": args.server_dir or None,
            "server_commit": server_commit(Path(args.server_dir or ROOT)),
        },
        "phases": phases,
        "server": {
            "alive_at_end": alive,
            "exit_code": exit_code,
            "log_warnings": sum(" WARNING " in line for line in records),
            "log_errors": sum(" ERROR " in line or " CRITICAL " in line for line in records),
            "log_first_errors": [line for line in records if " ERROR " in line or " CRITICAL " in line][:5],
            "log_warning_kinds": dict(
                collections.Counter(
                    line.split(": ", 1)[-1][:70] for line in records if " WARNING " in line
                ).most_common(6)
            ),
        },
    }


def server_commit(checkout: Path) -> str | None:
    """The commit the server ran from (with "+changes" when its checkout has uncommitted ones)."""
    try:
        commit = subprocess.run(
            ["git", "-C", str(checkout), "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "-C", str(checkout), "status", "--porcelain", "--untracked-files=no"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return None
    return commit + ("+changes" if dirty else "")


def ratio(value, base) -> str:
    if value is None or not base:
        return "-"
    return f"x{value / base:.1f}"


def format_row(phase: dict, baseline: dict) -> str:
    n, b = phase["normal"], baseline["normal"]
    c = n["check"]
    h = (phase["hostile"] or {}).get("result", {})
    hc = h.get("counters", {})
    ok = (
        not c["unconfirmed_chars"]
        and not c["sessions_diverged"]
        and not c["sessions_length_wrong"]
        and not n["counters"].get("unexpected_closes")
    )
    closes = ",".join(f"{k}:{v}" for k, v in sorted(h.get("close_codes", {}).items())) or "-"
    http = ",".join(f"{k}:{v}" for k, v in sorted(h.get("http_statuses", {}).items())) or "-"
    cpu = phase["cpu_pct"]
    return (
        f"{phase['phase']:>8} | {n['others']['p50_ms']!s:>6} {n['others']['p99_ms']!s:>7} {n['others']['max_ms']!s:>7}"
        f" {ratio(n['others']['p99_ms'], b['others']['p99_ms']):>6}"
        f" | {n['shared_session']['p50_ms']!s:>6} {n['shared_session']['p99_ms']!s:>7} {n['shared_session']['max_ms']!s:>7}"
        f" | {n['others']['n'] + n['shared_session']['n']:>6} {'yes' if ok else 'NO':>4}"
        f" | {cpu['server']:>5} {phase['server_rss_kib']['max'] // 1024:>5} {cpu['normal_gen']:>5} {cpu.get('hostile_gen', '-')!s:>5}"
        f" {phase['machine_pct']['busy']:>5} {phase['machine_pct']['foreign_cpu_pct']:>5} {phase['data_dir_mib']:>6}"
        f" | {phase['server_loop_lag_ms']['max']!s:>6} {phase['server_log']['records']:>5}"
        f" | {n['gen_lag_max_ms']:>6} {phase['probe']['health']['max_ms']!s:>6} {phase['probe']['new_session_join']['max_ms']!s:>7}"
        f" | {hc.get('messages_sent', '-')!s:>7} {hc.get('frames_received', '-')!s:>7} {hc.get('errors_received', '-')!s:>6}"
        f" closes {closes} http {http}"
    )


HEADER = (
    f"{'phase':>8} | {'p50':>6} {'p99':>7} {'max':>7} {'p99/bl':>6} | {'s0p50':>6} {'s0p99':>7} {'s0max':>7}"
    f" | {'edits':>6} {'ok':>4} | {'srvCPU':>5} {'RSSMB':>5} {'nCPU':>5} {'hCPU':>5} {'mach%':>5} {'frgn%':>5} {'dbMiB':>6}"
    f" | {'lagmx':>6} {'logs':>5} | {'nlag':>6} {'hlthmx':>6} {'joinmx':>7}"
    f" | {'h_sent':>7} {'h_recv':>7} {'h_err':>6}"
)


def report(result: dict) -> str:
    phases = result["phases"]
    lines = [
        "push -> seen by other participants, ms (sessions 1..N; s0 = session 0, shared with the hostile "
        "clients in phase d); edits = latency samples; ok = every edit confirmed, texts identical, no normal "
        "socket closed; CPU % of one core; mach% = all cores busy (100 = both), frgn% = CPU of processes outside this benchmark (% of one core); dbMiB = server's data dir; lagmx = the server's own worst event-loop lag (ms); logs = server log records at WARNING or worse; nlag = normal generator's worst loop lag (ms); hlthmx = worst GET /api/health (ms), joinmx = worst "
        "new-session create+join (ms); h_* = hostile messages sent, frames received, errors received",
        "",
        HEADER,
    ]
    lines += [format_row(phase, phases[0]) for phase in phases]
    lines.append("")
    for phase in phases:
        h = (phase["hostile"] or {}).get("result")
        n = phase["normal"]
        if h:
            lines.append(
                f"{phase['phase']}: {phase['attack']}: hostile {json.dumps(h['counters'])}; error codes "
                f"{json.dumps(h['error_codes'])}; closes {json.dumps(h['close_codes'])}; frames "
                f"{json.dumps(h.get('frames_by_type', {}))}; facts {json.dumps(h.get('facts', {}))}"
                + (f"; notes {h['notes'][:3]}" if h["notes"] else "")
            )
        if phase["server_log"]["records"]:
            lines.append(f"{phase['phase']}: server log {json.dumps(phase['server_log'])}")
        if n["errors"] or n["counters"].get("unexpected_closes") or phase["probe"]["failure_count"]:
            lines.append(
                f"{phase['phase']}: normal errors {n['errors'][:3]}, counters {n['counters']}, "
                f"probe failures {phase['probe']['failures'][:3]}"
            )
        lines.append(
            f"{phase['phase']}: own ack p50/p99/max {n['own_ack']['p50_ms']}/{n['own_ack']['p99_ms']}/"
            f"{n['own_ack']['max_ms']} ms, pushes {n['counters'].get('pushes', 0)}, rejected "
            f"{n['counters'].get('pushes_rejected', 0)}, settle {n['check']['settle_s']} s, "
            f"health max {phase['probe']['health']['max_ms']} ms, orchestrator CPU "
            f"{phase['cpu_pct']['orchestrator']}%, server settled {phase['server_settle_s']} s after"
        )
    s = result["server"]
    lines.append(
        f"server: alive at end {s['alive_at_end']}, exit {s['exit_code']}, log warnings {s['log_warnings']} "
        f"{json.dumps(s['log_warning_kinds'])}, errors {s['log_errors']} {s['log_first_errors'][:2]}"
    )
    return "\n".join(lines)


def passed(result: dict) -> bool:
    for phase in result["phases"]:
        c, n = phase["normal"]["check"], phase["normal"]
        if (
            c["unconfirmed_chars"]
            or c["sessions_diverged"]
            or c["sessions_length_wrong"]
            or n["counters"].get("unexpected_closes")
            or not phase["server_alive"]
        ):
            return False
    return result["server"]["alive_at_end"] and not result["server"]["log_errors"]


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--phase-seconds", type=float, default=30.0, help="seconds measured per phase (default 30)")
    parser.add_argument(
        "--phases",
        default=",".join(["baseline", *ATTACKS, "after"]),
        help="which phases, in order (default baseline,a,...,l,after; the first is the reference)",
    )
    parser.add_argument("--sessions", type=int, default=20, help="normal sessions (default 20)")
    parser.add_argument("--participants", type=int, default=3, help="people per normal session (default 3)")
    parser.add_argument(
        "--hostile-nice",
        type=int,
        default=0,
        help="run the hostile generator under nice -n N (default 0: it competes for CPU at full weight)",
    )
    parser.add_argument("--flood-sockets", type=int, default=6, help="(a) flooding sockets (default 6)")
    parser.add_argument(
        "--big-sessions", type=int, default=3, help="(b) hostile sessions with a big pusher (default 3)"
    )
    parser.add_argument("--big-readers", type=int, default=3, help="(b) hostile readers per such session (default 3)")
    parser.add_argument("--push-window", type=int, default=4, help="(b) pushes in flight per pusher (default 4)")
    parser.add_argument("--creators", type=int, default=4, help="(c) concurrent POST /api/sessions loops (default 4)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--server-dir",
        default="",
        help="run the server from another checkout (python -m interview_server there), e.g. a "
        "`git worktree` of an older commit, for before/after figures",
    )
    parser.add_argument(
        "--json",
        default=str(ROOT / "bench" / "results" / "hostile.json"),
        help="write the result here (default bench/results/hostile.json; '' for none)",
    )
    parser.add_argument(
        "--role", choices=["orchestrator", "normal", "hostile"], default="orchestrator", help=argparse.SUPPRESS
    )
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

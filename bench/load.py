"""Load benchmark: many sessions of people typing, over the real protocol, against each store.

Usage: .venv/bin/python bench/load.py [--stores memory,sqlite,redis] [--sessions 1000] [--participants 4]
       [--hot 50] [--seconds 60] [--warmup 10] [--workers 2]

For each store it starts `interview-server` (and, for redis, its own `redis-server`) on a free port,
creates `--sessions` sessions plus one "hot" session, and starts `--workers` generator processes
(this script with --worker) that open every participant's WebSocket and say `hello`, like the page:

- in each session one participant types like Etherpad's load test: 4 characters every 400 ms, sent
  as a real `push` at the version it holds, one push in flight, with `rebase: true` as the page sends
  (the server rebases a push that raced others; --no-rebase: it is rejected and pushed again), and a
  `cursor` after each confirmed push as the page sends;
- the others receive, move their cursor every 2-5 s and type 4 characters every 10-20 s;
- in the hot session all `--hot` participants type at the typist's rate at once.

Delivery latency is measured from the moment a push carrying an update is written to the moment
each other participant's generator reads that update (sender and receivers of a session live in
one generator process, so one clock). Also counted: pushes sent, accepted and rejected, errors,
resyncs; the server's CPU and RSS (sampled from /proc), RSS per idle connection (all connected,
nothing typed yet); each generator's own CPU and event-loop lag, to tell when the generator, not
the server, was the limit. Latency is also kept per 10 s window: a growing backlog shows as p99
rising window after window.

Prints one table for all stores; writes bench/results/load-<store>.json and bench/results/load.json.

Side by side with y-websocket (--compare): .venv/bin/python bench/load.py --compare [--targets sqlite,memory,y-websocket]
[--sizes 200,500,1000] [--seconds 20] [--warmup 3] [--drain 5]. For each size S and target it starts a fresh server
(interview-server with that store, its limits off; "redis-2": two of them on one redis-server, each session's
participants spread over both; or @y/websocket-server from bench/node) and runs the Node
generator (bench/node/load.mjs: S sessions x 4, one typist per session sending each character as its own edit at
10/s, the others receiving) against it: this server through the page's own sync core, y-websocket through its
client. The server's CPU comes from /proc over the measured window; prints one side-by-side table and writes
bench/results/compare.json.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import aiohttp

from common import OPERATOR_HEADERS, ROOT, Server, cpu_seconds, free_port, machine_busy_seconds, rss_bytes
from wsclient import connect

TICK_S = 0.4  # Etherpad's load-test typist: 4 characters every 400 ms
CHARS_PER_TICK = 4
TYPING = "for i in range(10):\n    print(i * i)\n"
OTHER_CURSOR_S = (2.0, 5.0)  # the others move their cursor now and then
OTHER_TYPING_S = (10.0, 20.0)  # and type a little now and then
WINDOW_S = 10  # latency per window, to see a backlog grow
BUCKETS_PER_MS = 10  # latency histogram resolution: 0.1 ms
MAX_PUSH_UPDATES = 50
CONNECT_CONCURRENCY = 64
SETTLE_S = 3.0  # after everyone connected, before measuring idle memory
DRAIN_S = 15.0  # after typing stops, how long unconfirmed edits may take to go through
TARGET_P99_MS = 10.0
TARGET_IDLE_KIB = 24.0


# ---------------------------------------------------------------- generator (one process)


class Histogram:
    """Latencies in 0.1 ms buckets: small to send between processes, exact to merge."""

    def __init__(self, counts: Counter | None = None):
        self.counts = counts or Counter()

    def add(self, ms: float) -> None:
        self.counts[int(ms * BUCKETS_PER_MS)] += 1

    def merge(self, other: Histogram) -> None:
        self.counts.update(other.counts)

    @property
    def n(self) -> int:
        return sum(self.counts.values())

    def percentile(self, fraction: float) -> float | None:
        total = self.n
        if not total:
            return None
        rank, seen = fraction * total, 0
        for bucket in sorted(self.counts):
            seen += self.counts[bucket]
            if seen >= rank:
                return (bucket + 1) / BUCKETS_PER_MS
        return None

    def max(self) -> float | None:
        return (max(self.counts) + 1) / BUCKETS_PER_MS if self.counts else None

    def to_json(self) -> dict:
        return {str(bucket): count for bucket, count in self.counts.items()}

    @classmethod
    def from_json(cls, data: dict) -> Histogram:
        return cls(Counter({int(bucket): count for bucket, count in data.items()}))


class Group:
    """What one kind of session (normal or hot) measured."""

    def __init__(self):
        self.reset()

    def reset(self) -> None:
        self.latency = Histogram()
        self.ack = Histogram()  # push -> own update back (the typist's confirmation)
        self.windows: dict[int, Histogram] = {}
        self.pushes = self.rejected = self.confirmed = self.typed = 0

    def to_json(self) -> dict:
        return {
            "latency": self.latency.to_json(),
            "ack": self.ack.to_json(),
            "windows": {str(k): v.to_json() for k, v in self.windows.items()},
            "pushes": self.pushes,
            "rejected": self.rejected,
            "confirmed": self.confirmed,
            "typed": self.typed,
        }


class Generator:
    """Every participant of some sessions, in one process."""

    def __init__(self, config: dict):
        self.config = config
        self.rng = random.Random(config["seed"])
        self.groups = {"normal": Group(), "hot": Group()}
        self.senders: dict[str, Participant] = {}
        self.participants: list[Participant] = []
        self.measuring = False
        self.typing = False
        self.rebase = config.get("rebase", True)  # as the page pushes (server-side rebase of stale pushes)
        self.window_start = 0.0
        self.errors: Counter = Counter()
        self.resyncs = self.gaps = self.closed = self.connect_failures = 0
        self.lag = Histogram()
        self.cpu_mark = 0.0
        self.time_mark = 0.0

    def record(self, group: Group, ms: float, now: float) -> None:
        if not self.measuring:
            return
        group.latency.add(ms)
        window = int((now - self.window_start) // WINDOW_S)
        group.windows.setdefault(window, Histogram()).add(ms)

    async def connect_all(self) -> None:
        config = self.config
        limit = asyncio.Semaphore(CONNECT_CONCURRENCY)
        worker = config["worker"]

        async def join(participant: Participant) -> None:
            async with limit:
                for attempt in range(5):
                    try:
                        await participant.connect(config["port"])
                        return
                    except (TimeoutError, OSError) as exc:
                        if attempt == 4:
                            self.connect_failures += 1
                            self.errors[f"connect: {exc!r}"[:120]] += 1
                        await asyncio.sleep(0.2 * (attempt + 1))

        for index, session_id in enumerate(config["sessions"]):
            for number in range(config["participants"]):
                role = "typist" if number == 0 else "other"
                self.participants.append(
                    Participant(self, self.groups["normal"], session_id, f"w{worker}s{index}p{number}", role)
                )
        if config["hot"]:
            for number in range(config["hot_participants"]):
                self.participants.append(
                    Participant(self, self.groups["hot"], config["hot"], f"w{worker}hot{number}", "typist")
                )
        for participant in self.participants:
            self.senders[participant.client_id] = participant
        await asyncio.gather(*(join(participant) for participant in self.participants))
        # Everyone connected has its session_state and has said hello once its welcome arrived.
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and not all(p.welcomed or p.closed for p in self.participants):
            await asyncio.sleep(0.05)

    def start_typing(self) -> None:
        self.typing = True
        loop = asyncio.get_running_loop()
        for participant in self.participants:
            participant.schedule(loop)

    def start_measuring(self) -> None:
        for group in self.groups.values():
            group.reset()
        self.lag = Histogram()
        self.errors.clear()
        self.measuring = True
        self.window_start = time.perf_counter()
        self.cpu_mark, self.time_mark = time.process_time(), time.perf_counter()

    async def stop_typing(self) -> dict:
        """Stop typing, let unconfirmed edits go through, and report."""
        self.typing = False
        cpu = time.process_time() - self.cpu_mark
        elapsed = time.perf_counter() - self.time_mark
        self.measuring = False
        started = time.perf_counter()
        while time.perf_counter() - started < DRAIN_S and any(p.pending for p in self.participants if not p.closed):
            await asyncio.sleep(0.05)
        unconfirmed = sum(len(p.pending) for p in self.participants if not p.closed)
        return {
            "groups": {name: group.to_json() for name, group in self.groups.items()},
            "cpu_s": cpu,
            "elapsed_s": elapsed,
            "lag": self.lag.to_json(),
            "drain_s": time.perf_counter() - started,
            "unconfirmed_after_drain": unconfirmed,
            "errors": dict(self.errors),
            "resyncs": self.resyncs,
            "gaps": self.gaps,
            "closed": self.closed,
            "connect_failures": self.connect_failures,
            "participants": len(self.participants),
        }

    async def watch_lag(self, period: float = 0.05) -> None:
        """How late the generator's own loop runs its timers: a busy generator shows here first."""
        while True:
            before = time.perf_counter()
            await asyncio.sleep(period)
            if self.measuring:
                self.lag.add(max(0.0, (time.perf_counter() - before - period) * 1000))

    def close_all(self) -> None:
        for participant in self.participants:
            participant.leave()


class Participant:
    """One WebSocket speaking the protocol. Tracks only the confirmed document length, which is all it
    needs to make valid ChangeSets (texts are ASCII, so a character is one UTF-16 unit)."""

    def __init__(self, generator: Generator, group: Group, session_id: str, client_id: str, role: str):
        self.generator = generator
        self.group = group
        self.session_id = session_id
        self.client_id = client_id
        self.role = role
        self.socket = None
        self.version: int | None = None
        self.length = 0
        self.pending: list[str] = []  # my updates not yet confirmed, oldest first
        self.in_flight = 0  # how many of them the push on the wire carries
        self.sent_at: list[float] = []  # my n-th update: when the latest push carrying it was written
        self.confirmed = 0
        self.seen: Counter = Counter()  # updates seen per other clientID
        self.typed = 0
        self.welcomed = False
        self.closed = False
        self.timers: list[asyncio.TimerHandle] = []

    async def connect(self, port: int) -> None:
        await connect(
            "127.0.0.1",
            port,
            f"/ws/{self.session_id}",
            self.on_text,
            self.on_close,
            on_created=lambda client: setattr(self, "socket", client),
        )

    def send(self, type_: str, data: dict) -> None:
        self.socket.send_text(json.dumps({"type": type_, "data": data}, separators=(",", ":")))

    # ------------------------------------------------------------ typing and cursors

    def schedule(self, loop: asyncio.AbstractEventLoop) -> None:
        rng = self.generator.rng
        if self.role == "typist":
            self.timers.append(loop.call_later(rng.uniform(0, TICK_S), self.type_tick, TICK_S))
        else:
            self.timers.append(loop.call_later(rng.uniform(0, OTHER_CURSOR_S[1]), self.cursor_tick))
            self.timers.append(loop.call_later(rng.uniform(*OTHER_TYPING_S), self.type_tick, None))

    def type_tick(self, period: float | None) -> None:
        if self.closed or not self.generator.typing:
            return
        start = (self.typed * CHARS_PER_TICK) % len(TYPING)
        self.pending.append((TYPING * 2)[start : start + CHARS_PER_TICK])
        self.typed += 1
        if self.generator.measuring:
            self.group.typed += 1
        self.push()
        delay = period if period is not None else self.generator.rng.uniform(*OTHER_TYPING_S)
        self.timers.append(asyncio.get_running_loop().call_later(delay, self.type_tick, period))
        if len(self.timers) > 8:
            self.timers = [timer for timer in self.timers if not timer.cancelled()][-4:]

    def cursor_tick(self) -> None:
        if self.closed or not self.generator.typing:
            return
        self.send_cursor(self.generator.rng.randint(0, self.length))
        self.timers.append(
            asyncio.get_running_loop().call_later(self.generator.rng.uniform(*OTHER_CURSOR_S), self.cursor_tick)
        )

    def send_cursor(self, position: int) -> None:
        if self.version is not None and not self.closed:
            self.send("cursor", {"version": self.version, "ranges": [{"anchor": position, "head": position}]})

    def push(self) -> None:
        """Push every unconfirmed update at my version (one push in flight at a time)."""
        if self.in_flight or not self.pending or self.version is None or self.closed:
            return
        rng, length, now = self.generator.rng, self.length, time.perf_counter()
        batch = self.pending[:MAX_PUSH_UPDATES]
        updates = []
        for offset, text in enumerate(batch):
            position = rng.randint(0, length)
            updates.append(
                {
                    "clientID": self.client_id,
                    "changes": [position, [0, *text.split("\n")], length - position]
                    if length > position
                    else [position, [0, *text.split("\n")]],
                }
            )
            length += len(text)
            index = self.confirmed + offset
            if index < len(self.sent_at):
                self.sent_at[index] = now
            else:
                self.sent_at.append(now)
        self.in_flight = len(batch)
        self.send("push", {"version": self.version, "updates": updates, "rebase": self.generator.rebase})
        if self.generator.measuring:
            self.group.pushes += 1

    # ------------------------------------------------------------ receiving

    def on_text(self, text: str) -> None:
        message = json.loads(text)
        type_, data = message["type"], message["data"]
        if type_ == "updates":
            self.on_updates(data)
        elif type_ == "push_rejected":
            self.in_flight = 0
            if self.generator.measuring:
                self.group.rejected += 1
            if self.version is not None and self.version >= data["version"]:
                self.push()
        elif type_ == "session_state":
            if self.version is not None:
                self.generator.resyncs += 1
            else:
                self.send("hello", {"name": self.client_id})
            self.version, self.length = data["version"], len(data["code"])
            self.in_flight = 0
            self.push()
        elif type_ == "welcome":
            self.welcomed = True
        elif type_ == "error":
            self.generator.errors[data.get("message", "")[:120]] += 1

    def on_updates(self, data: dict) -> None:
        if data["version"] != self.version:
            self.generator.gaps += 1
            self.send("pull", {"version": self.version})
            return
        now = time.perf_counter()
        generator = self.generator
        mine = 0
        for update in data["updates"]:
            self.length = length_after(update["changes"])
            sender_id = update["clientID"]
            if sender_id == self.client_id:
                ms = (now - self.sent_at[self.confirmed]) * 1000
                self.confirmed += 1
                mine += 1
                if generator.measuring:
                    self.group.ack.add(ms)
                    self.group.confirmed += 1
                continue
            sender = generator.senders.get(sender_id)
            if sender is not None:
                index = self.seen[sender_id]
                self.seen[sender_id] = index + 1
                generator.record(sender.group, (now - sender.sent_at[index]) * 1000, now)
        self.version += len(data["updates"])
        if mine:
            del self.pending[:mine]
            self.in_flight = max(0, self.in_flight - mine)
            if self.role == "typist" and not self.in_flight:
                self.send_cursor(min(self.length, self.generator.rng.randint(0, self.length)))
        self.push()

    def on_close(self, code: int | None) -> None:
        self.closed = True
        if self.generator.typing or self.generator.measuring:
            self.generator.closed += 1
            self.generator.errors[f"socket closed ({code})"] += 1

    def leave(self) -> None:
        for timer in self.timers:
            timer.cancel()
        if self.socket is not None and not self.closed:
            self.closed = True
            self.socket.close()


def length_after(changes: list) -> int:
    """The document's length after a ChangeSet (in its JSON form)."""
    length = 0
    for part in changes:
        if isinstance(part, int):
            length += part
        else:
            length += sum(len(line) for line in part[1:]) + max(0, len(part) - 2)
    return length


async def worker_main() -> None:
    """A generator process: reads its config and commands on stdin, writes JSON lines on stdout."""
    reader = asyncio.StreamReader()
    loop = asyncio.get_running_loop()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)

    def emit(obj: dict) -> None:
        sys.stdout.write(json.dumps(obj) + "\n")
        sys.stdout.flush()

    generator = Generator(json.loads(await reader.readline()))
    lag_watch = asyncio.create_task(generator.watch_lag())
    started = time.perf_counter()
    await generator.connect_all()
    emit(
        {
            "event": "connected",
            "participants": len(generator.participants),
            "failures": generator.connect_failures,
            "seconds": round(time.perf_counter() - started, 2),
        }
    )
    while True:
        command = (await reader.readline()).decode().strip()
        if command == "type":
            generator.start_typing()
        elif command == "measure":
            generator.start_measuring()
        elif command == "stop":
            emit({"event": "result", **(await generator.stop_typing())})
        elif command in ("quit", ""):
            generator.close_all()
            await asyncio.sleep(0.5)
            lag_watch.cancel()
            return


# ---------------------------------------------------------------- orchestration (the main process)


class Worker:
    def __init__(self, process: asyncio.subprocess.Process):
        self.process = process

    async def command(self, text: str) -> None:
        self.process.stdin.write(text.encode() + b"\n")
        await self.process.stdin.drain()

    async def read(self, timeout: float = 300) -> dict:
        line = await asyncio.wait_for(self.process.stdout.readline(), timeout)
        if not line:
            raise SystemExit(f"a generator process died (exit {await self.process.wait()})")
        return json.loads(line)


def split_sessions(
    sessions: list[str], hot: str | None, hot_participants: int, participants: int, workers: int
) -> list[dict]:
    """Give each generator process whole sessions, balancing frames received (~ typists x participants)."""
    shares = [{"sessions": [], "hot": None, "weight": 0.0} for _ in range(workers)]
    if hot:
        shares[0]["hot"] = hot
        shares[0]["weight"] = hot_participants * hot_participants
    normal_weight = participants * 1.5
    for session_id in sessions:
        lightest = min(shares, key=lambda share: share["weight"])
        lightest["sessions"].append(session_id)
        lightest["weight"] += normal_weight
    return shares


async def run_store(store: str, args) -> dict:
    data_dir = tempfile.mkdtemp(prefix=f"load-{store}-")
    cap = max(args.participants, args.hot) + 1
    other_checkout = [sys.executable, "-m", "interview_server"] if args.server_dir else None
    server = Server(
        store,
        data_dir,
        command=other_checkout,
        cwd=Path(args.server_dir or ROOT),
        extra_args=("--max-participants", str(cap), "--log-level", "WARNING"),
        env={"EVENT_LOOP": args.event_loop} if args.event_loop else None,
    )
    workers: list[Worker] = []
    try:
        async with aiohttp.ClientSession() as http:
            await server.start(http)
            pid = server.process.pid
            base = f"http://127.0.0.1:{server.port}"
            rss_started = rss_bytes(pid)
            sessions = await create_sessions(http, base, args.sessions + (1 if args.hot else 0))
            hot = sessions.pop() if args.hot else None
            rss_sessions = rss_bytes(pid)
            shares = split_sessions(sessions, hot, args.hot, args.participants, args.workers)
            connect_started = time.perf_counter()
            for number, share in enumerate(shares):
                process = await asyncio.create_subprocess_exec(
                    sys.executable,
                    str(Path(__file__).resolve()),
                    "--worker",
                    cwd=ROOT,
                    stdin=asyncio.subprocess.PIPE,
                    stdout=asyncio.subprocess.PIPE,
                    limit=2**26,
                )
                worker = Worker(process)
                workers.append(worker)
                await worker.command(
                    json.dumps(
                        {
                            "worker": number,
                            "port": server.port,
                            "sessions": share["sessions"],
                            "hot": share["hot"],
                            "hot_participants": args.hot,
                            "participants": args.participants,
                            "seed": args.seed + number,
                            "rebase": not args.no_rebase,
                        }
                    )
                )
            connected = [await worker.read() for worker in workers]
            connect_s = time.perf_counter() - connect_started
            await asyncio.sleep(SETTLE_S)
            connections = sum(item["participants"] - item["failures"] for item in connected)
            health_idle = await health(http, base)
            rss_idle = rss_bytes(pid)
            print(
                f"  {store}: {connections} connections in {connect_s:.1f} s; RSS {rss_started / 2**20:.1f} MiB "
                f"started, {rss_sessions / 2**20:.1f} with {len(sessions) + bool(hot)} sessions, "
                f"{rss_idle / 2**20:.1f} connected",
                flush=True,
            )
            for worker in workers:
                await worker.command("type")
            await asyncio.sleep(args.warmup)
            worker_pids = [worker.process.pid for worker in workers]
            cpu_before = cpu_seconds(pid), [cpu_seconds(p) for p in worker_pids]
            for worker in workers:
                await worker.command("measure")
            measure_started = time.perf_counter()
            rss_samples = []
            while time.perf_counter() - measure_started < args.seconds:
                await asyncio.sleep(1)
                rss_samples.append(rss_bytes(pid))
            elapsed = time.perf_counter() - measure_started
            cpu_after = cpu_seconds(pid), [cpu_seconds(p) for p in worker_pids]
            health_busy = await health(http, base)
            for worker in workers:
                await worker.command("stop")
            results = [await worker.read() for worker in workers]
            for worker in workers:
                await worker.command("quit")
            await asyncio.gather(*(worker.process.wait() for worker in workers))
            workers.clear()
            problems = server.log_problems()
        return summarise(
            store,
            args,
            results,
            {
                "connections": connections,
                "connect_s": round(connect_s, 1),
                "sessions": len(sessions),
                "hot_participants": args.hot if hot else 0,
                "measured_s": round(elapsed, 1),
                "server_cpu_pct": round(100 * (cpu_after[0] - cpu_before[0]) / elapsed, 1),
                "generator_cpu_pct": [
                    round(100 * (a - b) / elapsed, 1) for a, b in zip(cpu_after[1], cpu_before[1], strict=True)
                ],
                "rss_started_mib": round(rss_started / 2**20, 1),
                "rss_sessions_mib": round(rss_sessions / 2**20, 1),
                "rss_idle_mib": round(rss_idle / 2**20, 1),
                "idle_kib_per_connection": round((rss_idle - rss_sessions) / 1024 / max(1, connections), 1),
                "rss_busy_max_mib": round(max(rss_samples) / 2**20, 1) if rss_samples else None,
                "health_idle": health_idle,
                "health_busy": health_busy,
                "server_log_problems": problems[:10],
            },
        )
    finally:
        for worker in workers:
            if worker.process.returncode is None:
                worker.process.kill()
        server.stop()
        shutil.rmtree(data_dir, ignore_errors=True)


async def create_sessions(http: aiohttp.ClientSession, base: str, count: int) -> list[str]:
    limit = asyncio.Semaphore(32)

    async def one() -> str:
        async with limit, http.post(f"{base}/api/sessions", json={}) as response:
            response.raise_for_status()
            return (await response.json())["session_id"]

    return list(await asyncio.gather(*(one() for _ in range(count))))


async def health(http: aiohttp.ClientSession, base: str) -> dict:
    async with http.get(f"{base}/api/health", headers=OPERATOR_HEADERS) as response:
        return await response.json()


def summarise(store: str, args, results: list[dict], measured: dict) -> dict:
    groups = {}
    for name in ("normal", "hot"):
        latency, ack, lag = Histogram(), Histogram(), Histogram()
        windows: dict[int, Histogram] = {}
        counts = Counter()
        for result in results:
            group = result["groups"][name]
            latency.merge(Histogram.from_json(group["latency"]))
            ack.merge(Histogram.from_json(group["ack"]))
            for key, value in group["windows"].items():
                windows.setdefault(int(key), Histogram()).merge(Histogram.from_json(value))
            counts.update({key: group[key] for key in ("pushes", "rejected", "confirmed", "typed")})
        if not latency.n and not counts["typed"]:
            continue
        groups[name] = {
            "deliveries": latency.n,
            "p50_ms": latency.percentile(0.5),
            "p99_ms": latency.percentile(0.99),
            "max_ms": latency.max(),
            "ack_p50_ms": ack.percentile(0.5),
            "ack_p99_ms": ack.percentile(0.99),
            "window_p99_ms": [windows[key].percentile(0.99) for key in sorted(windows)],
            **counts,
            "updates_per_s": round(counts["confirmed"] / measured["measured_s"], 1),
        }
    lag = Histogram()
    for result in results:
        lag.merge(Histogram.from_json(result["lag"]))
    generator_saturated = any(pct >= 90 for pct in measured["generator_cpu_pct"]) or (lag.percentile(0.99) or 0) > 20
    return {
        "store": store,
        "config": {
            "sessions": args.sessions,
            "participants": args.participants,
            "hot": args.hot,
            "seconds": args.seconds,
            "warmup": args.warmup,
            "workers": args.workers,
            "event_loop": args.event_loop or "default",
            "server_dir": args.server_dir,
            "rebase": not args.no_rebase,
        },
        **measured,
        "groups": groups,
        "generator_lag_p99_ms": lag.percentile(0.99),
        "generator_lag_max_ms": lag.max(),
        # the server's own event-loop lag over the last minute of the measured window (GET /api/health)
        "server_loop_lag_ms": measured["health_busy"].get("loop_lag_ms"),
        "generator_saturated": generator_saturated,
        "errors": sum((Counter(result["errors"]) for result in results), Counter()),
        "resyncs": sum(result["resyncs"] for result in results),
        "gaps": sum(result["gaps"] for result in results),
        "unconfirmed_after_drain": sum(result["unconfirmed_after_drain"] for result in results),
        "drain_s": round(max(result["drain_s"] for result in results), 2),
        "connect_failures": sum(result["connect_failures"] for result in results),
    }


def table(summaries: list[dict]) -> str:
    header = (
        f"{'store':7} {'conns':>6} {'group':6} {'upd/s':>7} {'p50':>6} {'p99':>6} {'max':>7} {'rej %':>6} "
        f"{'srv CPU':>8} {'gen CPU':>13} {'idle KiB/conn':>13} {'RSS busy':>9} {'backlog':>8}"
    )
    lines = [header, "-" * len(header)]
    for summary in summaries:
        for name, group in summary["groups"].items():
            rejected = 100 * group["rejected"] / max(1, group["pushes"])
            backlog = "none" if summary["unconfirmed_after_drain"] == 0 and _flat(group["window_p99_ms"]) else "GROWING"
            lines.append(
                f"{summary['store']:7} {summary['connections']:>6} {name:6} {group['updates_per_s']:>7} "
                f"{_ms(group['p50_ms'])} {_ms(group['p99_ms'])} {_ms(group['max_ms'], 7)} {rejected:>5.1f}% "
                f"{summary['server_cpu_pct']:>7}% {'+'.join(f'{p:.0f}' for p in summary['generator_cpu_pct']) + '%':>13} "
                f"{summary['idle_kib_per_connection']:>13} {summary['rss_busy_max_mib']:>7} M {backlog:>8}"
            )
    lines.append("")
    lines.append(
        f"latency in ms, from a push written to each other participant reading the update (target p99 <= "
        f"{TARGET_P99_MS:g} ms); idle memory target <= {TARGET_IDLE_KIB:g} KiB per connection"
    )
    for summary in summaries:
        flags = []
        if summary["generator_saturated"]:
            flags.append(f"GENERATOR SATURATED (loop lag p99 {summary['generator_lag_p99_ms']} ms)")
        if summary["errors"]:
            flags.append(f"errors: {dict(summary['errors'])}")
        for key in ("resyncs", "gaps", "connect_failures", "unconfirmed_after_drain"):
            if summary[key]:
                flags.append(f"{key}: {summary[key]}")
        if summary["server_log_problems"]:
            flags.append(f"server log: {summary['server_log_problems'][:2]}")
        windows = {name: group["window_p99_ms"] for name, group in summary["groups"].items()}
        lines.append(
            f"{summary['store']}: p99 per {WINDOW_S} s window {windows}; loop lag p99: server "
            f"{(summary['server_loop_lag_ms'] or {}).get('p99')} ms, generator {summary['generator_lag_p99_ms']} ms; "
            f"{'; '.join(flags) if flags else 'no errors'}"
        )
    return "\n".join(lines)


def _ms(value: float | None, width: int = 6) -> str:
    return f"{value:>{width}.1f}" if value is not None else f"{'-':>{width}}"


def _flat(windows: list[float | None]) -> bool:
    """No backlog: the last window's p99 is not far above the first's."""
    values = [value for value in windows if value is not None]
    return len(values) < 2 or values[-1] <= max(2 * values[0], values[0] + 5)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--stores", default="memory,sqlite,redis")
    parser.add_argument("--sessions", type=int, default=1000)
    parser.add_argument("--participants", type=int, default=4)
    parser.add_argument("--hot", type=int, default=50, help="participants of the hot session (0: none)")
    parser.add_argument(
        "--seconds", type=float, default=None, help="measured time, after the warm-up (60; --compare: 20)"
    )
    parser.add_argument("--warmup", type=float, default=None, help="(10; --compare: 3)")
    parser.add_argument(
        "--workers", type=int, default=2, help="generator processes (--compare: threads of the Node generator)"
    )
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--no-rebase",
        action="store_true",
        help="push without rebase: true (stale pushes are rejected and re-pushed; an issue-2 client)",
    )
    parser.add_argument("--event-loop", default="", help="the server's EVENT_LOOP (default: its own default)")
    parser.add_argument(
        "--server-dir",
        default="",
        help="run the server from another checkout (python -m interview_server there), e.g. a "
        "`git worktree` of an older commit, for before/after figures",
    )
    parser.add_argument("--results", default=str(ROOT / "bench" / "results"))
    compare = parser.add_argument_group("side by side with y-websocket (--compare)")
    compare.add_argument(
        "--compare",
        action="store_true",
        help="run the Node generator (bench/node/load.mjs) against each --targets for each --sizes",
    )
    compare.add_argument("--targets", default="sqlite,memory,y-websocket", help=f"any of {','.join(COMPARE_TARGETS)}")
    compare.add_argument("--sizes", default="200,500,1000", help="sessions (x --participants) per run")
    compare.add_argument(
        "--drain", type=float, default=5, help="seconds after typing stops at which the undelivered fraction is counted"
    )
    compare.add_argument(
        "--settle", type=float, default=60, help="then how long every participant may take to hold the typist's text"
    )
    compare.add_argument("--no-cursors", action="store_true", help="typists send no cursor / awareness updates")
    compare.add_argument(
        "--wait-quiet",
        type=float,
        default=0,
        help="a shared machine: before each run wait up to this many seconds for the rest of the "
        "machine to be idle, and run again (up to 3 times) when it was busy during the run",
    )
    args = parser.parse_args(argv)
    args.seconds = args.seconds if args.seconds is not None else (20 if args.compare else 60)
    args.warmup = args.warmup if args.warmup is not None else (3 if args.compare else 10)
    return args


async def main_async(args) -> list[dict]:
    summaries = []
    for store in args.stores.split(","):
        print(
            f"{store}: {args.sessions} sessions x {args.participants} + hot {args.hot}, "
            f"{args.warmup:g} s warm-up, {args.seconds:g} s measured",
            flush=True,
        )
        summary = await run_store(store, args)
        summaries.append(summary)
        Path(args.results).mkdir(parents=True, exist_ok=True)
        Path(args.results, f"load-{store}.json").write_text(json.dumps(summary, indent=1) + "\n")
    return summaries


def main(argv: list[str] | None = None) -> int:
    if argv is None and "--worker" in sys.argv[1:]:
        _use_uvloop()
        asyncio.run(worker_main())
        return 0
    args = parse_args(argv)
    if args.compare:
        return compare_main(args)
    summaries = asyncio.run(main_async(args))
    print()
    print(table(summaries))
    Path(args.results, "load.json").write_text(json.dumps({"summaries": summaries}, indent=1) + "\n")
    return 0


# ---------------------------------------------------------------- side by side with y-websocket (--compare)


NODE_DIR = ROOT / "bench" / "node"
Y_SERVER = NODE_DIR / "node_modules" / "@y" / "websocket-server" / "src" / "server.js"
COMPARE_TARGETS = {
    "sqlite": "this server, SQLite store (default)",
    "memory": "this server, memory store",
    "redis": "this server, Redis store",
    "redis-2": "this server, two instances on one Redis (each session's participants on both)",
    "y-websocket": "y-websocket (Yjs, Node, no persistence)",
}
# Every limit off: one address opens thousands of sockets, each typist adds 10 versions a second.
COMPARE_SERVER_FLAGS = ("--version-rate", "0", "--max-participants", "0")


class YWebsocketServer:
    """@y/websocket-server (bench/node's bench-only dependency) in its own Node process, no persistence."""

    def __init__(self, data_dir: str):
        self.port = free_port()
        self.log_path = Path(data_dir) / "y-websocket.log"
        self.process: subprocess.Popen | None = None
        self.redis = None

    async def start(self, http: aiohttp.ClientSession, timeout: float = 20) -> None:
        log = open(self.log_path, "a")
        self.process = subprocess.Popen(
            ["node", str(Y_SERVER)],
            cwd=NODE_DIR,
            stdout=log,
            stderr=subprocess.STDOUT,
            env={**os.environ, "HOST": "127.0.0.1", "PORT": str(self.port)},
        )
        await Server._wait_for_port(self.port, timeout)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()


def ensure_node_deps() -> None:
    """The generator needs the page's modules (root node_modules) and bench/node's own dependencies."""
    if shutil.which("node") is None:
        raise SystemExit("--compare needs Node.js (node) on PATH")
    if not (ROOT / "node_modules" / "@codemirror" / "collab").exists():
        raise SystemExit("--compare imports the page's sync core: run `npm ci` in the repository first")
    if not Y_SERVER.exists():
        print("installing bench/node's dependencies (npm ci --prefix bench/node)", flush=True)
        subprocess.run(["npm", "ci", "--prefix", str(NODE_DIR), "--no-audit", "--no-fund"], check=True)


async def compare_one(target: str, sessions: int, args) -> dict:
    """A fresh server for `target`, the Node generator against it, the server's CPU over the measured window."""
    data_dir = tempfile.mkdtemp(prefix=f"compare-{target}-")
    if target == "y-websocket":
        server = YWebsocketServer(data_dir)
        url, kind = f"ws://127.0.0.1:{server.port}", "y-websocket"
    else:
        other_checkout = [sys.executable, "-m", "interview_server"] if args.server_dir else None
        store = target.removesuffix("-2")
        server = Server(
            store, data_dir, command=other_checkout, cwd=Path(args.server_dir or ROOT), extra_args=COMPARE_SERVER_FLAGS
        )
        url, kind = f"http://127.0.0.1:{server.port}", "ours"
    second = None  # "redis-2": a second instance on the first one's redis-server
    if target == "redis-2":
        second_dir = tempfile.mkdtemp(prefix="compare-redis-2-", dir=data_dir)
        second = Server(
            "redis",
            second_dir,
            command=other_checkout,
            cwd=Path(args.server_dir or ROOT),
            extra_args=COMPARE_SERVER_FLAGS,
            redis_url=f"redis://127.0.0.1:{server.redis_port}/0",
        )
        url += f",http://127.0.0.1:{second.port}"
    generator = None
    stderr_path = Path(data_dir) / "generator.log"
    try:
        async with aiohttp.ClientSession() as http:
            await server.start(http)
            pids = {"server": server.process.pid}
            if second is not None:
                await second.start(http)
                pids["second"] = second.process.pid
            if server.redis is not None:
                pids["redis"] = server.redis.pid
            with open(stderr_path, "w") as stderr:
                generator = await asyncio.create_subprocess_exec(
                    "node",
                    str(NODE_DIR / "load.mjs"),
                    "--kind",
                    kind,
                    "--url",
                    url,
                    "--sessions",
                    str(sessions),
                    "--participants",
                    str(args.participants),
                    "--seconds",
                    str(args.seconds),
                    "--warmup",
                    str(args.warmup),
                    "--drain",
                    str(args.drain),
                    "--settle",
                    str(args.settle),
                    "--workers",
                    str(args.workers),
                    *(["--no-cursors"] if args.no_cursors else []),
                    cwd=ROOT,
                    stdout=asyncio.subprocess.PIPE,
                    stderr=stderr,
                    limit=2**24,
                )
                pids["generator"] = generator.pid
                marks: dict[str, dict] = {}
                server_lag = None
                events: dict[str, dict] = {}
                rss_max = 0
                while True:
                    try:
                        line = await asyncio.wait_for(
                            generator.stdout.readline(), 60 + sessions / 5 + args.seconds + args.settle
                        )
                    except TimeoutError:
                        raise SystemExit(f"{target} S={sessions}: the generator went silent") from None
                    if not line:
                        raise SystemExit(
                            f"{target} S={sessions}: the generator exited "
                            f"({await generator.wait()}):\n{stderr_path.read_text()[-3000:]}"
                        )
                    event = json.loads(line)
                    events[event["event"]] = event
                    if event["event"] in ("measuring", "stopped"):
                        marks[event["event"]] = {
                            "time": time.perf_counter(),
                            "busy": machine_busy_seconds(),
                            **{name: cpu_seconds(pid) for name, pid in pids.items()},
                        }
                        rss_max = max(rss_max, rss_bytes(pids["server"]))
                    if event["event"] == "stopped" and kind == "ours":
                        # The server's own event-loop lag over the last minute (mostly the measured window).
                        server_lag = (await health(http, url.split(",")[0])).get("loop_lag_ms")
                    if event["event"] == "connected":
                        print(
                            f"  {target} S={sessions}: {event['connections']} connections in {event['seconds']} s"
                            + (f", {event['failures']} FAILED" if event["failures"] else ""),
                            flush=True,
                        )
                    if event["event"] == "result":
                        break
                await generator.wait()
            generator_log = stderr_path.read_text()
    finally:
        if generator is not None and generator.returncode is None:
            generator.kill()
        if second is not None:
            second.stop()
        server.stop()
        problems = server.log_problems() if isinstance(server, Server) else []
        problems += second.log_problems() if second is not None else []
        shutil.rmtree(data_dir, ignore_errors=True)
    result = events["result"]
    elapsed = marks["stopped"]["time"] - marks["measuring"]["time"]
    cpu = {name: marks["stopped"][name] - marks["measuring"][name] for name in pids}
    server_cpu = cpu["server"] + cpu.get("second", 0.0) + cpu.get("redis", 0.0)
    edits = max(1, result["edits"])
    other = marks["stopped"]["busy"] - marks["measuring"]["busy"] - sum(cpu.values())
    return {
        "target": target,
        "label": COMPARE_TARGETS[target],
        "sessions": sessions,
        "participants": args.participants,
        "measured_s": round(elapsed, 1),
        "edits": result["edits"],
        "edits_per_s": result["edits_per_s"],
        "p50_ms": result["p50_ms"],
        "p99_ms": result["p99_ms"],
        "max_ms": result["max_ms"],
        "deliveries": result["deliveries"],
        "deliveries_expected": result["deliveries_expected"],
        "undelivered_pct": result["undelivered_pct"],
        "drain_s": args.drain,
        "converged_sessions": result["converged_sessions"],
        "mismatched": result["mismatched"],
        "server_cpu_pct": round(100 * server_cpu / elapsed, 1),
        "redis_cpu_pct": round(100 * cpu["redis"] / elapsed, 1) if "redis" in cpu else None,
        "server_cpu_us_per_edit": round(1e6 * server_cpu / edits, 1),
        "server_rss_mib": round(rss_max / 2**20, 1),
        "cursor_on_push": result.get("cursor_on_push"),
        "frames_per_edit": {"out": round(result["frames_out"] / edits, 2), "in": round(result["frames_in"] / edits, 2)},
        "server_loop_lag_ms": server_lag,
        "generator_cpu_pct": round(100 * cpu["generator"] / elapsed, 1),
        "generator_lag_p99_ms": result["generator"]["lag_p99_ms"],
        "generator_saturated": result["generator"]["saturated"],
        # Busy CPU of the whole machine in the window that was neither the server nor the generator.
        "other_cpu_pct": round(100 * max(0.0, other) / elapsed, 1),
        "loadavg_after": [round(value, 2) for value in os.getloadavg()],
        "errors": result["errors"],
        "closed_sockets": result["closed_sockets"],
        "connect_failures": result["connect_failures"],
        "server_log_problems": problems[:5],
        "generator_summary": generator_log.strip().splitlines()[-1:] if generator_log.strip() else [],
    }


def compare_table(runs: list[dict]) -> str:
    """Targets as rows, one column group per size (the issue's table), then every run in detail."""
    sizes = sorted({run["sessions"] for run in runs})
    targets = list(dict.fromkeys(run["target"] for run in runs))
    by_key = {(run["target"], run["sessions"]): run for run in runs}
    head = "| server | " + " | ".join(f"S={size} p50 / p99 ms | CPU | µs/edit | undeliv." for size in sizes) + " |"
    lines = [head, "|---" * (1 + 4 * len(sizes)) + "|"]
    for target in targets:
        cells = [COMPARE_TARGETS[target]]
        for size in sizes:
            run = by_key.get((target, size))
            if run is None:
                cells += ["-"] * 4
                continue
            cells += [
                f"{_num(run['p50_ms'])} / {_num(run['p99_ms'])}",
                f"{run['server_cpu_pct']:.0f} %",
                f"{run['server_cpu_us_per_edit']:.0f}",
                f"{run['undelivered_pct']:g} %",
            ]
        lines.append("| " + " | ".join(cells) + " |")
    lines.append("")
    header = (
        f"{'S':>5} {'target':12} {'edits/s':>8} {'p50':>8} {'p99':>8} {'max':>8} {'srv CPU':>8} {'µs/edit':>8} "
        f"{'undeliv':>8} {'conv':>10} {'frames out/in':>14} {'srv lag':>8} {'gen CPU':>8} {'gen lag':>8} {'other':>6}"
    )
    lines += [header, "-" * len(header)]
    for run in runs:
        flags = []
        if run["generator_saturated"]:
            flags.append(
                f"GENERATOR LIMITED (CPU {run['generator_cpu_pct']:.0f} %, loop lag p99 "
                f"{run['generator_lag_p99_ms']} ms)"
            )
        if run["converged_sessions"] != run["sessions"]:
            flags.append(f"NOT CONVERGED {run['mismatched'][:2]}")
        for key in ("errors", "closed_sockets", "connect_failures", "server_log_problems"):
            if run[key]:
                flags.append(f"{key}: {run[key] if not isinstance(run[key], list) else run[key][:1]}")
        frames = f"{run['frames_per_edit']['out']:g}/{run['frames_per_edit']['in']:g}"
        lines.append(
            f"{run['sessions']:>5} {run['target']:12} {run['edits_per_s']:>8.0f} {_num(run['p50_ms']):>8} "
            f"{_num(run['p99_ms']):>8} {_num(run['max_ms']):>8} {run['server_cpu_pct']:>7.1f}% "
            f"{run['server_cpu_us_per_edit']:>8.0f} {run['undelivered_pct']:>7.2f}% "
            f"{run['converged_sessions']:>5}/{run['sessions']:<4} {frames:>14} "
            f"{_num((run.get('server_loop_lag_ms') or {}).get('p99')):>8} {run['generator_cpu_pct']:>7.0f}% "
            f"{_num(run['generator_lag_p99_ms']):>8} {run['other_cpu_pct']:>5.0f}%"
            + (f"  {'; '.join(flags)}" if flags else "")
        )
    lines.append("")
    lines.append(
        "latency in ms from the typist's edit to each other participant holding it; CPU: the server process "
        "(+ its redis-server) over the measured window, % of one core; µs/edit: its CPU per keystroke; "
        "undeliv.: deliveries still missing --drain s after typing stopped; conv: sessions where everyone "
        "ends with the typist's text; frames out/in: generator frames per keystroke; srv lag: this server's "
        "event-loop lag p99 over the last minute (GET /api/health); gen: the generator; other: CPU of the "
        "rest of the machine in the window (should be ~0 for clean figures)"
    )
    return "\n".join(lines)


def _num(value: float | None) -> str:
    if value is None:
        return "-"
    return f"{value:,.0f}" if value >= 100 else f"{value:.1f}"


QUIET_OTHER_PCT = 25.0  # CPU of the rest of the machine (% of one core) above which a run is repeated (--wait-quiet)


async def wait_quiet(limit_s: float, window_s: float = 3.0, idle_pct: float = 15.0) -> float:
    """Waits (at most `limit_s`) until the machine was idle for `window_s`; returns its busy % of a core then."""
    deadline = time.monotonic() + limit_s
    while True:
        before = machine_busy_seconds()
        await asyncio.sleep(window_s)
        busy = 100 * (machine_busy_seconds() - before) / window_s
        if busy <= idle_pct or time.monotonic() > deadline:
            return busy
        print(f"  waiting for a quiet machine (busy {busy:.0f} % of a core)", flush=True)
        await asyncio.sleep(10)


async def compare_async(args) -> list[dict]:
    targets = args.targets.split(",")
    unknown = [target for target in targets if target not in COMPARE_TARGETS]
    if unknown:
        raise SystemExit(f"unknown --targets {unknown}; choose from {list(COMPARE_TARGETS)}")
    ensure_node_deps()
    runs = []
    for size in (int(value) for value in args.sizes.split(",")):
        for target in targets:
            if args.wait_quiet:
                await wait_quiet(args.wait_quiet)
            print(
                f"{target}: {size} sessions x {args.participants}, {args.warmup:g} s warm-up, {args.seconds:g} s "
                f"measured (load average {os.getloadavg()[0]:.2f})",
                flush=True,
            )
            run = await compare_one(target, size, args)
            latest = run
            for _ in range(3 if args.wait_quiet else 0):
                if latest["other_cpu_pct"] <= QUIET_OTHER_PCT:
                    break
                print(
                    f"  the rest of the machine used {latest['other_cpu_pct']} % of a core meanwhile: again", flush=True
                )
                await wait_quiet(args.wait_quiet)
                latest = await compare_one(target, size, args)
                run = latest if latest["other_cpu_pct"] < run["other_cpu_pct"] else run  # the quietest run is kept
            runs.append(run)
            print(
                f"  {run['generator_summary'][0] if run['generator_summary'] else ''}; server CPU "
                f"{run['server_cpu_pct']} %, other {run['other_cpu_pct']} %",
                flush=True,
            )
            await asyncio.sleep(2)  # let sockets of the last run close before the next starts
    return runs


def source_state(checkout: Path) -> dict:
    """The commit measured, and uncommitted changes to the server or the page's modules (they are measured too)."""

    def git(*command: str) -> str:
        done = subprocess.run(["git", "-C", str(checkout), *command], capture_output=True, text=True)
        return done.stdout.rstrip() if done.returncode == 0 else ""

    dirty = git("status", "--porcelain", "--", "interview_server", "static/src", "bench/node").splitlines()
    return {
        "checkout": str(checkout),
        "commit": git("rev-parse", "--short", "HEAD").strip() or None,
        "uncommitted": [line[3:] for line in dirty if not line.rstrip("/").endswith("node_modules")],
    }


def compare_main(args) -> int:
    started_load = [round(value, 2) for value in os.getloadavg()]
    runs = asyncio.run(compare_async(args))
    print()
    print(compare_table(runs))
    Path(args.results).mkdir(parents=True, exist_ok=True)
    config = {
        "targets": args.targets,
        "sizes": args.sizes,
        "participants": args.participants,
        "seconds": args.seconds,
        "warmup": args.warmup,
        "drain": args.drain,
        "settle": args.settle,
        "generator_threads": args.workers,
        "cursors": not args.no_cursors,
        "rate_per_typist": 10,
    }
    machine = {
        "cpus": os.cpu_count(),
        "loadavg_before": started_load,
        "loadavg_after": [round(value, 2) for value in os.getloadavg()],
    }
    source = source_state(Path(args.server_dir or ROOT))
    Path(args.results, "compare.json").write_text(
        json.dumps({"config": config, "machine": machine, "source": source, "runs": runs}, indent=1, ensure_ascii=False)
        + "\n"
    )
    return 0 if all(run["converged_sessions"] == run["sessions"] for run in runs) else 1


def _use_uvloop() -> None:
    try:
        import uvloop
    except ImportError:
        return
    asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())


if __name__ == "__main__":
    sys.exit(main())

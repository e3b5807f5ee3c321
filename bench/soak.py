"""Soak benchmark: steady collaborative load on a real server, then checks that nothing leaked.

Usage: .venv/bin/python bench/soak.py [--minutes 10] [--store sqlite|memory|redis] [--redis]
       [--connections 200] [--participants 4] [--lifetime 40] [--wave-every 5] [--debug-dump]

Starts `interview-server` (and, for --store redis, its own `redis-server`) on free ports. Every
`--wave-every` seconds a wave of sessions is created (POST /api/sessions), each joined by
`--participants` real WebSocket clients that speak the protocol: hello, pushes of real ChangeSets
at the version they hold (rebased after `push_rejected`), cursors, chat and runs now and then,
typing 4 characters every 400 ms. After about `--lifetime` seconds they leave, some with a clean
close and some by aborting the TCP connection, so thousands of connections come and go while about
`--connections` are live. Every `--sample-every` seconds it records the server's RSS, open fds, TCP
sockets, CPU and GET /api/health (connections, live sessions, asyncio tasks), and its own CPU.

When the time is up every client leaves; after `--settle` seconds the server must be back where it
was before the load: no connections, no live sessions, tasks and fds at the baseline (+ tolerance),
and RSS flat over the steady part of the run. Prints the samples and a verdict, writes --json
(default bench/results/soak.json) and exits 1 if a check fails. --debug-dump runs the server
through this script with an extra /_soak/dump route and prints which asyncio tasks and Python
object types grew between the baseline and the end.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import json
import os
import random
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp

from common import OPERATOR_HEADERS, ROOT, Server, cpu_seconds, percentile

TYPING = "for i in range(10):\n    print(i * i)\n# soak\n"  # what the clients type, over and over
TICK_S = 0.4  # a human typing rate: 4 characters every 400 ms
CHARS_PER_TICK = 4
TASK_TOLERANCE = 2
FD_TOLERANCE = 2
RSS_MIN_WINDOW_S = 120  # shorter steady windows say too little about growth: the RSS check is skipped
RSS_SLOPE_LIMIT_KIB_MIN = 256  # over the second half of the steady window (caches have filled by then)


# ---------------------------------------------------------------- the protocol client


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


@dataclass
class Stats:
    """Counters of the whole run, shared by every client."""

    sent: collections.Counter = field(default_factory=collections.Counter)
    received: collections.Counter = field(default_factory=collections.Counter)
    connects: int = 0
    connect_failures: int = 0
    clean_closes: int = 0
    aborts: int = 0
    unexpected_closes: int = 0
    sessions_created: int = 0
    pushes_accepted: int = 0
    pushes_rejected: int = 0
    resyncs: int = 0
    gaps: int = 0
    divergences: int = 0
    client_failures: int = 0
    push_ms: list = field(default_factory=list)  # push -> own update back, this sample interval
    all_push_ms: list = field(default_factory=list)
    lag_ms: float = 0.0  # the generator's worst event-loop lag this sample interval (its own saturation)
    errors: list = field(default_factory=list)  # the first few error messages received
    error_count: int = 0
    live: int = 0

    def error(self, text: str) -> None:
        self.error_count += 1
        if len(self.errors) < 20:
            self.errors.append(text)


class Client:
    """A minimal correct @codemirror/collab client: the server's text at `version`, one push in flight."""

    def __init__(self, ws: aiohttp.ClientWebSocketResponse, stats: Stats, seen: dict, rng: random.Random, name: str):
        self.ws, self.stats, self.seen, self.rng = ws, stats, seen, rng
        self.client_id = f"soak-{name}"
        self.name = name
        self.text, self.version, self.ready = "", 0, False
        self.pending = ""  # typed, not yet pushed
        self.in_flight = ""  # pushed, not yet confirmed
        self.pushed_at = 0.0
        self.min_version = 0  # after push_rejected: wait for the updates up to here before pushing again
        self.typed = rng.randrange(len(TYPING))
        self.run_ticks = 0  # ticks left in an open run

    async def send(self, type_: str, data: dict) -> None:
        self.stats.sent[type_] += 1
        await self.ws.send_str(json.dumps({"type": type_, "data": data}))

    async def receive_loop(self) -> None:
        async for message in self.ws:
            if message.type != aiohttp.WSMsgType.TEXT:
                break
            decoded = json.loads(message.data)
            self.stats.received[decoded["type"]] += 1
            await self.handle(decoded["type"], decoded["data"])

    async def handle(self, type_: str, data: dict) -> None:
        if type_ == "session_state":
            if self.ready:
                self.stats.resyncs += 1
            self.text, self.version, self.ready = data["code"], data["version"], True
            if not self.text.isascii():
                self.stats.error(f"{self.name}: non-ASCII text; this client counts code points as UTF-16 units")
            self.requeue()
            self.min_version = 0
            await self.try_push()
        elif type_ == "updates":
            await self.apply(data["version"], data["updates"])
        elif type_ == "push_rejected":
            self.stats.pushes_rejected += 1
            self.requeue()
            self.min_version = data["version"]
            await self.try_push()
        elif type_ == "error":
            self.stats.error(f"{self.name}: {data.get('message')}")
            if self.in_flight:  # whatever was wrong, start again from the server's text
                self.in_flight = ""
                await self.send("pull", {"version": self.version})

    def requeue(self) -> None:
        """An unconfirmed push goes back in front of what was typed since."""
        self.pending, self.in_flight = self.in_flight + self.pending, ""

    async def apply(self, version: int, updates: list) -> None:
        if version > self.version:  # a gap: never expected, but a correct client pulls
            self.stats.gaps += 1
            await self.send("pull", {"version": self.version})
            return
        for index, update in enumerate(updates):
            if version + index < self.version:
                continue  # already have it (the answer to a pull overlapping a broadcast)
            self.text = apply_changes(self.text, update["changes"])
            self.version += 1
            if update["clientID"] == self.client_id and self.in_flight:
                self.in_flight = ""
                self.stats.pushes_accepted += 1
                self.stats.push_ms.append(1000 * (time.monotonic() - self.pushed_at))
        digest = hash(self.text)
        if self.seen.setdefault(self.version, digest) != digest:
            self.stats.divergences += 1
            self.stats.error(f"{self.name}: text at version {self.version} differs from another client's")
        await self.try_push()

    async def try_push(self) -> None:
        if self.in_flight or not self.pending or not self.ready or self.version < self.min_version:
            return
        position = self.rng.randint(0, len(self.text))
        changes = ([position] if position else []) + [[0, *self.pending.split("\n")]]
        if len(self.text) > position:
            changes.append(len(self.text) - position)
        self.in_flight, self.pending = self.pending, ""
        self.stats.sent["push_chars"] += len(self.in_flight)
        self.pushed_at = time.monotonic()
        await self.send(
            "push", {"version": self.version, "updates": [{"clientID": self.client_id, "changes": changes}]}
        )

    async def tick(self) -> None:
        """400 ms of a person: four keystrokes, sometimes a cursor move, a chat line or a run."""
        for _ in range(CHARS_PER_TICK):
            self.pending += TYPING[self.typed % len(TYPING)]
            self.typed += 1
        await self.try_push()
        if not self.ready:
            return
        roll = self.rng.random()
        if roll < 0.2:
            anchor = self.rng.randint(0, len(self.text))
            await self.send("cursor", {"version": self.version, "ranges": [{"anchor": anchor, "head": anchor}]})
        elif roll < 0.2 + 1 / 75:  # a chat line every ~30 s
            await self.send("chat", {"text": f"{self.name} says hi at version {self.version}"})
        elif roll < 0.2 + 1 / 75 + 1 / 100 and not self.run_ticks:  # a run every ~40 s, 1-5 ticks long
            self.run_ticks = self.rng.randint(1, 5)
            await self.send("run_start", {"version": self.version, "language": "python"})
            return
        if self.run_ticks:
            self.run_ticks -= 1
            await self.send("run_output", {"stream": "stdout", "text": f"{self.typed}\n"})
            if not self.run_ticks:
                await self.send("run_end", {"status": "ok", "duration_ms": self.rng.randint(5, 2000)})


async def participant(
    http: aiohttp.ClientSession,
    ws_url: str,
    stats: Stats,
    seen: dict,
    leave_at: float,
    abort: bool,
    stop: asyncio.Event,
    rng: random.Random,
    name: str,
) -> None:
    """One person for one stay: connect, say hello, type until `leave_at` (or stop), then leave."""
    try:
        ws = await http.ws_connect(ws_url, autoping=True)
    except (aiohttp.ClientError, OSError) as exc:
        stats.connect_failures += 1
        stats.error(f"{name}: connect failed: {exc!r}")
        return
    stats.connects += 1
    stats.live += 1
    client = Client(ws, stats, seen, rng, name)
    reader = asyncio.create_task(client.receive_loop())
    try:
        await client.send("hello", {"name": name})
        await asyncio.sleep(rng.random() * TICK_S)
        while not stop.is_set() and not reader.done():
            now = time.monotonic()
            if now >= leave_at:
                break
            await client.tick()
            try:
                await asyncio.wait_for(stop.wait(), min(TICK_S, leave_at - now))
            except TimeoutError:
                pass
        if reader.done():
            if reader.exception() is not None:
                stats.client_failures += 1
                stats.error(f"{name}: client failed: {reader.exception()!r}")
            else:
                stats.unexpected_closes += 1
                stats.error(f"{name}: server closed the socket (code {ws.close_code})")
        elif abort:
            stats.aborts += 1
            ws._response.connection.transport.abort()  # no close frame, no FIN handshake: a dropped laptop
        else:
            stats.clean_closes += 1
            await ws.close()
    except (ConnectionError, aiohttp.ClientError, RuntimeError) as exc:
        stats.client_failures += 1
        stats.error(f"{name}: {exc!r}")
    finally:
        reader.cancel()
        try:
            await reader
        except (asyncio.CancelledError, Exception):
            pass
        if not ws.closed:
            ws._response.close()
        stats.live -= 1


async def session_visit(
    http: aiohttp.ClientSession, base: str, stats: Stats, args, stop: asyncio.Event, rng: random.Random, number: int
) -> None:
    """Create a session and let its participants come in (staggered) and leave after about a lifetime."""
    async with http.post(base + "/api/sessions", json={"language": "python"}) as response:
        if response.status != 201:
            stats.error(f"POST /api/sessions: {response.status} {await response.text()}")
            return
        session_id = (await response.json())["session_id"]
    stats.sessions_created += 1
    seen: dict[int, int] = {}  # version -> hash of the text, to catch clients that diverge
    ws_url = base.replace("http", "ws", 1) + f"/ws/{session_id}"
    now = time.monotonic()
    people = []
    for index in range(args.participants):
        await asyncio.sleep(rng.random() * 0.5)
        leave_at = now + args.lifetime * rng.uniform(0.8, 1.0)
        people.append(
            asyncio.create_task(
                participant(
                    http,
                    ws_url,
                    stats,
                    seen,
                    leave_at,
                    rng.random() < args.abort_share,
                    stop,
                    random.Random(rng.random()),
                    f"s{number}p{index}",
                )
            )
        )
    await asyncio.gather(*people)


# ---------------------------------------------------------------- the server and its measurements


def tcp_sockets(pid: int) -> dict:
    """The server's sockets: TCP by local/remote port and state, and the rest (unix, pipes-as-sockets)."""
    inodes = {}
    for path in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(path).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            parts = line.split()
            local_port = int(parts[1].rsplit(":", 1)[1], 16)
            remote_port = int(parts[2].rsplit(":", 1)[1], 16)
            inodes[parts[9]] = (local_port, remote_port, parts[3])
    found, other = [], 0
    for fd in os.listdir(f"/proc/{pid}/fd"):
        try:
            target = os.readlink(f"/proc/{pid}/fd/{fd}")
        except OSError:
            continue
        if target.startswith("socket:["):
            inode = target[8:-1]
            if inode in inodes:
                found.append(inodes[inode])
            else:
                other += 1
    return {"tcp": found, "other_sockets": other}


async def redis_channels(port: int) -> int:
    """How many pub/sub channels have a subscriber (each live session's server subscribes to one)."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        writer.write(b"*2\r\n$6\r\nPUBSUB\r\n$8\r\nCHANNELS\r\n")
        header = await reader.readline()  # "*<count>", then the names, which are not needed
        return int(header[1:])
    finally:
        writer.close()


class Sampler:
    """Samples the server process, /api/health and the generator's own CPU."""

    def __init__(self, pid: int, port: int, redis_port: int | None, http: aiohttp.ClientSession, stats: Stats):
        self.pid, self.port, self.redis_port, self.http, self.stats = pid, port, redis_port, http, stats
        self.started = time.monotonic()
        self._last = (time.monotonic(), cpu_seconds(pid), sum(os.times()[:2]), 0, 0)

    async def sample(self, phase: str) -> dict:
        asked = time.monotonic()
        async with self.http.get(f"http://127.0.0.1:{self.port}/api/health", headers=OPERATOR_HEADERS) as response:
            health = await response.json()
        health_ms = 1000 * (time.monotonic() - asked)
        channels = await redis_channels(self.redis_port) if self.redis_port else None
        latencies = sorted(self.stats.push_ms)
        self.stats.all_push_ms += latencies
        self.stats.push_ms = []
        lag_ms, self.stats.lag_ms = self.stats.lag_ms, 0.0
        status = Path(f"/proc/{self.pid}/status").read_text()
        rss = int(next(line.split()[1] for line in status.splitlines() if line.startswith("VmRSS:")))
        sockets = tcp_sockets(self.pid)
        tcp = sockets["tcp"]
        now, server_cpu, own_cpu = time.monotonic(), cpu_seconds(self.pid), sum(os.times()[:2])
        sent, received = (
            sum(self.stats.sent.values()) - self.stats.sent["push_chars"],
            sum(self.stats.received.values()),
        )
        last_now, last_server, last_own, last_sent, last_received = self._last
        self._last = (now, server_cpu, own_cpu, sent, received)
        wall = max(now - last_now, 1e-6)
        return {
            "t_s": round(now - self.started, 1),
            "phase": phase,
            "rss_kib": rss,
            "fds": len(os.listdir(f"/proc/{self.pid}/fd")),
            "tcp_clients": sum(1 for local, _, state in tcp if local == self.port and state != "0A"),
            "tcp_redis": sum(1 for _, remote, _ in tcp if remote == self.redis_port),
            "tcp_total": len(tcp),
            "redis_channels": channels,
            "other_sockets": sockets["other_sockets"],
            "connections": health.get("connections"),
            "live_sessions": health.get("live_sessions"),
            "tasks": health.get("tasks"),
            "server_cpu_pct": round(100 * (server_cpu - last_server) / wall, 1) if wall > 0.5 else None,
            "gen_cpu_pct": round(100 * (own_cpu - last_own) / wall, 1) if wall > 0.5 else None,
            "clients_live": self.stats.live,
            "sent_per_s": round((sent - last_sent) / wall),
            "recv_per_s": round((received - last_received) / wall),
            "health_ms": round(health_ms, 1),
            "push_p50_ms": percentile(latencies, 0.5),
            "push_p99_ms": percentile(latencies, 0.99),
            "gen_lag_ms": round(lag_ms, 1),
            "loadavg_1m": float(Path("/proc/loadavg").read_text().split()[0]),  # others sharing the machine
        }


# ---------------------------------------------------------------- the debug dump (server side)


def serve_with_dump(argv: list[str]) -> None:
    """Run interview-server with one more route, GET /_soak/dump: asyncio tasks and object counts."""
    import gc

    from aiohttp import web

    sys.path.insert(0, str(ROOT))
    from interview_server import cli

    original = cli.create_app

    async def dump(request: web.Request) -> web.Response:
        gc.collect()
        tasks = collections.Counter()
        for task in asyncio.all_tasks():
            coro = task.get_coro()
            tasks[getattr(coro, "__qualname__", repr(coro))] += 1
        types = collections.Counter(type(obj).__qualname__ for obj in gc.get_objects())
        return web.json_response({"tasks": dict(tasks), "types": dict(types.most_common(400))})

    def create_app(config):
        app = original(config)
        app.router.add_get("/_soak/dump", dump)
        return app

    cli.create_app = create_app
    cli.main(argv)


def dump_growth(before: dict, after: dict) -> dict:
    """What grew between two dumps: tasks by coroutine, object types (the biggest growths)."""

    def grown(a: dict, b: dict, top: int) -> dict:
        rows = {key: b.get(key, 0) - a.get(key, 0) for key in set(a) | set(b)}
        return dict(sorted(((k, v) for k, v in rows.items() if v > 0), key=lambda kv: -kv[1])[:top])

    return {"tasks": grown(before["tasks"], after["tasks"], 20), "types": grown(before["types"], after["types"], 25)}


# ---------------------------------------------------------------- the run


def slope_per_minute(points: list[tuple[float, float]]) -> float | None:
    """Least-squares slope of (seconds, value) points, per minute."""
    if len(points) < 3:
        return None
    n = len(points)
    mean_t = sum(t for t, _ in points) / n
    mean_v = sum(v for _, v in points) / n
    variance = sum((t - mean_t) ** 2 for t, _ in points)
    if not variance:
        return None
    return 60 * sum((t - mean_t) * (v - mean_v) for t, v in points) / variance


async def watch_lag(stats: Stats, period: float = 0.1) -> None:
    """Record how late the generator's own loop wakes up (if it lags, the latencies above are its own)."""
    while True:
        asked = time.monotonic()
        await asyncio.sleep(period)
        stats.lag_ms = max(stats.lag_ms, 1000 * (time.monotonic() - asked - period))


async def visitors(
    http: aiohttp.ClientSession, base: str, stats: Stats, args, stop: asyncio.Event, rng: random.Random, until: float
) -> None:
    """Waves of sessions until `until`, sized so that about `--connections` are live."""
    per_wave = args.connections / args.participants / (args.lifetime / args.wave_every)
    carry, number, visits = 0.0, 0, set()
    next_wave = time.monotonic()
    while next_wave < until:
        carry += per_wave
        for _ in range(int(carry)):
            visit = asyncio.create_task(session_visit(http, base, stats, args, stop, rng, number))
            visits.add(visit)
            visit.add_done_callback(visits.discard)
            number += 1
        carry -= int(carry)
        next_wave += args.wave_every
        try:
            await asyncio.wait_for(stop.wait(), max(0.0, min(next_wave, until) - time.monotonic()))
        except TimeoutError:
            pass
    stop.set()  # everyone still here leaves now
    if visits:
        await asyncio.wait(list(visits), timeout=60)


async def run(args) -> dict:
    stats = Stats()
    rng = random.Random(args.seed)
    data_dir = tempfile.mkdtemp(prefix="soak-")
    dump_command = [sys.executable, str(Path(__file__).resolve()), "--serve-with-dump"] if args.debug_dump else None
    server = Server(args.store, data_dir, command=dump_command)
    connector = aiohttp.TCPConnector(limit=0, force_close=True)  # no idle HTTP keep-alive to count as a socket
    timeout = aiohttp.ClientTimeout(total=30)
    try:
        async with aiohttp.ClientSession(connector=connector, timeout=timeout) as http:
            await server.start(http)
            base = f"http://127.0.0.1:{server.port}"
            sampler = Sampler(server.process.pid, server.port, server.redis_port, http, stats)
            samples = [await sampler.sample("cold")]

            async def dump() -> dict | None:
                if not args.debug_dump:
                    return None
                async with http.get(base + "/_soak/dump") as response:
                    return await response.json()

            # Warm-up: one short visit, so what the server creates once, on first use, is in the baseline.
            warm = argparse.Namespace(**{**vars(args), "participants": 2, "lifetime": 2.0})
            await session_visit(http, base, stats, warm, asyncio.Event(), rng, -1)
            await asyncio.sleep(args.settle)
            samples.append(await sampler.sample("baseline"))
            baseline, dump_before = samples[-1], await dump()

            started = time.monotonic()
            load_s = args.minutes * 60
            stop = asyncio.Event()
            load = asyncio.create_task(visitors(http, base, stats, args, stop, rng, started + load_s))
            lag = asyncio.create_task(watch_lag(stats))
            while not load.done():
                done, _ = await asyncio.wait({load}, timeout=args.sample_every)
                if not done:
                    elapsed = time.monotonic() - started
                    steady = args.lifetime + args.wave_every <= elapsed <= load_s
                    samples.append(
                        await sampler.sample("steady" if steady else "ramp" if elapsed < load_s else "leaving")
                    )
                    print(format_row(samples[-1]), file=sys.stderr, flush=True)
            left_s = time.monotonic() - started - load_s
            lag.cancel()
            await asyncio.sleep(args.settle)
            samples.append(await sampler.sample("end"))
            end, dump_after = samples[-1], await dump()
            late = None
            if (
                end["connections"]
                or end["live_sessions"]
                or end["tasks"] > baseline["tasks"] + TASK_TOLERANCE
                or (end["redis_channels"] or 0) > (baseline["redis_channels"] or 0)
            ):
                await asyncio.sleep(15)  # for the report: does it clear later (a timeout) or never (a leak)?
                late = await sampler.sample("end+15s")
                samples.append(late)
    finally:
        exit_code = server.stop()
    problems = server.log_problems()
    shutil.rmtree(data_dir, ignore_errors=True)
    result = summarise(
        args,
        stats,
        samples,
        baseline,
        end,
        late,
        left_s,
        exit_code,
        problems,
        server.limit_flags,
        dump_growth(dump_before, dump_after) if args.debug_dump else None,
    )
    result["totals"]["server_stop_s"] = server.stop_s
    return result


def summarise(args, stats, samples, baseline, end, late, left_s, exit_code, problems, limit_flags, growth) -> dict:
    steady = [s for s in samples if s["phase"] == "steady"]
    rss = {}
    if len(steady) >= 2:
        first, last = steady[0], steady[-1]
        window = last["t_s"] - first["t_s"]
        second_half = [s for s in steady if s["t_s"] >= first["t_s"] + window / 2]
        late_slope = slope_per_minute([(s["t_s"], s["rss_kib"]) for s in second_half])
        rss = {
            "first_steady_kib": first["rss_kib"],
            "last_steady_kib": last["rss_kib"],
            "growth_kib": last["rss_kib"] - first["rss_kib"],
            "growth_pct": round(100 * (last["rss_kib"] - first["rss_kib"]) / first["rss_kib"], 2),
            "slope_kib_per_min": round(slope_per_minute([(s["t_s"], s["rss_kib"]) for s in steady]) or 0, 1),
            "second_half_slope_kib_per_min": None if late_slope is None else round(late_slope, 1),
            "steady_window_s": round(window, 1),
            "max_kib": max(s["rss_kib"] for s in samples),
        }
    fds_base = baseline["fds"] - baseline["tcp_redis"]
    fds_end = end["fds"] - end["tcp_redis"]
    checks = {
        "connections == 0": end["connections"] == 0,
        "live_sessions == 0": end["live_sessions"] == 0,
        "server TCP connections == 0": end["tcp_clients"] == 0,
        f"tasks <= baseline + {TASK_TOLERANCE}": end["tasks"] <= baseline["tasks"] + TASK_TOLERANCE,
        f"fds (without the Redis pool) <= baseline + {FD_TOLERANCE}": fds_end <= fds_base + FD_TOLERANCE,
        "no error messages, divergences or failed clients": not (
            stats.error_count or stats.divergences or stats.client_failures or stats.unexpected_closes
        ),
        "server exited cleanly on SIGTERM": exit_code == 0,
        "no ERROR records in the server log": not any(" ERROR " in p or " CRITICAL " in p for p in problems),
    }
    if baseline["redis_channels"] is not None:
        checks["Redis pub/sub channels <= baseline"] = end["redis_channels"] <= baseline["redis_channels"]
    rss_check = "skipped"
    if args.store == "memory":
        rss_check = "skipped: the memory store keeps every session's history in RAM by design"
    elif rss.get("steady_window_s", 0) < RSS_MIN_WINDOW_S or rss.get("second_half_slope_kib_per_min") is None:
        rss_check = f"skipped: steady window shorter than {RSS_MIN_WINDOW_S} s"
    else:
        ok = rss["second_half_slope_kib_per_min"] <= RSS_SLOPE_LIMIT_KIB_MIN
        checks[f"RSS slope (2nd half of steady) <= {RSS_SLOPE_LIMIT_KIB_MIN} KiB/min"] = ok
        rss_check = "pass" if ok else "FAIL"
    connections = stats.connects
    return {
        "settings": {
            key: getattr(args, key)
            for key in (
                "minutes",
                "store",
                "connections",
                "participants",
                "lifetime",
                "wave_every",
                "abort_share",
                "sample_every",
                "settle",
                "seed",
            )
        }
        | {"server_limit_flags": limit_flags},
        "totals": {
            "sessions": stats.sessions_created,
            "connections": connections,
            "clean_closes": stats.clean_closes,
            "aborts": stats.aborts,
            "connect_failures": stats.connect_failures,
            "unexpected_closes": stats.unexpected_closes,
            "client_failures": stats.client_failures,
            "messages_sent": sum(stats.sent.values()) - stats.sent["push_chars"],
            "messages_received": sum(stats.received.values()),
            "sent_by_type": {k: v for k, v in sorted(stats.sent.items()) if k != "push_chars"},
            "received_by_type": dict(sorted(stats.received.items())),
            "chars_pushed": stats.sent["push_chars"],
            "pushes_accepted": stats.pushes_accepted,
            "pushes_rejected": stats.pushes_rejected,
            "push_ack_p50_ms": percentile(sorted(stats.all_push_ms), 0.5),
            "push_ack_p99_ms": percentile(sorted(stats.all_push_ms), 0.99),
            "resyncs": stats.resyncs,
            "gaps": stats.gaps,
            "divergences": stats.divergences,
            "errors": stats.error_count,
            "first_errors": stats.errors,
            "seconds_for_all_to_leave": round(left_s, 1),
        },
        "baseline": baseline,
        "end": end,
        "end_plus_15s": late,
        "rss": rss,
        "rss_check": rss_check,
        "server_log_problems": problems[:10],
        "server_log_problem_count": len(problems),
        "debug_growth": growth,
        "checks": checks,
        "passed": all(checks.values()),
        "samples": samples,
    }


COLUMNS = [
    ("t_s", 7),
    ("phase", 8),
    ("rss_kib", 8),
    ("fds", 5),
    ("tcp_clients", 11),
    ("connections", 11),
    ("live_sessions", 13),
    ("tasks", 6),
    ("server_cpu_pct", 14),
    ("gen_cpu_pct", 11),
    ("sent_per_s", 10),
    ("recv_per_s", 10),
    ("health_ms", 9),
    ("push_p50_ms", 11),
    ("push_p99_ms", 11),
    ("gen_lag_ms", 10),
    ("loadavg_1m", 10),
]


def format_row(sample: dict) -> str:
    return " ".join(str(sample[name]).rjust(width) for name, width in COLUMNS)


def report(result: dict) -> str:
    lines = [" ".join(name.rjust(width) for name, width in COLUMNS)]
    lines += [format_row(sample) for sample in result["samples"]]
    totals, rss, base, end = result["totals"], result["rss"], result["baseline"], result["end"]
    lines.append("")
    lines.append(
        f"sessions {totals['sessions']}, connections {totals['connections']} "
        f"({totals['clean_closes']} closed cleanly, {totals['aborts']} aborted), "
        f"messages sent {totals['messages_sent']}, received {totals['messages_received']}"
    )
    lines.append(
        f"pushes accepted {totals['pushes_accepted']}, rejected {totals['pushes_rejected']} "
        f"(push -> ack p50 {totals['push_ack_p50_ms']} ms, p99 {totals['push_ack_p99_ms']} ms); "
        f"resyncs {totals['resyncs']}, gaps {totals['gaps']}, divergences {totals['divergences']}, "
        f"errors {totals['errors']}, unexpected closes {totals['unexpected_closes']}"
    )
    for error in totals["first_errors"][:5]:
        lines.append(f"  error: {error}")
    if rss:
        lines.append(
            f"RSS steady {rss['first_steady_kib']} -> {rss['last_steady_kib']} KiB "
            f"({rss['growth_kib']:+} KiB, {rss['growth_pct']:+}%) over {rss['steady_window_s']} s; "
            f"slope {rss['slope_kib_per_min']} KiB/min, 2nd half {rss['second_half_slope_kib_per_min']} "
            f"KiB/min; check: {result['rss_check']}"
        )
    else:
        lines.append(f"RSS: fewer than 2 steady samples; check: {result['rss_check']}")
    lines.append(
        f"baseline -> end: tasks {base['tasks']} -> {end['tasks']}, fds {base['fds']} -> {end['fds']}, "
        f"TCP {base['tcp_total']} -> {end['tcp_total']} (to Redis {base['tcp_redis']} -> {end['tcp_redis']}, "
        f"channels {base['redis_channels']} -> {end['redis_channels']}), connections {end['connections']}, "
        f"live sessions {end['live_sessions']}, RSS {base['rss_kib']} -> {end['rss_kib']} KiB"
    )
    if result["end_plus_15s"]:
        late = result["end_plus_15s"]
        lines.append(
            f"15 s later: connections {late['connections']}, live sessions {late['live_sessions']}, "
            f"tasks {late['tasks']}, fds {late['fds']}"
        )
    if result["server_log_problem_count"]:
        lines.append(
            f"server log: {result['server_log_problem_count']} warnings/errors; the first, and the last line "
            "of its traceback:"
        )
        first = result["server_log_problems"][0].splitlines()
        lines += [f"  {first[0]}"] + ([f"  ... {first[-1]}"] if len(first) > 1 else [])
    if result["debug_growth"]:
        lines.append(f"grew between baseline and end: {json.dumps(result['debug_growth'])}")
    for name, ok in result["checks"].items():
        lines.append(f"{'PASS' if ok else 'FAIL'}  {name}")
    lines.append("verdict: " + ("no leak found" if result["passed"] else "LEAK OR FAILURE"))
    return "\n".join(lines)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=10.0, help="length of the load (default 10)")
    parser.add_argument(
        "--store",
        choices=["sqlite", "memory", "redis"],
        default="sqlite",
        help="server store (default sqlite; redis starts its own redis-server)",
    )
    parser.add_argument("--redis", action="store_const", const="redis", dest="store", help="same as --store redis")
    parser.add_argument("--connections", type=int, default=200, help="connections live at once (default 200)")
    parser.add_argument("--participants", type=int, default=4, help="participants per session (default 4)")
    parser.add_argument("--lifetime", type=float, default=40.0, help="seconds a session's people stay (default 40)")
    parser.add_argument("--wave-every", type=float, default=5.0, help="seconds between waves (default 5)")
    parser.add_argument(
        "--abort-share",
        type=float,
        default=0.4,
        help="share of participants that drop the TCP connection instead of closing (default 0.4)",
    )
    parser.add_argument("--sample-every", type=float, default=10.0, help="seconds between samples (default 10)")
    parser.add_argument("--settle", type=float, default=5.0, help="seconds to wait after everyone left (default 5)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--debug-dump",
        action="store_true",
        help="serve through this script and report which tasks and object types grew",
    )
    parser.add_argument(
        "--json",
        default=str(ROOT / "bench" / "results" / "soak.json"),
        help="write the result here (default bench/results/soak.json; '' for none)",
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--serve-with-dump"]:
        serve_with_dump(argv[1:])
        return 0
    args = parse_args(argv)
    result = asyncio.run(run(args))
    print(report(result))
    if args.json:
        Path(args.json).parent.mkdir(parents=True, exist_ok=True)
        Path(args.json).write_text(json.dumps(result, indent=2) + "\n")
    return 0 if result["passed"] else 1


if __name__ == "__main__":
    sys.exit(main())

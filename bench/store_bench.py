"""Store benchmark: append throughput, commit latency and join time for each back-end.

Usage: .venv/bin/python bench/store_bench.py [--sessions 50] [--seconds 5] [--redis-url URL] [--database-url URL]
Without --redis-url it starts its own redis-server on a free port (if installed); without --database-url its own
PostgreSQL cluster in a temp folder (if installed; default settings: fsync and synchronous_commit on). Prints a
table; --json FILE also writes the figures.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime, UTC
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from interview_server.changes import Text
from interview_server.protocol import Update
from interview_server.store import SessionRecord, make_store


def record(session_id: str) -> SessionRecord:
    return SessionRecord(session_id, "python", datetime.now(UTC), "", 0, time.time())


async def typist(store, session_id: str, deadline: float, latencies: list[float]) -> int:
    """Append one-character updates back to back, as one fast typist pushing each keystroke."""
    text, version = Text(), 0
    while time.perf_counter() < deadline:
        changes = [len(text), [0, "x"]] if len(text) else [[0, "x"]]
        new_text = text.apply(changes)
        started = time.perf_counter()
        ok = await store.append(
            session_id, version, [Update("c", changes, time.time(), "p")], lambda t=new_text: str(t)
        )
        latencies.append(time.perf_counter() - started)
        assert ok
        text, version = new_text, version + 1
    return version


async def join_time(store, session_id: str, updates: int, repeats: int = 20) -> float:
    """Median seconds to load a session that has `updates` updates in its history."""
    await store.create(record(session_id))
    text = Text()
    batch = []
    for version in range(updates):
        changes = [len(text), [0, "y"]] if len(text) else [[0, "y"]]
        text = text.apply(changes)
        batch.append(Update("c", changes, time.time(), "p"))
        if len(batch) == 50 or version == updates - 1:
            start = version + 1 - len(batch)
            assert await store.append(session_id, start, batch, lambda t=text: str(t))
            batch = []
    timings = []
    for _ in range(repeats):
        started = time.perf_counter()
        loaded = await store.get(session_id)
        timings.append(time.perf_counter() - started)
    assert loaded.version == updates
    return statistics.median(timings)


async def bench(kind: str, sessions: int, seconds: float, data_dir: str, redis_url: str, database_url: str) -> dict:
    store = make_store(kind, data_dir=data_dir, redis_url=redis_url, database_url=database_url)
    await store.open()
    try:
        ids = [f"bench-{kind}-{i}" for i in range(sessions)]
        for session_id in ids:
            await store.create(record(session_id))
        latencies: list[float] = []
        deadline = time.perf_counter() + seconds
        started = time.perf_counter()
        counts = await asyncio.gather(*(typist(store, sid, deadline, latencies) for sid in ids))
        elapsed = time.perf_counter() - started
        latencies.sort()
        return {
            "store": kind,
            "sessions": sessions,
            "updates_per_s": round(sum(counts) / elapsed),
            "p50_ms": round(latencies[len(latencies) // 2] * 1000, 2),
            "p99_ms": round(latencies[int(len(latencies) * 0.99)] * 1000, 2),
            "join_ms_after_100": round(await join_time(store, f"join-{kind}-100", 100) * 1000, 2),
            "join_ms_after_10000": round(await join_time(store, f"join-{kind}-10000", 10_000) * 1000, 2),
        }
    finally:
        await store.close()


def start_redis() -> tuple[subprocess.Popen | None, str]:
    binary = shutil.which("redis-server")
    if binary is None:
        return None, ""
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    process = subprocess.Popen(
        [
            binary,
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "yes",
            "--appendfsync",
            "everysec",
            "--dir",
            tempfile.mkdtemp(),
        ],
        stdout=subprocess.DEVNULL,
    )
    time.sleep(0.5)
    return process, f"redis://127.0.0.1:{port}/0"


def start_postgres():
    """A PostgreSQL cluster of its own (the tests' helper), or (None, "") if PostgreSQL is not installed."""
    from tests.support.postgres_server import PostgresServer

    try:
        server = PostgresServer()
    except RuntimeError as exc:
        print(f"no PostgreSQL row: {exc}", file=sys.stderr)
        return None, ""
    return server, server.url


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=50, help="sessions typing at once (default 50)")
    parser.add_argument("--seconds", type=float, default=5.0, help="length of the append run (default 5)")
    parser.add_argument("--redis-url", default="", help="use this Redis instead of starting one")
    parser.add_argument("--database-url", default="", help="use this (empty) PostgreSQL instead of starting one")
    parser.add_argument("--json", help="also write the figures to this file")
    args = parser.parse_args()
    redis_process, redis_url = (None, args.redis_url) if args.redis_url else start_redis()
    postgres, database_url = (None, args.database_url) if args.database_url else start_postgres()
    results = []
    try:
        with tempfile.TemporaryDirectory() as data_dir:
            kinds = ["memory", "sqlite"] + (["redis"] if redis_url else []) + (["postgres"] if database_url else [])
            for kind in kinds:
                results.append(asyncio.run(bench(kind, args.sessions, args.seconds, data_dir, redis_url, database_url)))
    finally:
        if redis_process is not None:
            redis_process.terminate()
        if postgres is not None:
            postgres.stop()
    columns = list(results[0])
    widths = [max(len(c), *(len(str(r[c])) for r in results)) for c in columns]
    print(" | ".join(c.ljust(w) for c, w in zip(columns, widths, strict=True)))
    print("-|-".join("-" * w for w in widths))
    for result in results:
        print(" | ".join(str(result[c]).ljust(w) for c, w in zip(columns, widths, strict=True)))
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()

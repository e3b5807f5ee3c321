"""Playback and export at size: a session typed one character per update (N updates), then its history
(GET /api/sessions/{id}/history), its offline export, and the page's playback model rebuilding it.

    .venv/bin/python bench/playback_bench.py [--updates 1000 10000 50000] [--store sqlite]

Prints, per N: history bytes (raw/gzip) and time to serve, export bytes and time, and in Node the time to
build the timeline, to reach random versions, and to colour the final text by author.

    .venv/bin/python bench/playback_bench.py --memory [--updates 50000] [--runs 10] [--store sqlite]

Memory instead: a server in this process (tracemalloc traces every allocation), a session of N updates and RUNS
runs of 200,000 emoji of output written straight into its store, then the peak memory the server allocates
while it answers the history and the export (read by a client a chunk at a time), above what it held before.
Run it with PYTHONPATH pointing at another checkout to measure that code (e.g. the one before streaming).
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import gzip
import json
import subprocess
import tempfile
import time
import tracemalloc

import aiohttp

from common import ROOT, Server

NODE_MODEL = """
import { readFileSync } from "node:fs";
import { Timeline } from "./static/src/playback/timeline.js";
const history = JSON.parse(readFileSync(process.argv[1], "utf8"));
let started = performance.now();
const timeline = new Timeline(history);
const build = performance.now() - started;
let seed = 7;
const random = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
started = performance.now();
for (let i = 0; i < 200; i++) timeline.textAt(Math.floor(random() * (history.version + 1)));
const seeks = (performance.now() - started) / 200;
started = performance.now();
const spans = timeline.authorship(history.version).length;
const authorship = performance.now() - started;
if (timeline.textAt(history.version) !== history.text) throw new Error("replay differs from the live text");
console.log(JSON.stringify({ build, seeks, authorship, spans }));
"""


async def type_session(http: aiohttp.ClientSession, base: str, updates: int, turn: int) -> tuple[str, str]:
    """A session with `updates` one-character updates, the two participants taking turns of `turn` characters
    (a line each, say; 1 is the worst case for colouring: authorship changes at every character)."""
    created = await (await http.post(base + "/api/sessions", json={})).json()
    session_id, key = created["session_id"], created["host_url"].split("#host=")[1]
    sockets = []
    for name in ("Ada", "Bo"):
        ws = await http.ws_connect(f"{base.replace('http', 'ws')}/ws/{session_id}")
        state = (await ws.receive_json())["data"]
        await ws.send_json({"type": "hello", "data": {"name": name, **({"host_key": key} if name == "Ada" else {})}})
        sockets.append(ws)
    length, version = len(state["code"]), state["version"]
    for i in range(updates):
        ws = sockets[(i // turn) % 2]
        char = "\n" if i % 40 == 39 else "xé😀 "[i % 4]
        await ws.send_json(
            {
                "type": "push",
                "data": {"version": version, "updates": [{"clientID": f"c{i % 2}", "changes": [length, [0, char]]}]},
            }
        )
        while True:  # both sockets get every update: skip to the one confirming this push
            message = await ws.receive_json()
            if message["type"] == "updates" and message["data"]["version"] == version:
                break
        version += 1
        length += len(char.encode("utf-16-le")) // 2
    for ws in sockets:
        await ws.close()
    return session_id, key


async def measure(store: str, counts: list[int], turn: int) -> list[dict]:
    rows = []
    with tempfile.TemporaryDirectory() as data_dir:
        server = Server(store, data_dir)
        async with aiohttp.ClientSession() as http:
            await server.start(http)
            base = f"http://127.0.0.1:{server.port}"
            try:
                for count in counts:
                    session_id, key = await type_session(http, base, count, turn)
                    headers = {"Authorization": f"Bearer {key}"}
                    started = time.perf_counter()
                    raw = await (await http.get(f"{base}/api/sessions/{session_id}/history", headers=headers)).read()
                    history_ms = (time.perf_counter() - started) * 1000
                    started = time.perf_counter()
                    export = await (
                        await http.get(f"{base}/api/sessions/{session_id}/export.html", headers=headers)
                    ).read()
                    export_ms = (time.perf_counter() - started) * 1000
                    with tempfile.NamedTemporaryFile("wb", suffix=".json") as file:
                        file.write(raw)
                        file.flush()
                        model = json.loads(
                            subprocess.run(
                                ["node", "--input-type=module", "-e", NODE_MODEL, file.name],
                                cwd=ROOT,
                                capture_output=True,
                                text=True,
                                check=True,
                            ).stdout
                        )
                    rows.append(
                        {
                            "updates": count,
                            "history_kb": len(raw) / 1024,
                            "history_gz_kb": len(gzip.compress(raw)) / 1024,
                            "history_ms": history_ms,
                            "export_kb": len(export) / 1024,
                            "export_ms": export_ms,
                            **{f"node_{k}": v for k, v in model.items()},
                        }
                    )
            finally:
                server.stop()
    return rows


async def measure_memory(store: str, updates: int, runs: int, run_chars: int, traced: bool = True) -> dict:
    """Peak traced memory (bytes above the baseline) while the history and the export of one big session are
    served and read a chunk at a time; with the answers' sizes, times and the event loop's longest stall (untraced:
    times and stalls without tracemalloc's slowdown, no peaks)."""
    from aiohttp.test_utils import TestClient, TestServer

    from interview_server.app import create_app
    from interview_server.config import Config
    from interview_server.keys import STORE
    from interview_server.protocol import Update

    with tempfile.TemporaryDirectory() as data_dir:
        async with TestClient(TestServer(create_app(Config(store=store, data_dir=data_dir)))) as client:
            created = await (await client.post("/api/sessions", json={})).json()
            session_id, key = created["session_id"], created["host_url"].split("#host=")[1]
            sessions = client.server.app[STORE]
            text = (await sessions.get(session_id)).text
            at = time.time() - updates
            for start in range(0, updates, 1000):  # as the one-character pushes of measure() leave the log
                batch = []
                for i in range(start, min(start + 1000, updates)):
                    char = "\n" if i % 40 == 39 else "xé😀 "[i % 4]
                    batch.append(
                        Update(f"c{i % 2}", [len(text.encode("utf-16-le")) // 2, [0, char]], at + i, f"p{i % 2}")
                    )
                    text += char
                assert await sessions.append(session_id, start, batch, lambda text=text: text)
            for person in ("p0", "p1"):
                await sessions.save_event(
                    session_id,
                    "person",
                    person,
                    at,
                    {"id": person, "name": f"Person {person}", "color": "#2563eb", "role": "candidate"},
                )
            for n in range(runs):
                await sessions.save_event(
                    session_id,
                    "run",
                    f"r-{n:012x}",
                    at + n,
                    {
                        "id": f"r-{n:012x}",
                        "participant": "p0",
                        "name": "Person p0",
                        "color": "#2563eb",
                        "language": "python",
                        "version": updates,
                        "started_at": "2026-11-29T11:00:00.000Z",
                        "status": "ok",
                        "duration_ms": 5,
                        "truncated": False,
                        "output": [{"stream": "stdout", "text": "😀" * run_chars}],
                    },
                )
            del text
            row = {"updates": updates, "runs": runs}
            if traced:
                tracemalloc.start()
            try:
                for name, path in (("history", "history"), ("export", "export.html")):
                    gc.collect()
                    if traced:
                        tracemalloc.reset_peak()
                    baseline = tracemalloc.get_traced_memory()[0]
                    stalls = [0.0]
                    watcher = asyncio.create_task(_watch_loop(stalls))
                    started = time.perf_counter()
                    response = await client.get(
                        f"/api/sessions/{session_id}/{path}", headers={"Authorization": f"Bearer {key}"}
                    )
                    assert response.status == 200, await response.text()
                    size = 0
                    async for chunk in response.content.iter_chunked(1 << 16):
                        size += len(chunk)
                    row[f"{name}_ms"] = (time.perf_counter() - started) * 1000
                    watcher.cancel()
                    row[f"{name}_stall_ms"] = stalls[0] * 1000
                    row[f"{name}_mb"] = size / 1e6
                    row[f"{name}_peak_mb"] = (tracemalloc.get_traced_memory()[1] - baseline) / 1e6
            finally:
                tracemalloc.stop()
    return row


async def _watch_loop(longest: list[float]) -> None:
    """Keeps in longest[0] the longest time the event loop went without running this task (beyond 1 ms)."""
    while True:
        before = time.perf_counter()
        await asyncio.sleep(0.001)
        longest[0] = max(longest[0], time.perf_counter() - before - 0.001)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--updates", type=int, nargs="+", default=[1000, 10000, 50000])
    parser.add_argument("--store", default="sqlite", choices=["memory", "sqlite", "redis"])
    parser.add_argument(
        "--turn", type=int, default=40, help="characters each person types before the other (1: worst case)"
    )
    parser.add_argument("--memory", action="store_true", help="measure peak memory of history and export instead")
    parser.add_argument("--runs", type=int, default=10, help="--memory: runs of --run-chars emoji of output")
    parser.add_argument("--run-chars", type=int, default=200_000)
    parser.add_argument("--untraced", action="store_true", help="--memory without tracemalloc: honest times and stalls")
    args = parser.parse_args()
    if args.memory:
        print(
            f"store: {args.store}; peak = memory traced while serving, above what was held before (tracemalloc); "
            "stall = the event loop's longest wait"
        )
        print(
            f"{'updates':>8} {'runs':>5} {'history':>9} {'peak':>9} {'time':>8} {'stall':>8} "
            f"{'export':>9} {'peak':>9} {'time':>8} {'stall':>8}"
        )
        for count in args.updates:
            row = asyncio.run(measure_memory(args.store, count, args.runs, args.run_chars, not args.untraced))
            print(
                f"{count:>8} {args.runs:>5}"
                + "".join(
                    f" {row[f'{name}_mb']:>6.1f} MB {row[f'{name}_peak_mb']:>6.1f} MB {row[f'{name}_ms']:>5.0f} ms "
                    f"{row[f'{name}_stall_ms']:>5.0f} ms"
                    for name in ("history", "export")
                )
            )
        return
    rows = asyncio.run(measure(args.store, args.updates, args.turn))
    print(f"store: {args.store}; the two people take turns of {args.turn} characters")
    print(
        f"{'updates':>8} {'history':>10} {'gzip':>9} {'serve':>8} {'export':>10} {'serve':>8} "
        f"{'timeline':>9} {'seek':>7} {'colours':>8}"
    )
    for row in rows:
        print(
            f"{row['updates']:>8} {row['history_kb']:>7.0f} KB {row['history_gz_kb']:>6.0f} KB {row['history_ms']:>5.0f} ms "
            f"{row['export_kb']:>7.0f} KB {row['export_ms']:>5.0f} ms {row['node_build']:>6.0f} ms "
            f"{row['node_seeks']:>4.1f} ms {row['node_authorship']:>5.0f} ms"
        )


if __name__ == "__main__":
    main()

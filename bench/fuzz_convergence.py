"""Long convergence fuzz: real @codemirror/collab clients (Node) against a real server process.

Usage: .venv/bin/python bench/fuzz_convergence.py [--steps 100000] [--clients 5] [--seed 1]
           [--store memory|sqlite] [--mode lockstep|realtime] [--check-every 2000] [--url URL] [-- FUZZER OPTIONS]
Starts its own server (limits off) unless --url is given, runs tests/node/fuzz_clients.mjs, prints
the figures and writes them to bench/results/fuzz_convergence.json (--json FILE to change).
Anything after `--` goes to the fuzzer as is (e.g. `-- --max-delay 20 --disconnect-rate 0.01`).
Exits 1, with the fuzzer's report (seed, failing step, last actions), if it finds a problem.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from datetime import datetime, UTC
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.support.server_process import ServerProcess  # noqa: E402
from tests.test_fuzz_convergence import LIMITS_OFF  # noqa: E402

FUZZER = ROOT / "tests" / "node" / "fuzz_clients.mjs"


def parse_args(argv: list[str]) -> tuple[argparse.Namespace, list[str]]:
    extra = argv[argv.index("--") + 1 :] if "--" in argv else []
    argv = argv[: argv.index("--")] if "--" in argv else argv
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--steps", type=int, default=100_000)
    parser.add_argument("--clients", type=int, default=5)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--store", choices=["memory", "sqlite"], default="memory")
    parser.add_argument("--mode", choices=["lockstep", "realtime"], default="lockstep")
    parser.add_argument("--check-every", type=int, default=2000)
    parser.add_argument("--url", help="fuzz this running server instead of starting one (its limits must be off)")
    parser.add_argument("--json", type=Path, default=ROOT / "bench" / "results" / "fuzz_convergence.json")
    return parser.parse_args(argv), extra


def run_fuzzer(url: str, args: argparse.Namespace, extra: list[str]) -> tuple[int, dict, float]:
    """Run the Node fuzzer, passing its report through; returns (exit code, figures, CPU seconds of Node)."""
    command = [
        "node",
        "--experimental-websocket",
        "--no-warnings",
        str(FUZZER),
        url,
        str(args.clients),
        str(args.steps),
        str(args.seed),
        "--mode",
        args.mode,
        "--check-every",
        str(args.check_every),
        "--progress",
        "1",
        *extra,
    ]
    print("$", " ".join(command[3:]), flush=True)
    before = os.times()
    process = subprocess.run(command, cwd=ROOT, stdout=subprocess.PIPE, text=True)
    after = os.times()
    lines = process.stdout.strip().splitlines()
    figures = json.loads(lines[-1]) if lines else {"ok": False, "error": "the fuzzer printed nothing"}
    cpu = (after.children_user - before.children_user) + (after.children_system - before.children_system)
    return process.returncode, figures, cpu


def process_cpu_seconds(pid: int) -> float | None:
    """User + system CPU time of a live process (Linux /proc), or None elsewhere."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def print_figures(figures: dict) -> None:
    log = figures.get("log") or {}
    rows = [
        ("steps", f"{figures['steps']:,} ({figures['clients']} clients, {figures['mode']}, seed {figures['seed']})"),
        ("edits made = accepted", f"{figures['edits']:,} (log: {log.get('updates', '?'):,} updates, each once)"),
        ("pushes sent", f"{figures['pushes']:,}"),
        ("pushes rejected (rebased)", f"{figures['rejected']:,}"),
        ("rebased by the server", f"{figures.get('serverRebased', 0):,} own updates"),
        ("no-ops confirmed locally", f"{figures.get('noops', 0):,} (emptied by a concurrent edit; never sent)"),
        ("pulls", f"{figures['pulls']:,}"),
        (
            "disconnects / reconnects",
            f"{sum(figures['disconnects'].values()):,} "
            f"({figures['disconnects']['flush']:,} after sending) / {figures['reconnects']:,}",
        ),
        ("checkpoints passed", f"{figures['checkpoints']:,}"),
        ("frames to / from server", f"{figures['framesOut']:,} / {figures['framesIn']:,}"),
        ("bytes to / from server", f"{figures['bytesOut'] / 1e6:,.1f} MB / {figures['bytesIn'] / 1e6:,.1f} MB"),
        ("final text", f"{log.get('textLength', 0):,} units, {log.get('utf8Bytes', 0):,} UTF-8 bytes"),
        ("wall time", f"{figures['wallSeconds']:,.1f} s"),
        ("steps/s", f"{figures['stepsPerSecond']:,}"),
    ]
    width = max(len(name) for name, _ in rows)
    for name, value in rows:
        print(f"  {name:<{width}}  {value}")


def main(argv: list[str]) -> int:
    args, extra = parse_args(argv)
    server = None
    with tempfile.TemporaryDirectory() as data_dir:
        if args.url:
            url = args.url
        else:
            server_args = ["--store", args.store, "--data-dir", data_dir, "--log-level", "WARNING", *LIMITS_OFF]
            server = ServerProcess(*server_args, log_path=Path(data_dir) / "server.log")
            server.start()
            url = server.url
        started = time.monotonic()
        try:
            code, figures, node_cpu = run_fuzzer(url, args, extra)
        finally:
            server_cpu = process_cpu_seconds(server.process.pid) if server else None
            server_log = (Path(data_dir) / "server.log").read_text() if server else ""
            if server:
                server.terminate()
    wall = time.monotonic() - started
    if not figures.get("ok"):
        print(f"FAILED: {figures.get('error') or figures.get('problems')}", file=sys.stderr)
        if "Traceback" in server_log:
            print("server log:\n" + server_log[-4000:], file=sys.stderr)
        return 1
    print_figures(figures)
    print(f"  {'CPU: Node clients':<25}  {node_cpu:,.1f} s of {wall:,.1f} s")
    if server_cpu is not None:
        print(f"  {'CPU: server':<25}  {server_cpu:,.1f} s")
    result = {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "node": subprocess.run(["node", "--version"], capture_output=True, text=True).stdout.strip(),
        },
        "server": {"store": args.store if not args.url else "external", "url_given": bool(args.url)},
        "fuzzer_args": {
            "clients": args.clients,
            "steps": args.steps,
            "seed": args.seed,
            "mode": args.mode,
            "check_every": args.check_every,
            "extra": extra,
        },
        "node_cpu_seconds": round(node_cpu, 1),
        "server_cpu_seconds": None if server_cpu is None else round(server_cpu, 1),
        "figures": figures,
    }
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(result, indent=2) + "\n")
    print(f"wrote {args.json.relative_to(ROOT) if args.json.is_relative_to(ROOT) else args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

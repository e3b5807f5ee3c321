"""Fuzzed convergence: five real @codemirror/collab clients (Node) on a lagging, dropping network
against a real server process end with the server's text, and its log holds every edit exactly once.

A short run of tests/node/fuzz_clients.mjs (the long one is `make fuzz`, see docs/FUZZING.md).
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from .support.server_process import ServerProcess

pytestmark = pytest.mark.system

ROOT = Path(__file__).resolve().parent.parent
FUZZER = ROOT / "tests" / "node" / "fuzz_clients.mjs"
# The fuzz sends faster than any person: no per-connection rate limit, no caps on sockets or sessions.
# A server that lacks one of these flags refuses to start, and the fixture fails with its log.
LIMITS_OFF = [
    "--message-rate",
    "0",
    "--sockets-per-ip",
    "0",
    "--sessions-per-ip",
    "0",
    "--max-participants",
    "0",
    "--byte-rate",
    "0",
    "--version-rate",
    "0",
]


def fuzz_server(store: str, data_dir: Path) -> ServerProcess:
    """A started server for the fuzz, its limits off."""
    server = ServerProcess(
        "--store",
        store,
        "--data-dir",
        str(data_dir),
        "--log-level",
        "WARNING",
        *LIMITS_OFF,
        log_path=data_dir / "server.log",
    )
    server.start()
    return server


def fuzz(server: ServerProcess, clients: int, steps: int, seed: int, *options: str, timeout: float = 100) -> dict:
    """Run the fuzzer; fail with its report (seed, failing step, last actions) if it finds a problem."""
    process = subprocess.run(
        [
            "node",
            "--experimental-websocket",
            "--no-warnings",
            str(FUZZER),
            server.url,
            str(clients),
            str(steps),
            str(seed),
            *options,
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    assert process.returncode == 0, f"fuzz failed (seed {seed}):\n{process.stderr}\n{process.stdout}"
    return json.loads(process.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def memory_server(tmp_path_factory):
    server = fuzz_server("memory", tmp_path_factory.mktemp("memory"))
    yield server
    server.terminate()


@pytest.fixture(scope="module")
def sqlite_server(tmp_path_factory):
    server = fuzz_server("sqlite", tmp_path_factory.mktemp("sqlite"))
    yield server
    server.terminate()


def assert_real_work(figures: dict, steps: int, rebase: bool = True) -> None:
    """The run exercised what it claims to: many edits, stale pushes rebased, reconnects, no resync."""
    assert figures["ok"] and figures["steps"] == steps
    assert figures["log"]["updates"] == figures["edits"] == figures["version"] > steps // 2
    if rebase:  # pushes raced and the server rebased them (a few too old to rebase may still be rejected)
        assert figures["serverRebased"] > 0
    else:  # pushes raced and were rejected; the clients rebased them
        assert figures["rejected"] > 0 and figures["serverRebased"] == 0
    assert figures["reconnects"] > 0 and figures["disconnects"]["flush"] + figures["disconnects"]["cut"] > 0
    assert figures["resyncs"] == 0 and figures["dropped"] == 0 and figures["serverCloses"] == 0


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_five_lagging_reconnecting_clients_converge_on_memory(memory_server, seed):
    figures = fuzz(memory_server, 5, 500, seed, "--check-every", "250")
    assert_real_work(figures, 500)
    # Some edits were emptied by a concurrent one (both deleted the same text): the page's core confirmed
    # them itself, since the server refuses no-ops, and the log still holds every other edit exactly once.
    assert figures["noops"] > 0


def test_five_clients_converge_on_sqlite(sqlite_server):
    figures = fuzz(sqlite_server, 5, 500, 11, "--check-every", "250")
    assert_real_work(figures, 500)


def test_real_races_in_realtime_mode_converge(memory_server):
    # Frames of all clients reach the server at once (not one client at a time as in lockstep).
    figures = fuzz(memory_server, 5, 400, 21, "--mode", "realtime", "--check-every", "200")
    assert_real_work(figures, 400)


@pytest.mark.parametrize("mode", ["lockstep", "realtime"])
def test_clients_that_rebase_themselves_converge(memory_server, mode):
    """Without `rebase` in their pushes (as an issue-2 client), stale pushes are rejected and rebased by
    the clients; that path must keep converging too."""
    figures = fuzz(memory_server, 5, 400, 31, "--mode", mode, "--rebase", "0", "--check-every", "200")
    assert_real_work(figures, 400, rebase=False)


def test_lockstep_run_is_reproducible_from_its_seed(memory_server):
    # Many disconnects: a barrier missing after one of them once let timing leak into a run.
    first = fuzz(memory_server, 5, 300, 99, "--disconnect-rate", "0.05")
    second = fuzz(memory_server, 5, 300, 99, "--disconnect-rate", "0.05")
    varying = {"wallSeconds", "stepsPerSecond"}
    assert {k: v for k, v in first.items() if k not in varying} == {k: v for k, v in second.items() if k not in varying}

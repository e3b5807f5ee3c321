"""What the benchmarks share: the server process under test (and its redis-server), free ports,
CPU seconds and RSS of a process, percentiles."""

from __future__ import annotations

import asyncio
import json
import os
import secrets
import shutil
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

import aiohttp

ROOT = Path(__file__).resolve().parent.parent
# Every benchmark client connects from 127.0.0.1: the per-address limits would stop them.
LIMIT_FLAGS = {"--message-rate": "0", "--sockets-per-ip": "0", "--sessions-per-ip": "0", "--byte-rate": "0"}
# GET /api/health shows its counts (connections, tasks, loop lag) only to the operator: every server a bench
# starts gets this token, and the benches send it.
OPERATOR_TOKEN = secrets.token_urlsafe(24)
OPERATOR_HEADERS = {"Authorization": f"Bearer {OPERATOR_TOKEN}"}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def percentile(ordered: list[float], fraction: float) -> float | None:
    return round(ordered[min(len(ordered) - 1, int(len(ordered) * fraction))], 1) if ordered else None


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class Server:
    """The interview-server process under test (and its redis-server, if any)."""

    def __init__(
        self,
        store: str,
        data_dir: str,
        command: list[str] | None = None,
        extra_args: tuple[str, ...] = (),
        env: dict | None = None,
        cwd: Path = ROOT,
        redis_url: str = "",
    ):
        self.port = free_port()
        self.data_dir = data_dir
        self.log_path = Path(data_dir) / "server.log"
        self.redis: subprocess.Popen | None = None
        self.redis_port: int | None = None
        args = ["--store", store, "--port", str(self.port), "--data-dir", data_dir, "--log-level", "WARNING"]
        if store == "redis" and redis_url:  # another instance's redis-server: share it
            args += ["--redis-url", redis_url]
        elif store == "redis":
            binary = shutil.which("redis-server")
            if binary is None:
                raise SystemExit("--store redis needs redis-server (apt-get install redis-server)")
            self.redis_port = free_port()
            self.redis = subprocess.Popen(
                [binary, "--port", str(self.redis_port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
                stdout=subprocess.DEVNULL,
            )
            args += ["--redis-url", f"redis://127.0.0.1:{self.redis_port}/0"]
        self.cwd = cwd
        help_text = subprocess.run(
            (command or self.command()) + ["--help"], capture_output=True, text=True, cwd=cwd
        ).stdout
        self.limit_flags = [item for flag, value in LIMIT_FLAGS.items() if flag in help_text for item in (flag, value)]
        self.argv = (command or self.command()) + args + self.limit_flags + list(extra_args)
        self.env = env
        self.process: subprocess.Popen | None = None
        self.stop_s: float | None = None

    @staticmethod
    def command() -> list[str]:
        script = Path(sys.executable).parent / "interview-server"
        return [str(script)] if script.exists() else [sys.executable, "-m", "interview_server"]

    async def start(self, http: aiohttp.ClientSession, timeout: float = 20) -> None:
        if self.redis is not None:
            await self._wait_for_port(self.redis_port, timeout)
        log = open(self.log_path, "a")
        self.process = subprocess.Popen(
            self.argv,
            cwd=self.cwd,
            stdout=log,
            stderr=subprocess.STDOUT,
            env={**os.environ, "OPERATOR_TOKEN": OPERATOR_TOKEN, **(self.env or {})},
        )
        deadline = time.monotonic() + timeout
        while True:
            try:
                async with http.get(f"http://127.0.0.1:{self.port}/api/health") as response:
                    if response.status == 200:
                        return
            except aiohttp.ClientError:
                pass
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(
                    f"server did not start (exit {self.process.poll()}); log:\n{self.log_path.read_text()}"
                )
            await asyncio.sleep(0.05)

    @staticmethod
    async def _wait_for_port(port: int, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while True:
            try:
                _, writer = await asyncio.open_connection("127.0.0.1", port)
                writer.close()
                return
            except OSError:
                if time.monotonic() > deadline:
                    raise SystemExit(f"redis-server did not start on port {port}") from None
                await asyncio.sleep(0.05)

    def stop(self) -> int | None:
        """SIGTERM and wait; the server's exit code."""
        code, started = None, time.monotonic()
        for process in (self.process, self.redis):
            if process is not None and process.poll() is None:
                process.terminate()
                try:
                    code = process.wait(15) if process is self.process else process.wait(5)
                except subprocess.TimeoutExpired:
                    process.kill()
            if process is self.process:
                self.stop_s = round(time.monotonic() - started, 2)
        return code

    def log_problems(self) -> list[str]:
        """Log records at WARNING or worse, each with its traceback (joined into one string)."""
        if not self.log_path.exists():
            return []
        problems: list[str] = []
        keep = False
        for line in self.log_path.read_text().splitlines():
            if line[:4].isdigit():  # a new record: "2026-11-29 04:56:52,099 LEVEL name: message"
                keep = any(f" {level} " in line for level in ("WARNING", "ERROR", "CRITICAL"))
                if keep:
                    problems.append(line)
            elif keep and problems:
                problems[-1] += "\n" + line
        return problems


def rss_bytes(pid: int) -> int:
    """Resident memory of a process."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    return 0


def machine_busy_seconds() -> float:
    """CPU seconds all cores spent busy since boot (/proc/stat), to tell what else ran during a measurement."""
    fields = [int(value) for value in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)  # idle + iowait
    return (sum(fields[:8]) - idle) / os.sysconf("SC_CLK_TCK")


def median_and_max(values) -> dict | None:
    """{"median", "max"} of the figures that were measured (None ones left out), rounded to 0.1; None if none were."""
    measured = [value for value in values if value is not None]
    if not measured:
        return None
    return {"median": round(statistics.median(measured), 1), "max": round(max(measured), 1)}


def write_result(result: dict, out: str, shown=lambda key: key != "raw") -> None:
    """Print the result's figures (the keys `shown` keeps) and write all of it as JSON to `out`."""
    print(json.dumps({key: value for key, value in result.items() if shown(key)}, indent=1))
    path = Path(out)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(result, indent=1))

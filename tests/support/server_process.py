"""Start, kill and restart a real `python -m interview_server` process for tests."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class ServerExited(RuntimeError):
    """The server process ended before it answered."""


class ServerProcess:
    """One server instance on a fixed port; can be stopped and started again on the same data."""

    def __init__(self, *args: str, port: int | None = None, log_path: Path | None = None, env: dict | None = None):
        self.port = port or free_port()
        self._may_move = port is None  # a port chosen here may be taken by another process before the server binds it
        self.args = list(args)
        self.log_path = log_path
        self.env = {**os.environ, **(env or {})}
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 20) -> None:
        """Start the server and wait until it answers. On its first start on a port chosen here, a server
        that exits at once is tried on another free port (another process may have taken the port meanwhile)."""
        for attempt in range(3):
            try:
                self._start(timeout)
                break
            except ServerExited:
                if not self._may_move or attempt == 2:
                    raise
                self.port = free_port()
        self._may_move = False  # restarts keep the port: clients reconnect to it

    def _start(self, timeout: float) -> None:
        with open(self.log_path or os.devnull, "a") as log:  # the server keeps its own copy of the file
            self.process = subprocess.Popen(
                [sys.executable, "-m", "interview_server", "--port", str(self.port), *self.args],
                cwd=ROOT,
                stdout=log,
                stderr=subprocess.STDOUT,
                env=self.env,
            )
        deadline = time.monotonic() + timeout
        while True:
            try:
                urllib.request.urlopen(self.url + "/api/health", timeout=1).read()
                answered = True
            except OSError:
                answered = False
            exited = self.process.poll() is not None  # answered all the same: another server has the port
            if answered and not exited:
                return
            if exited or time.monotonic() > deadline:
                self.kill()
                error = ServerExited if exited else RuntimeError
                raise error(f"server did not start (exit {self.process.returncode}){self._log_tail()}")
            time.sleep(0.05)

    def _log_tail(self, lines: int = 20) -> str:
        """The end of the server's log, to show why it did not start."""
        if not self.log_path or not self.log_path.exists():
            return ""
        return ":\n" + "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])

    def kill(self) -> None:
        """SIGKILL: no shutdown code runs."""
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(10)

    def terminate(self, timeout: float = 15) -> int:
        """SIGTERM, then wait for a clean exit; returns the exit code."""
        if not self.process or self.process.poll() is not None:
            return self.process.returncode if self.process else 0
        self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            raise

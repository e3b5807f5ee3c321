"""A real redis-server on a free port, started and stopped by the tests."""

from __future__ import annotations

import shutil
import signal
import subprocess
import time
from pathlib import Path

import redis

from .server_process import free_port


class RedisServer:
    """redis-server on a free loopback port: with no persistence, or (`durable_dir`) with an append-only file
    written before each answer (`appendfsync always`), so that it can be killed and restarted losing nothing."""

    def __init__(self, durable_dir: Path | None = None) -> None:
        self.binary = shutil.which("redis-server")
        if self.binary is None:
            raise RuntimeError("redis-server is not installed: `apt-get install redis-server` (.ci/run does it)")
        persistence = ["--appendonly", "no"]
        if durable_dir is not None:
            persistence = ["--appendonly", "yes", "--appendfsync", "always", "--dir", str(durable_dir)]
        self.options = ["--bind", "127.0.0.1", "--save", "", *persistence]
        # The port is free when chosen, but another process (a parallel test worker) may bind it first: then
        # this redis-server exits, and a PING would be answered by someone else's. Try another port.
        for _attempt in range(3):
            if self._start(free_port()):
                return
        raise RuntimeError(f"redis-server did not start (exit {self.process.returncode})")

    def kill(self) -> None:
        """SIGKILL, as a crash would."""
        self.process.kill()
        self.process.wait(10)

    def pause(self) -> None:
        """SIGSTOP: connections hang unanswered, as with a lost network."""
        self.process.send_signal(signal.SIGSTOP)

    def resume(self) -> None:
        self.process.send_signal(signal.SIGCONT)

    def shut_down(self) -> None:
        """A clean shutdown (SIGTERM: the append-only file is flushed)."""
        self.stop()

    def restart(self) -> None:
        """Start again on the same port (and append-only file, if durable)."""
        if not self._start(self.port):
            raise RuntimeError(f"redis-server did not start again (exit {self.process.returncode})")

    def _start(self, port: int) -> bool:
        self.port = port
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process = subprocess.Popen(
            [self.binary, "--port", str(self.port), *self.options],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.STDOUT,
        )
        self.client = redis.Redis.from_url(self.url)
        deadline = time.monotonic() + 10
        while self.process.poll() is None:
            try:
                self.client.ping()
            except redis.ConnectionError:
                if time.monotonic() > deadline:
                    self.stop()
                    raise
                time.sleep(0.05)
                continue
            # Answered: by this process, unless it is on its way out having lost the port.
            time.sleep(0.05)
            if self.process.poll() is None:
                return True
        return False

    def flush(self) -> None:
        self.client.flushall()

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(10)

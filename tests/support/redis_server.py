"""A real redis-server on a free port, started and stopped by the tests."""

from __future__ import annotations

import shutil
import subprocess
import time

import redis

from .server_process import free_port


class RedisServer:
    """redis-server with no persistence on a free loopback port."""

    def __init__(self) -> None:
        binary = shutil.which("redis-server")
        if binary is None:
            raise RuntimeError("redis-server is not installed: `apt-get install redis-server` (.ci/run does it)")
        # The port is free when chosen, but another process (a parallel test worker) may bind it first: then
        # this redis-server exits, and a PING would be answered by someone else's. Try another port.
        for _attempt in range(3):
            if self._start(binary):
                return
        raise RuntimeError(f"redis-server did not start (exit {self.process.returncode})")

    def _start(self, binary: str) -> bool:
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process = subprocess.Popen(
            [binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
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

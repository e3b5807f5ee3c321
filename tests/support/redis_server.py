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
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process = subprocess.Popen(
            [binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.STDOUT,
        )
        client = redis.Redis.from_url(self.url)
        deadline = time.monotonic() + 10
        while True:
            try:
                client.ping()
                break
            except redis.ConnectionError:
                if time.monotonic() > deadline:
                    self.stop()
                    raise
                time.sleep(0.05)
        self.client = client

    def flush(self) -> None:
        self.client.flushall()

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(10)

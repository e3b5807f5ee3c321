"""/api/health says "overloaded" while the event loop runs late (every message then waits), and "ok" again after."""

from __future__ import annotations

import asyncio
import time

from interview_server.app import create_app
from interview_server.config import Config
from interview_server.keys import LOOP_MONITOR
from interview_server.loop_monitor import OVERLOAD_LAG_MS, LoopMonitor


async def test_health_says_overloaded_while_the_loop_runs_late(aiohttp_client):
    client = await aiohttp_client(create_app(Config(store="memory")))
    monitor = client.server.app[LOOP_MONITOR]
    assert await (await client.get("/api/health")).json() == {"status": "ok"}
    for _ in range(20):  # 2 s of a loop running OVERLOAD_LAG_MS + 50 late
        monitor.record(OVERLOAD_LAG_MS + 50)
    response = await client.get("/api/health")
    assert (response.status, await response.json()) == (200, {"status": "overloaded"})
    for _ in range(100):  # then 10 quiet seconds
        monitor.record(0.0)
    assert await (await client.get("/api/health")).json() == {"status": "ok"}


async def test_the_monitor_sees_a_blocked_loop():
    monitor = LoopMonitor()
    running = asyncio.create_task(monitor.run())
    try:
        for _ in range(12):
            await asyncio.sleep(0.01)
            time.sleep((OVERLOAD_LAG_MS + 100) / 1000)  # work that holds the loop
            await asyncio.sleep(0.12)  # the timer's late wake-up is recorded
        assert monitor.overloaded()
        assert monitor.summary()["max"] >= OVERLOAD_LAG_MS
    finally:
        running.cancel()

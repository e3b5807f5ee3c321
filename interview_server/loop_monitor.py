"""How late the event loop runs: the server-side delay every message waits before it is handled.

A timer asks to wake every 100 ms and records how late it woke; /api/health reports the p50, p99
and max over the last minute. A loop kept busy (too much load for one process) shows here first.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib

PERIOD_SECONDS = 0.1
WINDOW_SAMPLES = 600  # one minute


class LoopMonitor:
    def __init__(self) -> None:
        self._lags_ms: collections.deque[float] = collections.deque(maxlen=WINDOW_SAMPLES)

    async def run(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            asked = loop.time()
            await asyncio.sleep(PERIOD_SECONDS)
            self._lags_ms.append(max(0.0, (loop.time() - asked - PERIOD_SECONDS) * 1000))

    def summary(self) -> dict:
        """Lag in ms over the last minute: {"p50", "p99", "max"} (None before the first sample)."""
        ordered = sorted(self._lags_ms)
        if not ordered:
            return {"p50": None, "p99": None, "max": None}
        def pick(fraction: float) -> float:
            return round(ordered[min(len(ordered) - 1, int(len(ordered) * fraction))], 2)
        return {"p50": pick(0.5), "p99": pick(0.99), "max": round(ordered[-1], 2)}


async def run_while_serving(monitor: LoopMonitor):
    """For a cleanup context: run the monitor from start-up to shutdown."""
    task = asyncio.create_task(monitor.run())
    yield
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task

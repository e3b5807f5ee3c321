"""How late the event loop runs: the server-side delay every message waits before it is handled.

A timer asks to wake every 100 ms and records how late it woke; /api/health reports the p50, p99
and max over the last minute. A loop kept busy (too much load for one process) shows here first.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
from collections.abc import Callable

PERIOD_SECONDS = 0.1
WINDOW_SAMPLES = 600  # one minute
# Overloaded: over the last 10 s, the loop ran this late at p90. Every message then waits about as long
# before it is handled; more sessions on this instance only make it worse.
OVERLOAD_SAMPLES, OVERLOAD_LAG_MS = 100, 200.0


class LoopMonitor:
    """Samples the event loop's lag and keeps the last minute of it."""

    def __init__(self, on_sample: Callable[[float], None] | None = None) -> None:
        self._lags_ms: collections.deque[float] = collections.deque(maxlen=WINDOW_SAMPLES)
        self._on_sample = on_sample  # told of each sample, in ms (metrics)

    def overloaded(self) -> bool:
        """The loop has run late (OVERLOAD_LAG_MS at p90) over the last 10 s: too much work for one process."""
        recent = sorted(list(self._lags_ms)[-OVERLOAD_SAMPLES:])
        return len(recent) >= 10 and recent[int(len(recent) * 0.9)] > OVERLOAD_LAG_MS

    async def run(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            asked = loop.time()
            await asyncio.sleep(PERIOD_SECONDS)
            self.record((loop.time() - asked - PERIOD_SECONDS) * 1000)

    def record(self, lag_ms: float) -> None:
        """One sample: how late the timer woke."""
        lag_ms = max(0.0, lag_ms)
        self._lags_ms.append(lag_ms)
        if self._on_sample is not None:
            self._on_sample(lag_ms)

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

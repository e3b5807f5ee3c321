"""Whether the store answers: outages seen by store calls, and a probe that tells when it is back.

While the store is down, edits are refused at once with `store_unavailable` (the pages keep them and send
them again; nothing is acknowledged that was not committed) instead of each waiting on a dead connection,
and /api/health says so. The probe pings the store every few seconds, and twice a second while it is down.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable

from .store import SessionStore

log = logging.getLogger(__name__)

PROBE_SECONDS = 2.0  # between pings while the store answers
DOWN_PROBE_SECONDS = 0.5  # between pings while it does not
PING_TIMEOUT_SECONDS = 2.0  # a ping unanswered this long counts as down (a hung or unreachable server)
STALE_PING_SECONDS = 10.0  # a ping still unanswered after this is given up for a new one


class StoreHealth:
    """The store's state as this instance sees it: up, or down since a moment."""

    def __init__(self, store: SessionStore, clock: Callable[[], float] = time.monotonic):
        self._store = store
        self._clock = clock
        self.down_since: float | None = None
        self._woken = asyncio.Event()
        self._ping: asyncio.Future | None = None  # the latest ping, answered or not
        self._ping_started = 0.0

    @property
    def up(self) -> bool:
        return self.down_since is None

    def down_for(self) -> float:
        """Seconds the store has been down (0 while up)."""
        return 0.0 if self.down_since is None else self._clock() - self.down_since

    def is_outage(self, exc: BaseException) -> bool:
        """Whether `exc` says the store cannot be reached (rather than that a request was wrong): one of the store's
        outage errors, raised by the store's code or its driver (a client's reset socket is an OSError too)."""
        store = self._store
        return (
            isinstance(exc, store.outage_errors)
            and not isinstance(exc, store.not_outage_errors)
            and raised_in(exc, store.outage_sources)
        )

    def failed(self, exc: BaseException) -> bool:
        """Note a store call's exception; True if it was an outage (the store is then down until a ping answers)."""
        if not self.is_outage(exc):
            return False
        self._mark_down(str(exc) or type(exc).__name__)
        return True

    def _mark_down(self, why: str) -> None:
        if self.down_since is None:
            self.down_since = self._clock()
            log.warning(
                "the %s store cannot be reached (%s): edits are refused until it answers", self._store.name, why
            )
            self._woken.set()

    async def probe_once(self) -> None:
        """Ping the store and update the state. A ping unanswered within PING_TIMEOUT_SECONDS counts as down at
        once, without waiting for it to be cancelled (cancelling a query on a hung server may itself hang); it is
        left running, and the next probes wait on it rather than pile more onto the hung server."""
        stale = self._ping is not None and self._clock() - self._ping_started > STALE_PING_SECONDS
        if self._ping is None or self._ping.done() or stale:
            if stale:
                self._ping.cancel()  # a half-open connection: start afresh rather than wait on it for ever
            self._ping, self._ping_started = asyncio.ensure_future(self._store.ping()), self._clock()
        ping, started = self._ping, self._ping_started
        done, _ = await asyncio.wait({ping}, timeout=PING_TIMEOUT_SECONDS)
        if not done:
            self._mark_down(f"no answer to a ping within {PING_TIMEOUT_SECONDS:g} s")
            return
        error = ping.exception()
        if error is not None:
            if not self.failed(error):
                log.warning("pinging the %s store failed: %r", self._store.name, error)
            return
        if self.down_since is not None and started < self.down_since:
            return  # sent before the store went down (or on a connection that escaped it): ask again
        if self.down_since is not None:
            log.warning("the %s store answers again after %.1f s", self._store.name, self.down_for())
            self.down_since = None

    async def run(self) -> None:
        """Probe until cancelled (an app's cleanup context runs it)."""
        while True:
            self._woken.clear()
            try:
                await asyncio.wait_for(self._woken.wait(), PROBE_SECONDS if self.up else DOWN_PROBE_SECONDS)
            except TimeoutError:
                pass
            try:
                await self.probe_once()
            except asyncio.CancelledError:
                if self._ping is not None:
                    self._ping.cancel()
                raise
            except Exception:
                log.exception("probing the %s store failed", self._store.name)


def raised_in(exc: BaseException, places: tuple[str, ...]) -> bool:
    """Whether a frame of `exc`'s traceback runs code from one of `places` (folders)."""
    frame = exc.__traceback__
    while frame is not None:
        if frame.tb_frame.f_code.co_filename.startswith(places):
            return True
        frame = frame.tb_next
    return False

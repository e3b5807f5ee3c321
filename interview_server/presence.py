"""Who is in a session: display names, distinct colours, and cursors relayed at a bounded rate."""

from __future__ import annotations

import asyncio
import re
import time
import unicodedata
from collections.abc import Callable, Iterable

DEFAULT_NAME = "Guest"
# Ten colours that stay distinct from each other and readable as labels with white text, on light
# and dark backgrounds. The eleventh participant shares the first colour.
PALETTE = ("#2563eb", "#db2777", "#16a34a", "#d97706", "#9333ea", "#0891b2", "#dc2626", "#4f46e5", "#65a30d", "#c2410c")
CURSOR_INTERVAL_SECONDS = 0.05  # at most one relayed cursor per participant this often; the latest wins


# Words that claim a role: a candidate may not wear them in a name (the host badge is the server's to give).
ROLE_WORDS = frozenset(
    {
        "host",
        "interviewer",
        "interviewers",
        "moderator",
        "admin",
        "administrator",
        "organizer",
        "organiser",
        "proctor",
        "recruiter",
    }
)


def name_key(name: str) -> str:
    """A name as people would read it: compatibility forms folded, case folded, spaces and punctuation gone."""
    folded = unicodedata.normalize("NFKC", name).casefold()
    return "".join(ch for ch in folded if ch.isalnum())


def name_refusal(name: str, is_host: bool, host_names: Iterable[str]) -> str | None:
    """Why a candidate may not take `name` (it is a host's, or it claims a role), or None if it may. Hosts may
    take any name."""
    if is_host:
        return None
    words = set(re.findall(r"\w+", unicodedata.normalize("NFKC", name).casefold()))
    if words & ROLE_WORDS:
        return "a name cannot claim a role (such as host or interviewer): the page marks hosts itself"
    key = name_key(name)
    if key and any(key == name_key(host) for host in host_names):
        return "that is a host's name in this session: choose another"
    return None


def pick_color(taken: Iterable[str]) -> str:
    """The first palette colour nobody in the session has (cycling once all are taken)."""
    taken = list(taken)
    for color in PALETTE:
        if color not in taken:
            return color
    return PALETTE[len(taken) % len(PALETTE)]


class CursorThrottle:
    """Relays one participant's cursor at most every CURSOR_INTERVAL_SECONDS, always ending on the latest.

    `relay(message)` is called with the newest message; in between, older ones are dropped.
    """

    def __init__(self, relay: Callable[[object], None], clock: Callable[[], float] = time.monotonic):
        self._relay = relay
        self._clock = clock
        self._last = -float("inf")
        self._pending: object | None = None
        self._timer: asyncio.TimerHandle | None = None

    def offer(self, message: object) -> None:
        wait = self._last + CURSOR_INTERVAL_SECONDS - self._clock()
        if wait <= 0 and self._timer is None:
            self._send(message)
            return
        self._pending = message
        if self._timer is None:
            self._timer = asyncio.get_running_loop().call_later(max(wait, 0), self._flush)

    def _flush(self) -> None:
        self._timer = None
        message, self._pending = self._pending, None
        if message is not None:
            self._send(message)

    def _send(self, message: object) -> None:
        self._last = self._clock()
        self._relay(message)

    def sent_along(self) -> None:
        """A cursor of this participant went out with another frame just now: drop the older one held back,
        and count the interval from now."""
        self.cancel()
        self._last = self._clock()

    def cancel(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        self._pending = None

"""Abuse limits: message rate per connection, sockets and session creation per client address.

Each limit is a plain object with an injectable clock, so tests can drive it without sleeping; the
HTTP and WebSocket handlers ask it before doing the work. No aiohttp here except reading the
client's address from a request.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable

from aiohttp import web

Clock = Callable[[], float]

# Versions (accepted updates) one connection, and one session, may add: a burst passes at once (an honest page
# typing offline for a while sends up to 1,000 updates in a push), then pushes are delayed to the rate, which is
# far above typing speed. Bounds how fast anyone can fill a session's log (and reach compaction) and the work
# a stream of many-update pushes costs.
# VERSION_RATE sets the connection's rate; a session may add 1.5 times as many.
DEFAULT_VERSION_RATE = 40.0
CONNECTION_VERSION_BURST_SECONDS = 75  # 3,000 versions at the default rate
SESSION_VERSION_SHARE, SESSION_VERSION_BURST_SECONDS = 1.5, 100  # 60 a second, 6,000 at once
# Wrong host keys one client address may try: a burst, then one every 6 s; logged once a minute per address.
WRONG_HOST_KEYS_BURST, WRONG_HOST_KEYS_PER_MINUTE = 10, 10


def connection_versions(rate: float) -> TokenBucket | None:
    """The versions one connection may add (None: no limit)."""
    return TokenBucket(rate, rate * CONNECTION_VERSION_BURST_SECONDS) if rate else None


def session_versions(rate: float) -> TokenBucket | None:
    """The versions one session may add, from all its connections (None: no limit)."""
    rate *= SESSION_VERSION_SHARE
    return TokenBucket(rate, rate * SESSION_VERSION_BURST_SECONDS) if rate else None


class SessionBudgets:
    """What all of one session's connections together may send of the messages a connection's own bucket also
    paces: a participant who reconnects gets a new connection's bucket, not a new session's."""

    BOARD_BURST_SECONDS = 6  # board operations: BOARD_RATE a second after 6 s worth (each connection: 10 after 60)
    COMMENT_RATE, COMMENT_BURST = 4, 40  # comment messages (each connection: 2 a second after 20)
    INTEGRITY_RATE, INTEGRITY_BURST = 2, 60  # integrity events (each connection: 1 a second after 30)

    def __init__(self, board_rate: float = 20.0, clock: Clock = time.monotonic):
        self.board_rate = board_rate
        self.board = TokenBucket(board_rate, board_rate * self.BOARD_BURST_SECONDS, clock) if board_rate else None
        self.comments = TokenBucket(self.COMMENT_RATE, self.COMMENT_BURST, clock)
        self.integrity = TokenBucket(self.INTEGRITY_RATE, self.INTEGRITY_BURST, clock)


def take_from_both(connection: TokenBucket, session: TokenBucket | None) -> bool:
    """One action paced by a connection's bucket and its session's (None: no session limit): taken from both, or
    from neither."""
    if session is None:
        return connection.try_take()
    if not (connection.has_token() and session.has_token()):
        return False
    return connection.try_take() and session.try_take()


class TokenBucket:
    """`capacity` tokens at most, refilled at `rate` per second; each action takes one."""

    def __init__(self, rate: float, capacity: float, clock: Clock = time.monotonic):
        self.rate = rate
        self.capacity = capacity
        self.tokens = float(capacity)
        self._clock = clock
        self._last = clock()

    def _refill(self) -> float:
        now = self._clock()
        elapsed = max(0.0, now - self._last)
        self.tokens = min(self.capacity, self.tokens + elapsed * self.rate)
        self._last = max(self._last, now)
        return now

    def has_token(self) -> bool:
        self._refill()
        return self.tokens >= 1

    def try_take(self) -> bool:
        """Take a token if one is there."""
        self._refill()
        if self.tokens >= 1:
            self.tokens -= 1
            return True
        return False

    def take_or_wait(self, amount: float = 1) -> float:
        """Take `amount` tokens; if fewer are there, take those to come and return the seconds until they have."""
        now = self._refill()
        if self.tokens >= amount:
            self.tokens -= amount
            return 0.0
        # After any tokens already promised to earlier waiters (then _last lies ahead of now).
        self._last = max(now, self._last) + (amount - self.tokens) / self.rate
        self.tokens = 0.0  # those tokens are spent the moment they arrive
        return self._last - now

    @property
    def full(self) -> bool:
        self._refill()
        return self.tokens >= self.capacity


class MessageRate:
    """Per-connection message rate: a burst passes, then messages are slowed to the rate; a client that
    keeps sending faster than the rate for another burst's worth of messages is cut off.

    Nothing is dropped: a slowed message is handled after its wait, so a brief burst loses no edit.
    """

    def __init__(self, rate: float, burst: int, clock: Clock = time.monotonic):
        self.enabled = rate > 0
        self._bucket = TokenBucket(rate, max(1, burst), clock) if self.enabled else None
        self._burst = max(1, burst)
        self.strikes = 0  # messages in a row that found no token

    def admit(self) -> tuple[float, str]:
        """Seconds to wait before handling the next message, and the verdict: "ok", "slow" (first
        slowed message of an episode: warn the client), "slowing", or "cut" (close the connection)."""
        if not self.enabled:
            return 0.0, "ok"
        wait = self._bucket.take_or_wait()
        if wait == 0:
            self.strikes = 0
            return 0.0, "ok"
        self.strikes += 1
        if self.strikes > self._burst:
            return wait, "cut"
        return wait, "slow" if self.strikes == 1 else "slowing"


class AddressLimits:
    """Per client address: open sockets on this instance, and sessions created per hour."""

    def __init__(
        self,
        sockets_per_ip: int,
        sessions_per_hour: int,
        clock: Clock = time.monotonic,
        byte_rate: float = 0,
        byte_burst: float = 0,
    ):
        self.sockets_per_ip = sockets_per_ip
        self.sessions_per_hour = sessions_per_hour
        self.byte_rate = byte_rate
        self.byte_burst = max(byte_burst, byte_rate)
        self._clock = clock
        self._sockets: Counter[str] = Counter()
        self._creations: dict[str, TokenBucket] = {}
        self._bytes: dict[str, TokenBucket] = {}  # per address with open sockets: what they send, together
        self._wrong_keys: dict[str, TokenBucket] = {}  # per address: wrong host keys it may still try
        self._wrong_keys_logged: dict[str, float] = {}  # per address: when a wrong key of it was last logged

    def open_socket(self, address: str) -> bool:
        """Count a socket for `address`; False (and nothing counted) when it already holds the most."""
        if self.sockets_per_ip and self._sockets[address] >= self.sockets_per_ip:
            return False
        self._sockets[address] += 1
        if self.byte_rate and address not in self._bytes:
            self._bytes = _forget_whole(self._bytes)
            self._bytes[address] = TokenBucket(self.byte_rate, self.byte_burst, self._clock)
        return True

    def close_socket(self, address: str) -> None:
        """Uncount a socket. Its address's byte allowance stays as spent: reconnecting does not refill it."""
        self._sockets[address] -= 1
        if self._sockets[address] <= 0:
            del self._sockets[address]

    def bytes_wait(self, address: str, size: int) -> float:
        """Seconds to wait before handling `size` bytes (as sent: UTF-8) from `address` (its sockets share
        BYTE_RATE)."""
        bucket = self._bytes.get(address)
        return bucket.take_or_wait(min(size, bucket.capacity)) if bucket is not None else 0.0

    def may_try_host_key(self, address: str) -> bool:
        """Whether `address` has wrong host keys left to try (right ones never count)."""
        bucket = self._wrong_keys.get(address)
        return bucket is None or bucket.has_token()

    def wrong_host_key(self, address: str) -> bool:
        """Count a wrong host key from `address`; True if it should be logged (once a minute per address)."""
        self._wrong_keys = _forget_whole(self._wrong_keys)
        if len(self._wrong_keys_logged) > len(self._wrong_keys):  # forgotten with their allowance
            self._wrong_keys_logged = {
                key: at for key, at in self._wrong_keys_logged.items() if key in self._wrong_keys
            }
        bucket = self._wrong_keys.get(address)
        if bucket is None:
            bucket = self._wrong_keys[address] = TokenBucket(
                WRONG_HOST_KEYS_PER_MINUTE / 60, WRONG_HOST_KEYS_BURST, self._clock
            )
        bucket.try_take()
        now = self._clock()
        if now - self._wrong_keys_logged.get(address, -3600.0) < 60:
            return False
        self._wrong_keys_logged[address] = now
        return True

    def open_sockets(self, address: str) -> int:
        return self._sockets.get(address, 0)

    def may_create_session(self, address: str) -> bool:
        """Take one session creation for `address` if its hourly allowance has one left."""
        if not self.sessions_per_hour:
            return True
        self._creations = _forget_whole(self._creations)
        bucket = self._creations.get(address)
        if bucket is None:
            bucket = self._creations[address] = TokenBucket(
                self.sessions_per_hour / 3600, self.sessions_per_hour, self._clock
            )
        return bucket.try_take()


def _forget_whole(buckets: dict[str, TokenBucket]) -> dict[str, TokenBucket]:
    """Past 10,000 addresses, those whose allowance is whole again are forgotten (they would start whole anyway)."""
    if len(buckets) <= 10_000:
        return buckets
    return {key: bucket for key, bucket in buckets.items() if not bucket.full}


def client_address(request: web.Request, trust_proxy: int) -> str:
    """The client's IP: the peer address, or, behind `trust_proxy` proxies, the address the outermost
    trusted proxy saw (X-Forwarded-For is read from the right, so a client cannot forge its own)."""
    peer = request.remote or "unknown"
    if trust_proxy <= 0:
        return peer
    forwarded = [
        part.strip()
        for value in request.headers.getall("X-Forwarded-For", [])
        for part in value.split(",")
        if part.strip()
    ]
    if not forwarded:
        return peer
    return forwarded[-min(trust_proxy, len(forwarded))]

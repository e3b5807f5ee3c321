"""The instance's Prometheus metrics: one registry per app, bounded label sets, cheap hooks for the hot path.

Every label value comes from a fixed list (the protocol's message types, error codes, languages, the limits'
setting names); anything else counts as "other". Never a session id: that would grow without bound.
Counters are bound to their labels up front, so a hook costs a dict lookup and an addition.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from prometheus_client.exposition import generate_latest

from .protocol import CLIENT_MESSAGE_TYPES, ERROR_CODES, LANGUAGES, RUN_END_STATUSES, SERVER_MESSAGES

log = logging.getLogger(__name__)

OTHER = "other"
NO_CODE = "none"  # an `error` without a code
# The settings whose limits are counted when a client runs into them.
LIMITS = (
    "message_rate",
    "version_rate",
    "byte_rate",
    "sockets_per_ip",
    "sessions_per_ip",
    "max_participants",
    "max_document_bytes",
    "max_message_bytes",
    "key_guesses",  # host keys, ADMIN_TOKEN and METRICS_TOKEN: wrong ones per address (limits.AddressLimits)
)
RUN_OUTCOMES = (*RUN_END_STATUSES, "disconnected")
PUSH_OUTCOMES = ("accepted", "rebased", "rejected", "resync")
# Seconds: a push's acknowledgement and a store commit (a WAL fsync is ~1-5 ms; Redis/PostgreSQL a network trip).
LATENCY_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)
LAG_BUCKETS = (0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.2, 0.5, 1.0, 2.5)
CONNECTION_BUCKETS = (1, 10, 60, 300, 900, 1800, 3600, 7200, 14400, 43200)
_ERROR_CODE_AT = '"code":"'


class Metrics:
    """The metrics of one server instance (tests run many apps in one process: no global registry)."""

    def __init__(self, store_name: str) -> None:
        self.registry = registry = CollectorRegistry(auto_describe=True)
        self.live_sessions = Gauge("interview_live_sessions", "Sessions held open on this instance", registry=registry)
        self.connections = Gauge("interview_connections", "Open WebSockets on this instance", registry=registry)
        self.store_up = Gauge(
            "interview_store_up",
            "1 while this instance reaches its store, 0 while it cannot (edits are refused until it answers)",
            registry=registry,
        )
        self.connection_seconds = Histogram(
            "interview_connection_duration_seconds",
            "How long WebSockets stayed open",
            buckets=CONNECTION_BUCKETS,
            registry=registry,
        )
        received = Counter(
            "interview_messages_received", "Client messages by type (unknown types: other)", ["type"], registry=registry
        )
        sent = Counter(
            "interview_messages_sent", "Server messages by type, one per recipient", ["type"], registry=registry
        )
        self._received = {name: received.labels(name) for name in (*CLIENT_MESSAGE_TYPES, OTHER)}
        self._sent = {name: sent.labels(name) for name in (*SERVER_MESSAGES, OTHER)}
        self.push_ack_seconds = Histogram(
            "interview_push_ack_seconds",
            "From a push's arrival to its acknowledgement (the accepted updates queued for everyone)",
            buckets=LATENCY_BUCKETS,
            registry=registry,
        )
        pushes = Counter(
            "interview_pushes",
            "Pushes by outcome: accepted as sent, rebased by the server, rejected as stale (the client rebases), "
            "answered with a resync",
            ["outcome"],
            registry=registry,
        )
        self._pushes = {name: pushes.labels(name) for name in PUSH_OUTCOMES}
        self._commit_seconds = Histogram(
            "interview_store_commit_seconds",
            "Time to commit a push's updates to the store",
            ["store"],
            buckets=LATENCY_BUCKETS,
            registry=registry,
        ).labels(store_name)
        self._loop_lag = Histogram(
            "interview_event_loop_lag_seconds",
            "How late a 100 ms timer woke: the wait every message adds",
            buckets=LAG_BUCKETS,
            registry=registry,
        )
        errors = Counter("interview_errors", "Error messages sent to clients, by code", ["code"], registry=registry)
        self._errors = {name: errors.labels(name) for name in (*ERROR_CODES, NO_CODE, OTHER)}
        limits = Counter(
            "interview_limit_hits", "Times a client ran into a limit, by setting", ["limit"], registry=registry
        )
        self._limits = {name: limits.labels(name) for name in LIMITS}
        runs = Counter(
            "interview_runs",
            "Runs finished by participants here, by language and outcome",
            ["language", "outcome"],
            registry=registry,
        )
        self._runs = {
            (language, outcome): runs.labels(language, outcome)
            for language in (*LANGUAGES, OTHER)
            for outcome in (*RUN_OUTCOMES, OTHER)
        }

    # ---- gauges read at scrape time ----

    def watch(
        self, live_sessions: Callable[[], int], connections: Callable[[], int], store_up: Callable[[], bool]
    ) -> None:
        """Read the gauges from these at each scrape (nothing to keep up to date on the hot path)."""
        self.live_sessions.set_function(live_sessions)
        self.connections.set_function(connections)
        self.store_up.set_function(lambda: 1.0 if store_up() else 0.0)

    # ---- hooks ----

    def received(self, message_type: str) -> None:
        """One client message (its type, or anything for one that was not understood)."""
        (self._received.get(message_type) or self._received[OTHER]).inc()

    def sent(self, text: str, recipients: int = 1) -> None:
        """One server frame (protocol.encode's JSON, which starts with {"type":"...") to `recipients` peers."""
        message_type = text[9 : text.find('"', 9)]
        counter = self._sent.get(message_type)
        if counter is None:
            self._sent[OTHER].inc(recipients)
            return
        counter.inc(recipients)
        if message_type == "error":
            self._error(text)

    def _error(self, text: str) -> None:
        # protocol.error puts the code last: {"type":"error","data":{"message":"...","code":"x"}}. A quote in
        # the message is escaped, so the last '"code":"' is the field's.
        at = text.rfind(_ERROR_CODE_AT)
        code = text[at + len(_ERROR_CODE_AT) : -3] if at != -1 and text.endswith('"}}') else NO_CODE
        (self._errors.get(code) or self._errors[OTHER]).inc()

    def push(self, outcome: str, seconds: float | None = None) -> None:
        """A push's outcome (PUSH_OUTCOMES) and, if acknowledged, how long that took."""
        self._pushes[outcome].inc()
        if seconds is not None:
            self.push_ack_seconds.observe(seconds)

    def commit(self, seconds: float) -> None:
        """One store commit of accepted updates."""
        self._commit_seconds.observe(seconds)

    def loop_lag(self, lag_ms: float) -> None:
        """One event-loop lag sample (loop_monitor)."""
        self._loop_lag.observe(lag_ms / 1000)

    def limit_hit(self, limit: str) -> None:
        """A client ran into the limit of this setting (one of LIMITS)."""
        self._limits[limit].inc()

    def run_finished(self, language: str, outcome: str) -> None:
        """A run of a participant here ended (run_end, replaced by a new run, or its page disconnected)."""
        key = (language if language in LANGUAGES else OTHER, outcome if outcome in RUN_OUTCOMES else OTHER)
        self._runs[key].inc()

    def snapshot(self) -> dict[str, float]:
        """Totals for the admin dashboard's charts: each counter summed over its labels, gauges as they are, a
        histogram's _sum and _count (the page turns differences between two snapshots into rates and means)."""
        totals: dict[str, float] = {}
        for family in self.registry.collect():
            for sample in family.samples:
                if sample.name.endswith(("_total", "_sum", "_count")) or family.type == "gauge":
                    totals[sample.name] = totals.get(sample.name, 0.0) + sample.value
        return totals

    def exposition(self) -> bytes:
        """The Prometheus text format of every metric."""
        return generate_latest(self.registry)

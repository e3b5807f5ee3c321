"""GET /metrics after a scripted interview over real sockets: every counter matches what happened, exactly."""

from __future__ import annotations

import asyncio
import collections
import json
import time

import pytest
from prometheus_client.parser import text_string_to_metric_families

from interview_server.app import create_app
from interview_server.config import Config
from interview_server.metrics import LIMITS, PUSH_OUTCOMES

from .conftest import Peer, ServedLikeProduction

METRICS_TOKEN = "metrics-token-for-tests-0123456789"


class CountingPeer(Peer):
    """A protocol client that tallies every message it receives, by type."""

    def __init__(self, ws):
        super().__init__(ws)
        self.received = collections.Counter()

    async def receive(self, timeout: float = 5) -> dict:
        message = await super().receive(timeout)
        self.received[message["type"]] += 1
        return message

    async def fence(self, version: int) -> None:
        """Everything queued for this client so far has arrived: a pull is answered after it, to this client."""
        await self.send("pull", {"version": version})
        while (await self.receive())["type"] != "updates":
            pass


def samples(text: str) -> dict[tuple, float]:
    """{(sample name, (label pairs...)): value} of a Prometheus text exposition."""
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def by_label(parsed: dict, name: str, label: str) -> dict[str, float]:
    """The samples of one metric, keyed by one label's value."""
    return {dict(labels)[label]: value for (sample, labels), value in parsed.items() if sample == name}


@pytest.fixture(params=["memory", "sqlite"])
async def make_client(request, aiohttp_client, tmp_path):
    async def make(**settings):
        app = create_app(Config(store=request.param, data_dir=str(tmp_path), **settings))
        return await aiohttp_client(ServedLikeProduction(app))

    make.store = request.param
    return make


async def scrape(client, **headers) -> dict:
    response = await client.get("/metrics", headers=headers)
    assert response.status == 200, await response.text()
    assert response.headers["Content-Type"].startswith("text/plain; version=")
    return samples(await response.text())


async def wait_for(client, predicate, timeout: float = 5) -> dict:
    """Scrape until `predicate(parsed)` holds (the server's side of a close finishes after the client's)."""
    deadline = time.monotonic() + timeout
    while True:
        parsed = await scrape(client)
        if predicate(parsed) or time.monotonic() > deadline:
            return parsed
        await asyncio.sleep(0.02)


async def test_counters_match_a_scripted_interview(make_client):
    client = await make_client()
    created = await (await client.post("/api/sessions", json={"language": "python"})).json()
    session_id, key = created["session_id"], created["host_url"].split("#host=", 1)[1]

    async def join(name: str, host_key: str | None = None) -> tuple[CountingPeer, dict]:
        peer = CountingPeer(await client.ws_connect(f"/ws/{session_id}"))
        state = await peer.receive()
        await peer.send("hello", {"name": name, **({"host_key": host_key} if host_key else {})})
        await peer.receive_type("session_info")
        return peer, state["data"]

    host, state = await join("Hana", key)
    candidate, _ = await join("Cy")
    length = len(state["code"])
    sent = collections.Counter({"hello": 2})
    # Three pushes, each on the version before it: accepted as sent.
    for version in range(3):
        await candidate.send(
            "push", {"version": version, "updates": [{"clientID": "c", "changes": [length, [0, "x"]]}]}
        )
        sent["push"] += 1
        await candidate.receive_type("updates")
        length += 1
    for peer in (host, candidate):
        await peer.fence(3)
    sent["pull"] += 2
    # The host's push made at version 0: refused as stale without `rebase`, moved by the server with it.
    stale = {"version": 0, "updates": [{"clientID": "h", "changes": [[0, "# "], length - 3]}]}
    await host.send("push", stale)
    assert (await host.receive_type("push_rejected"))["data"] == {"version": 3}
    await host.send("push", {**stale, "rebase": True})
    sent["push"] += 2
    assert (await host.receive_type("updates"))["data"]["version"] == 3
    # A run that ends with an error, a candidate trying a host's message, a message nobody knows.
    await candidate.send("run_start", {"version": 4, "language": "python"})
    await candidate.send("run_output", {"stream": "stderr", "text": "Traceback...\n"})
    await candidate.send("run_end", {"status": "error", "duration_ms": 12})
    await candidate.receive_type("run_finished")
    await candidate.send("lock", {"locked": True})
    assert (await candidate.receive_type("error"))["data"]["code"] == "host_only"
    await candidate.send("make_coffee", {})
    assert "code" not in (await candidate.receive_type("error"))["data"]
    sent.update({"run_start": 1, "run_output": 1, "run_end": 1, "lock": 1})
    for peer in (host, candidate):
        await peer.fence(4)
    sent["pull"] += 2

    parsed = await scrape(client)
    received = by_label(parsed, "interview_messages_received_total", "type")
    assert {name: value for name, value in received.items() if value} == {**sent, "other": 1}
    delivered = host.received + candidate.received
    outgoing = by_label(parsed, "interview_messages_sent_total", "type")
    assert {name: value for name, value in outgoing.items() if value} == dict(delivered)
    assert by_label(parsed, "interview_pushes_total", "outcome") == {
        "accepted": 3,
        "rebased": 1,
        "rejected": 1,
        "resync": 0,
    }
    assert parsed[("interview_push_ack_seconds_count", ())] == 4
    commits = ("interview_store_commit_seconds_count", (("store", make_client.store),))
    assert parsed[commits] == 4
    errors = by_label(parsed, "interview_errors_total", "code")
    assert {code: value for code, value in errors.items() if value} == {"host_only": 1, "none": 1}
    runs = {
        (dict(labels)["language"], dict(labels)["outcome"]): value
        for (name, labels), value in parsed.items()
        if name == "interview_runs_total" and value
    }
    assert runs == {("python", "error"): 1}
    assert parsed[("interview_connections", ())] == 2
    assert parsed[("interview_live_sessions", ())] == 1
    assert set(by_label(parsed, "interview_limit_hits_total", "limit").values()) == {0}
    assert session_id not in json.dumps(list(parsed))  # never a session id as a label

    # A run still going when its page disconnects ends as "disconnected"; the sockets' lives are measured.
    await candidate.send("run_start", {"version": 4, "language": "python"})
    await host.receive_type("run_started")
    await candidate.close()
    parsed = await wait_for(client, lambda p: p[("interview_connection_duration_seconds_count", ())] == 1)
    assert parsed[("interview_connection_duration_seconds_count", ())] == 1
    assert parsed[("interview_runs_total", (("language", "python"), ("outcome", "disconnected")))] == 1
    assert parsed[("interview_connections", ())] == 1
    await host.close()
    parsed = await wait_for(client, lambda p: p[("interview_connection_duration_seconds_count", ())] == 2)
    assert parsed[("interview_live_sessions", ())] == 0
    assert parsed[("interview_connections", ())] == 0
    assert parsed[("interview_connection_duration_seconds_count", ())] == 2


async def test_limit_hits_are_counted_by_setting(make_client):
    client = await make_client(sessions_per_ip=1, max_document_bytes=1024)
    created = await client.post("/api/sessions")
    assert (await client.post("/api/sessions")).status == 429
    session_id = (await created.json())["session_id"]
    peer = Peer(await client.ws_connect(f"/ws/{session_id}"))
    state = (await peer.receive())["data"]
    too_big = {"clientID": "c", "changes": [len(state["code"]), [0, "x" * 2000]]}
    await peer.send("push", {"version": 0, "updates": [too_big]})
    assert (await peer.receive_type("error"))["data"]["code"] == "document_too_large"
    parsed = await scrape(client)
    hits = by_label(parsed, "interview_limit_hits_total", "limit")
    assert set(hits) == set(LIMITS)
    assert {limit: value for limit, value in hits.items() if value} == {"sessions_per_ip": 1, "max_document_bytes": 1}
    assert by_label(parsed, "interview_errors_total", "code")["document_too_large"] == 1
    assert set(by_label(parsed, "interview_pushes_total", "outcome")) == set(PUSH_OUTCOMES)
    await peer.close()


async def test_event_loop_lag_is_sampled(make_client):
    client = await make_client()
    parsed = await wait_for(client, lambda p: p[("interview_event_loop_lag_seconds_count", ())] >= 2)
    assert parsed[("interview_event_loop_lag_seconds_count", ())] >= 2


async def test_metrics_token_is_required_when_set(make_client):
    client = await make_client(metrics_token=METRICS_TOKEN)
    response = await client.get("/metrics")
    assert response.status == 401
    assert response.headers["WWW-Authenticate"] == "Bearer"
    assert "interview_" not in await response.text()
    response = await client.get("/metrics", headers={"Authorization": "Bearer " + "x" * len(METRICS_TOKEN)})
    assert response.status == 403
    assert "interview_" not in await response.text()
    parsed = await scrape(client, Authorization=f"Bearer {METRICS_TOKEN}")
    assert parsed[("interview_live_sessions", ())] == 0


async def test_metrics_are_open_without_a_token(make_client):
    client = await make_client()
    parsed = await scrape(client)
    assert ("interview_connections", ()) in parsed

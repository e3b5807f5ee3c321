"""The session report (JSON and printable page, hosts only) and the end-of-session webhook: signed, retried on
failure with backoff, given up after its attempts, one delivery per end, never holding the session up."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import logging
import re

import pytest
from aiohttp import web

from interview_server import webhook
from interview_server.app import create_app
from interview_server.config import Config
from interview_server.keys import PROBLEMS
from interview_server.problems import parse_problem

from .conftest import Peer
from .test_hidden_checks import GRADED
from .test_hosting import create, host_key

SECRET = "webhook-secret-0123456789"


async def hello(client, session_id: str, name: str, key: str | None = None) -> Peer:
    peer = Peer(await client.ws_connect(f"/ws/{session_id}"))
    await peer.receive_type("session_state")
    await peer.send("hello", {"name": name, **({"host_key": key} if key else {})})
    await peer.receive_type("session_info")
    return peer


async def graded_interview(client) -> tuple[str, str, Peer, Peer]:
    """A session on a graded problem with results, a scorecard, notes and a timer; (id, key, host, candidate)."""
    client.server.app[PROBLEMS]["add"] = parse_problem("add", GRADED)
    created = await create(client, problem="add", language="python")
    session_id, key = created["session_id"], host_key(created)
    host = await hello(client, session_id, "Ada <b>Lovelace</b>", key)
    candidate = await hello(client, session_id, "Grace")
    cases = [
        {"name": "small", "passed": True, "ms": 0.5, "message": ""},
        {"name": "big", "passed": False, "ms": 2, "message": "expected <5>"},
    ]
    await host.send("report_hidden_results", {"version": 0, "language": "python", "cases": cases})
    await host.receive_type("hidden_results")
    await host.send(
        "set_scorecard",
        {
            "card": "card-ada-01",
            "version": 0,
            "scores": {"Correctness": 3, "Style": 2},
            "comment": "Tidy.",
            "recommendation": "yes",
        },
    )
    await host.receive_type("scorecard")
    await host.send("set_notes", {"text": "Asked good questions.", "version": 0})
    await host.receive_type("notes")
    await host.send("set_timer", {"action": "start", "minutes": 45})
    await host.receive_type("timer")
    return session_id, key, host, candidate


@pytest.fixture
async def plain_client(aiohttp_client, tmp_path):
    return await aiohttp_client(create_app(Config(store="sqlite", data_dir=str(tmp_path))))


async def test_the_report_is_for_hosts_only_and_has_the_outcome(plain_client):
    client = plain_client
    session_id, key, host, _ = await graded_interview(client)
    url = f"/api/sessions/{session_id}/report"
    assert (await client.get(url)).status == 401
    assert (await client.get(url, headers={"Authorization": "Bearer not-the-key"})).status == 403
    response = await client.get(url, headers={"Authorization": f"Bearer {key}"})
    assert response.status == 200 and response.headers["Cache-Control"] == "no-store"
    report = await response.json()
    assert report["problem"] == {"id": "add", "title": "Add"} and report["ended"] is False
    assert [(r["passed"], r["total"]) for r in report["hidden_tests"]["results"]] == [(1, 2)]
    assert report["hidden_tests"]["latest"]["cases"][1]["message"] == "expected <5>"
    assert [(c["scores"], c["recommendation"]) for c in report["scorecards"]] == [
        ({"Correctness": 3, "Style": 2}, "yes")
    ]
    assert report["notes"] == "Asked good questions."
    assert [mark["action"] for mark in report["timer"]["marks"]] == ["start"]
    assert report["timeline"]["hidden_test_runs"] == 1 and report["timeline"]["first_all_hidden_passed_at"] is None
    assert {p["name"] for p in report["participants"]} == {"Ada <b>Lovelace</b>", "Grace"}
    assert report["code"]["text"] == "def add(a, b):\n    pass\n"

    # The host's history (playback, export) carries the same outcome.
    history = await (
        await client.get(f"/api/sessions/{session_id}/history", headers={"Authorization": f"Bearer {key}"})
    ).json()
    assert history["timeline"] == report["timeline"] and history["scorecards"] == report["scorecards"]
    assert history["hidden_results"] == report["hidden_tests"]["results"]
    assert [mark["action"] for mark in history["timer_marks"]] == ["start"]

    page = await client.get(url + ".html", headers={"Authorization": f"Bearer {key}"})
    html = await page.text()
    assert page.status == 200 and page.content_type == "text/html"
    assert "Ada &lt;b&gt;Lovelace&lt;/b&gt;" in html and "<b>Lovelace" not in html  # names are escaped
    assert "1 of 2 passed" in html and "expected &lt;5&gt;" in html and "Tidy." in html
    assert (await client.get(url + ".html")).status == 401


class Receiver:
    """A local webhook receiver: answers with the statuses given (then 200), checks each signature."""

    def __init__(self, statuses: list[int]):
        self.statuses = list(statuses)
        self.attempts: list[dict] = []
        self.delivered = asyncio.Event()

    async def handle(self, request: web.Request) -> web.Response:
        body = await request.read()
        stamp, _, signed = request.headers["X-Interview-Signature"].partition(",")
        timestamp = int(stamp.removeprefix("t="))
        expected = hmac.new(SECRET.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
        self.attempts.append(
            {
                "valid": hmac.compare_digest(signed.removeprefix("v1="), expected),
                "delivery": request.headers["X-Interview-Delivery"],
                "event": request.headers["X-Interview-Event"],
                "body": json.loads(body),
            }
        )
        status = self.statuses.pop(0) if self.statuses else 200
        if status == 200:
            self.delivered.set()
        return web.Response(status=status)


async def webhook_server(aiohttp_server, receiver: Receiver):
    app = web.Application()
    app.router.add_post("/hook", receiver.handle)
    return await aiohttp_server(app)


async def test_ending_posts_the_signed_report_once_retrying_after_failures(
    aiohttp_client, aiohttp_server, tmp_path, monkeypatch, caplog
):
    monkeypatch.setattr(webhook, "BACKOFF_SECONDS", (0.05, 0.1, 0.1, 0.1, 0.1))
    receiver = Receiver([500, 503])
    hook = await webhook_server(aiohttp_server, receiver)
    config = Config(
        store="sqlite", data_dir=str(tmp_path), webhook_url=str(hook.make_url("/hook")), webhook_secret=SECRET
    )
    client = await aiohttp_client(create_app(config))
    session_id, key, host, candidate = await graded_interview(client)
    caplog.set_level(logging.INFO, logger="interview_server.webhook")
    await host.send("end_session", {})
    assert (await candidate.receive_type("session_info"))["data"]["ended"] is True  # the session did not wait
    await asyncio.wait_for(receiver.delivered.wait(), 5)
    await host.send("end_session", {})  # ending again sends nothing more
    await asyncio.sleep(0.5)
    assert len(receiver.attempts) == 3 and all(attempt["valid"] for attempt in receiver.attempts)
    assert len({attempt["delivery"] for attempt in receiver.attempts}) == 1  # one delivery, tried three times
    report = receiver.attempts[-1]["body"]["report"]
    assert receiver.attempts[-1]["event"] == receiver.attempts[-1]["body"]["event"] == "session.ended"
    assert report["session_id"] == session_id and report["ended"] is True
    assert [(c["name"], c["recommendation"]) for c in report["scorecards"]] == [("Ada <b>Lovelace</b>", "yes")]
    assert any("failed (attempt 1: HTTP 500)" in r.getMessage() for r in caplog.records)
    assert any("delivered (attempt 3)" in r.getMessage() for r in caplog.records)


async def test_a_receiver_that_keeps_failing_is_given_up_after_six_attempts_and_logged(
    aiohttp_server, caplog, monkeypatch
):
    monkeypatch.setattr(webhook, "BACKOFF_SECONDS", (0.01,) * 5)
    receiver = Receiver([500] * 10)
    hook = await webhook_server(aiohttp_server, receiver)
    caplog.set_level(logging.INFO, logger="interview_server.webhook")
    assert await webhook.deliver(str(hook.make_url("/hook")), SECRET, {"session_id": "s1"}) is False
    assert len(receiver.attempts) == 6 and all(attempt["valid"] for attempt in receiver.attempts)
    assert any(r.levelno == logging.ERROR and "given up after 6 attempts" in r.getMessage() for r in caplog.records)


def test_the_signature_is_an_hmac_of_timestamp_and_body():
    body = b'{"event":"session.ended"}'
    digest = hmac.new(SECRET.encode(), b"1764331200." + body, hashlib.sha256).hexdigest()
    assert webhook.signature(SECRET, 1764331200, body) == f"t=1764331200,v1={digest}"


@pytest.mark.parametrize(
    "env, message",
    [
        ({"WEBHOOK_URL": "ftp://x"}, "WEBHOOK_URL must be an http(s) URL"),
        ({"WEBHOOK_URL": "https://ats.example.com/hook", "WEBHOOK_SECRET": "short"}, "WEBHOOK_SECRET of at least 16"),
    ],
)
def test_webhook_settings_are_checked_at_start(env, message):
    from interview_server.config import load_config

    with pytest.raises(SystemExit, match=re.escape(message)):
        load_config([], env)

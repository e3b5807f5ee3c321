"""Grading over the protocol, on every store: hidden checks and their results reach hosts only (every frame a
candidate receives in a whole scripted interview is checked), candidates see what the problem allows, nobody
but a host can report results, score or time, and all of it is stored with the session."""

from __future__ import annotations

import asyncio
import json
import logging

import pytest

from interview_server.keys import PROBLEMS, SESSIONS, STORE
from interview_server.problems import parse_problem

from .test_hidden_checks import GRADED
from .test_hosting import Listener, create, host_key, join

SECRET_CASE_NAME = "negative"  # a hidden case's name: only `names` lets candidates see it
FAILING_MESSAGE = "returned -1, expected 5"


def add_problem(client, problem_id: str, hidden_results: str) -> None:
    text = GRADED.replace("hidden_results: names", f"hidden_results: {hidden_results}")
    client.server.app[PROBLEMS][problem_id] = parse_problem(problem_id, text)


async def interview(client, connect, hidden_results: str):
    """A session with a graded problem loaded by its host, and a candidate listening to every frame."""
    problem_id = f"graded-{hidden_results}"
    add_problem(client, problem_id, hidden_results)
    created = await create(client)
    session_id, key = created["session_id"], host_key(created)
    host, _ = await join(connect, session_id, "Ada", key)
    assert (await host.receive_type("grading"))["data"]["problem"]["problem_id"] is None
    candidate, _ = await join(connect, session_id, "Grace")
    heard = Listener(candidate)
    await host.send("set_problem", {"problem": problem_id})
    grading = (await host.receive_type("grading"))["data"]
    return session_id, key, host, candidate, heard, grading


def report(version: int, run_id: str | None, passed: bool) -> dict:
    return {
        "version": version,
        "language": "python",
        "run_id": run_id,
        "cases": [
            {"name": "small", "passed": passed, "ms": 0.1, "message": "" if passed else FAILING_MESSAGE},
            {"name": SECRET_CASE_NAME, "passed": True, "ms": 0.2, "message": ""},
        ],
    }


async def candidate_run(candidate, host, version: int) -> str:
    """The candidate runs the code; the run's id, as the host hears of it."""
    await candidate.send("run_start", {"version": version, "language": "python"})
    await candidate.send("run_output", {"stream": "stdout", "text": "3\n"})
    await candidate.send("run_end", {"status": "ok", "duration_ms": 12})
    return (await host.receive_type("run_started"))["data"]["run"]["id"]


@pytest.mark.parametrize("hidden_results", ["none", "count", "names"])
async def test_hidden_checks_and_results_reach_hosts_only_and_candidates_see_what_the_problem_allows(
    client, connect, hidden_results, caplog
):
    caplog.set_level(logging.DEBUG)
    session_id, key, host, candidate, heard, grading = await interview(client, connect, hidden_results)
    checks = grading["problem"]["hidden_checks"]
    assert set(checks) == {"python", "javascript"} and "grade(" in checks["python"]
    assert grading["problem"]["hidden_results"] == hidden_results and grading["results"] == []
    assert [criterion["name"] for criterion in grading["problem"]["rubric"]] == ["Correctness", "Style"]

    version = client.server.app[SESSIONS].live(session_id).version  # the starter code's
    run_id = await candidate_run(candidate, host, version)
    await host.send("report_hidden_results", report(version, run_id, passed=False))
    result = (await host.receive_type("hidden_results"))["data"]["result"]
    assert (result["passed"], result["total"], result["run_id"], result["name"]) == (1, 2, run_id, "Ada")
    assert result["cases"][0]["message"] == FAILING_MESSAGE

    # A second host's browser reporting the same run is not counted twice.
    second, _ = await join(connect, session_id, "Bo", key)
    assert [r["id"] for r in (await second.receive_type("grading"))["data"]["results"]] == [result["id"]]
    await second.send("report_hidden_results", report(version, run_id, passed=True))
    await host.send("report_hidden_results", report(version, None, passed=True))  # on demand: a new result
    on_demand = (await host.receive_type("hidden_results"))["data"]["result"]
    assert on_demand["passed"] == 2 and on_demand["run_id"] is None

    await heard.settle()
    heard.stop()
    summaries = heard.of_type("hidden_summary")
    expected = {
        "none": [],
        "count": [
            {"version": version, "run_id": run_id, "passed": 1, "total": 2},
            {"version": version, "run_id": None, "passed": 2, "total": 2},
        ],
        "names": [
            {
                "version": version,
                "run_id": run_id,
                "passed": 1,
                "total": 2,
                "cases": [{"name": "small", "passed": False}, {"name": SECRET_CASE_NAME, "passed": True}],
            },
            {
                "version": version,
                "run_id": None,
                "passed": 2,
                "total": 2,
                "cases": [{"name": "small", "passed": True}, {"name": SECRET_CASE_NAME, "passed": True}],
            },
        ],
    }[hidden_results]
    assert summaries == expected
    every_frame = "\n".join(heard.frames)
    for secret in ("grade(", FAILING_MESSAGE, "Correctness", *checks.values()):
        assert secret not in every_frame
    if hidden_results != "names":
        assert SECRET_CASE_NAME not in every_frame
    types = {json.loads(frame)["type"] for frame in heard.frames}
    assert types.isdisjoint({"grading", "hidden_results", "scorecard", "notes"}), types

    # A candidate who joins later gets the latest summary the problem allows, and nothing of the rest.
    late, _ = await join(connect, session_id, "Lin")
    late_heard = Listener(late)
    await late_heard.settle()
    late_heard.stop()
    assert late_heard.of_type("hidden_summary") == expected[-1:]
    assert "grade(" not in "".join(late_heard.frames) and not late_heard.of_type("grading")

    # Nor does anyone without the host key get them over HTTP.
    answer = await (await client.get(f"/api/sessions/{session_id}")).text()
    assert "grade(" not in answer and FAILING_MESSAGE not in answer and "hidden" not in answer
    public = await (await client.get(f"/api/problems/graded-{hidden_results}")).text()
    assert "grade(" not in public and "Correctness" not in public
    # Nor any log line, at any level.
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert "grade(" not in logged and FAILING_MESSAGE not in logged and SECRET_CASE_NAME not in logged


@pytest.mark.parametrize(
    "type_, data",
    [
        ("report_hidden_results", report(0, None, passed=True)),
        ("set_scorecard", {"card": "card-0001", "version": 0, "scores": {}, "comment": "", "recommendation": "yes"}),
        ("set_timer", {"action": "start", "minutes": 45}),
    ],
)
async def test_a_candidate_cannot_report_results_score_or_time(client, connect, type_, data):
    session_id, key, host, candidate, heard, _ = await interview(client, connect, "count")
    await candidate.send(type_, data)
    await heard.settle()
    heard.stop()
    errors = heard.of_type("error")
    assert errors and errors[-1]["code"] == "host_only"
    assert not heard.of_type("hidden_summary") and not heard.of_type("timer")
    second, _ = await join(connect, session_id, "Bo", key)
    grading = (await second.receive_type("grading"))["data"]
    assert grading["results"] == [] and grading["scorecards"] == []


async def test_results_scorecards_and_the_timer_are_stored_with_the_session(client, connect):
    session_id, key, host, candidate, heard, _ = await interview(client, connect, "count")
    heard.stop()
    await host.send("report_hidden_results", report(0, None, passed=False))
    await host.receive_type("hidden_results")
    card = {
        "card": "card-ada-01",
        "version": 0,
        "scores": {"Correctness": 3},
        "comment": "Solid.",
        "recommendation": "yes",
    }
    await host.send("set_scorecard", card)
    saved = (await host.receive_type("scorecard"))["data"]["card"]
    assert (saved["version"], saved["name"], saved["scores"]) == (1, "Ada", {"Correctness": 3})
    await host.send("set_timer", {"action": "start", "minutes": 45})
    started = (await candidate.receive_type("timer"))["data"]
    assert started["timer"]["duration_ms"] == 45 * 60_000 and started["timer"]["started_at"] is not None
    await host.send("set_timer", {"action": "pause"})
    paused = (await candidate.receive_type("timer"))["data"]["timer"]
    assert paused["started_at"] is None and 0 <= paused["elapsed_ms"] < 5_000

    # Everyone leaves: the session is dropped from memory and read back from the store when someone returns.
    for peer in (host, candidate):
        await peer.close()
    await wait_until_released(client, session_id)
    back, _ = await join(connect, session_id, "Ada", key)
    grading = (await back.receive_type("grading"))["data"]
    assert [r["passed"] for r in grading["results"]] == [1]
    assert [(c["card"], c["version"], c["comment"]) for c in grading["scorecards"]] == [("card-ada-01", 1, "Solid.")]
    assert (await back.receive_type("timer"))["data"]["timer"] == paused

    # A stale scorecard save gets the current card back instead of overwriting it.
    await back.send("set_scorecard", {**card, "comment": "Older tab"})
    current = (await back.receive_type("scorecard"))["data"]["card"]
    assert (current["version"], current["comment"]) == (1, "Solid.")


async def wait_until_released(client, session_id: str) -> None:
    sessions = client.server.app[SESSIONS]
    for _ in range(100):
        if sessions.live(session_id) is None:
            return
        await asyncio.sleep(0.05)
    raise AssertionError("the session stayed live after everyone left")


@pytest.mark.parametrize(
    "data, message",
    [
        ({"action": "pause"}, "no timer is set"),
        ({"action": "start", "minutes": 0}, "minutes from 1 to 600"),
        ({"action": "explode"}, "data.action must be one of"),
    ],
)
async def test_timer_actions_that_make_no_sense_are_refused(client, connect, data, message):
    created = await create(client)
    host, _ = await join(connect, created["session_id"], "Ada", host_key(created))
    await host.send("set_timer", data)
    assert message in (await host.receive_type("error"))["data"]["message"]


@pytest.mark.parametrize(
    "scores, message",
    [
        ({"Nonsense": 2}, "is not a criterion"),
        ({"Correctness": 9}, "above its criterion's scale"),
        ({"Correctness": 0}, "from 1 to 10"),
    ],
)
async def test_scores_must_fit_the_rubric(client, connect, scores, message):
    _, _, host, _, heard, _ = await interview(client, connect, "count")
    heard.stop()
    await host.send(
        "set_scorecard", {"card": "card-ada-01", "version": 0, "scores": scores, "comment": "", "recommendation": ""}
    )
    assert message in (await host.receive_type("error"))["data"]["message"]


@pytest.mark.system
async def test_results_scorecards_and_the_timer_survive_a_killed_server(tmp_path):
    """SIGKILL the default (SQLite) server after each was acknowledged: a new process has all three."""
    import aiohttp

    from .support.server_process import ServerProcess

    (tmp_path / "problems").mkdir()
    (tmp_path / "problems" / "add.md").write_text(GRADED)
    args = ("--data-dir", str(tmp_path / "data"), "--problems-dir", str(tmp_path / "problems"))
    server = ServerProcess(*args, log_path=tmp_path / "first.log")
    server.start()

    async def host(http, session_id, key):
        ws = await http.ws_connect(f"ws://127.0.0.1:{server.port}/ws/{session_id}")
        await ws.receive_json()
        await ws.send_json({"type": "hello", "data": {"name": "Ada", "host_key": key}})
        return ws

    async def receive(ws, type_):
        while (message := await ws.receive_json(timeout=10))["type"] != type_:
            pass
        return message["data"]

    try:
        async with aiohttp.ClientSession() as http:
            created = await (await http.post(server.url + "/api/sessions", json={"problem": "add"})).json()
            session_id, key = created["session_id"], created["host_url"].split("#host=")[1]
            ws = await host(http, session_id, key)
            await ws.send_json({"type": "report_hidden_results", "data": report(0, None, passed=False)})
            await receive(ws, "hidden_results")
            card = {
                "card": "card-ada-01",
                "version": 0,
                "scores": {"Style": 2},
                "comment": "ok",
                "recommendation": "mixed",
            }
            await ws.send_json({"type": "set_scorecard", "data": card})
            await receive(ws, "scorecard")
            await ws.send_json({"type": "set_timer", "data": {"action": "start", "minutes": 20}})
            timer = (await receive(ws, "timer"))["timer"]
        server.kill()
        server = ServerProcess(*args, port=server.port, log_path=tmp_path / "second.log")
        server.start()
        async with aiohttp.ClientSession() as http:
            ws = await host(http, session_id, key)
            grading = await receive(ws, "grading")
            assert [(r["passed"], r["total"]) for r in grading["results"]] == [(1, 2)]
            assert [(c["scores"], c["recommendation"]) for c in grading["scorecards"]] == [({"Style": 2}, "mixed")]
            assert (await receive(ws, "timer"))["timer"] == timer
            await ws.close()
    finally:
        server.kill()


async def test_two_hosts_reporting_the_same_run_at_once_record_it_once(client, connect):
    session_id, key, host, candidate, heard, _ = await interview(client, connect, "count")
    heard.stop()
    second, _ = await join(connect, session_id, "Bo", key)
    await second.receive_type("grading")
    version = client.server.app[SESSIONS].live(session_id).version
    run_id = await candidate_run(candidate, host, version)
    await asyncio.gather(
        host.send("report_hidden_results", report(version, run_id, passed=False)),
        second.send("report_hidden_results", report(version, run_id, passed=True)),
    )
    await host.receive_type("hidden_results")
    await asyncio.sleep(0.3)
    assert len(client.server.app[SESSIONS].live(session_id).grading.results) == 1
    stored = await client.server.app[STORE].recent_events(session_id, "hidden", 10)
    assert [result["run_id"] for result in stored] == [run_id]


async def test_over_budget_reports_and_cards_are_refused_with_a_clear_error_and_nothing_kept(client, connect):
    session_id, key, host, _, heard, _ = await interview(client, connect, "count")
    heard.stop()
    case = {"name": "x", "passed": True, "ms": 1, "message": ""}
    too_many = {"version": 0, "language": "python", "cases": [{**case, "name": f"c{i}"} for i in range(201)]}
    await host.send("report_hidden_results", too_many)
    assert "at most 200 cases" in (await host.receive_type("error"))["data"]["message"]
    await host.send(
        "report_hidden_results", {"version": 0, "language": "python", "cases": [{**case, "message": "m" * 301}]}
    )
    assert "at most 300 characters" in (await host.receive_type("error"))["data"]["message"]
    for index in range(20):
        card = {"card": f"card-{index:04d}", "version": 0, "scores": {}, "comment": "", "recommendation": ""}
        await host.send("set_scorecard", card)
        await host.receive_type("scorecard")
    await host.send("set_scorecard", {**card, "card": "card-9999"})
    assert "at most 20 scorecards" in (await host.receive_type("error"))["data"]["message"]
    grading = client.server.app[SESSIONS].live(session_id).grading
    assert grading.results == [] and len(grading.scorecards) == 20

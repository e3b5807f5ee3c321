"""Shared runs, chat and the session language: relayed to every participant, stored, shown to late joiners."""

from __future__ import annotations

import pytest

from interview_server.activity import MAX_RUN_OUTPUT_CHARS

from .test_people import join


async def leave_all(*peers):
    for peer in peers:
        await peer.close()


async def test_a_run_is_seen_by_everyone_and_by_late_joiners(connect, session_id):
    ada, ada_me, _ = await join(connect, session_id, "Ada")
    bo, _, _ = await join(connect, session_id, "Bo")
    await ada.send("run_start", {"version": 0, "language": "python"})
    started = await bo.receive_type("run_started")
    run = started["data"]["run"]
    assert run == {
        "id": run["id"],
        "participant": ada_me["id"],
        "name": "Ada",
        "color": ada_me["color"],
        "language": "python",
        "version": 0,
        "started_at": run["started_at"],
    }
    assert run["started_at"].endswith("Z")
    assert await ada.receive_type("run_started") == started  # the runner learns its run id too
    for stream, text in [("stdout", "1\n"), ("stdout", "2\n"), ("stderr", "Traceback...\n"), ("stdout", "3\n")]:
        await ada.send("run_output", {"stream": stream, "text": text})
        assert await bo.receive_type("run_output") == {
            "type": "run_output",
            "data": {"run_id": run["id"], "stream": stream, "text": text},
        }
    await ada.send("run_end", {"status": "error", "duration_ms": 41.6})
    finished = {
        "type": "run_finished",
        "data": {"run_id": run["id"], "status": "error", "duration_ms": 42, "truncated": False},
    }
    assert await bo.receive_type("run_finished") == finished
    assert await ada.receive_type("run_finished") == finished  # not its output, but its end
    await leave_all(ada, bo)
    # Everyone left, so the session is loaded again from the store for the next person.
    cy, _ = await connect(session_id)
    await cy.send("hello", {"name": "Cy"})
    await cy.receive_type("welcome")
    history = await cy.receive()
    assert history["type"] == "history"
    assert history["data"]["runs"] == [
        {
            **run,
            "status": "error",
            "duration_ms": 42,
            "truncated": False,
            "output": [
                {"stream": "stdout", "text": "1\n2\n"},
                {"stream": "stderr", "text": "Traceback...\n"},
                {"stream": "stdout", "text": "3\n"},
            ],
        }
    ]


async def test_output_is_capped_and_marked_truncated(connect, session_id):
    ada, _, _ = await join(connect, session_id, "Ada")
    bo, _, _ = await join(connect, session_id, "Bo")
    await ada.send("run_start", {"version": 0, "language": "python"})
    await bo.receive_type("run_started")
    chunk = "x" * 60_000
    for _ in range(4):
        await ada.send("run_output", {"stream": "stdout", "text": chunk})
    await ada.send("run_end", {"status": "ok", "duration_ms": 5})
    relayed = 0
    while (message := await bo.receive_type_in(("run_output", "run_finished")))["type"] == "run_output":
        relayed += len(message["data"]["text"])
    assert relayed == MAX_RUN_OUTPUT_CHARS
    assert message["data"]["truncated"] is True


async def test_a_runner_who_leaves_mid_run_ends_it_for_the_others(connect, session_id):
    ada, _, _ = await join(connect, session_id, "Ada")
    bo, _, _ = await join(connect, session_id, "Bo")
    await ada.send("run_start", {"version": 0, "language": "python"})
    run_id = (await bo.receive_type("run_started"))["data"]["run"]["id"]
    await ada.close()
    assert await bo.receive_type("run_finished") == {
        "type": "run_finished",
        "data": {"run_id": run_id, "status": "disconnected", "duration_ms": None, "truncated": False},
    }


@pytest.mark.parametrize(
    "type_, data, message",
    [
        (
            "run_output",
            {"stream": "stdout", "text": "x"},
            "run_output: you have no run in progress; send run_start first",
        ),
        ("run_end", {"status": "ok", "duration_ms": 1}, "run_end: you have no run in progress"),
        ("run_start", {"version": 99, "language": "python"}, "run_start: version 99 is ahead of the session (at 0)"),
        (
            "run_start",
            {"version": 0, "language": "cobol"},
            "run_start: data.language must be one of: python, javascript, typescript, sql, lua",
        ),
        ("run_output", {"stream": "stdin", "text": "x"}, "run_output: data.stream must be one of: stdout, stderr"),
        ("run_output", {"stream": "stdout", "text": "x" * 70_000}, "run_output: at most 65536 characters per message"),
        (
            "run_end",
            {"status": "exploded", "duration_ms": 1},
            "run_end: data.status must be one of: ok, error, stopped, timeout",
        ),
        (
            "run_end",
            {"status": "ok", "duration_ms": -1},
            "run_end: data.duration_ms must be a number of milliseconds >= 0",
        ),
        ("chat", {"text": ""}, "chat: data.text must be a non-blank string"),
        ("chat", {"text": " \n "}, "chat: data.text must be a non-blank string"),
        ("chat", {"text": "😀" * 1001}, "chat: a message is at most 2000 characters"),
        ("chat", {"text": "bell\x07"}, "chat: a message cannot contain control or text-direction characters"),
        (
            "set_language",
            {"language": "cobol"},
            "set_language: data.language must be one of: python, javascript, typescript, sql, lua",
        ),
    ],
)
async def test_bad_runs_chat_and_languages_are_refused(connect, session_id, type_, data, message):
    ada, _, _ = await join(connect, session_id, "Ada")
    await ada.send(type_, data)
    assert await ada.receive_type("error") == {"type": "error", "data": {"message": message}}
    await ada.send("chat", {"text": "still here"})
    assert (await ada.receive_type("chat"))["data"]["message"]["text"] == "still here"


async def test_chat_arrives_in_order_as_sent_and_is_kept(connect, session_id):
    ada, ada_me, _ = await join(connect, session_id, "Ada")
    bo, _, _ = await join(connect, session_id, "Bo")
    texts = ["first", '<img src=x onerror="alert(1)">', "line one\nline two", "😀 " * 5 + "done"]
    for text in texts:
        await ada.send("chat", {"text": text})
    received = [(await bo.receive_type("chat"))["data"]["message"] for _ in texts]
    assert [m["text"] for m in received] == [t.strip() for t in texts]
    assert all(
        m["participant"] == ada_me["id"]
        and m["name"] == "Ada"
        and m["color"] == ada_me["color"]
        and m["sent_at"].endswith("Z")
        for m in received
    )
    assert len({m["id"] for m in received}) == len(texts)
    assert [(await ada.receive_type("chat"))["data"]["message"] for _ in texts] == received
    await leave_all(ada, bo)
    cy, _ = await connect(session_id)
    await cy.send("hello", {})
    await cy.receive_type("welcome")
    assert (await cy.receive())["data"]["chat"] == received


async def test_language_switch_reaches_everyone_and_is_stored(client, connect, session_id):
    ada, ada_me, state = await join(connect, session_id, "Ada")
    bo, _, _ = await join(connect, session_id, "Bo")
    assert state["language"] == "python"
    await ada.send("set_language", {"language": "javascript"})
    switched = {"type": "language", "data": {"language": "javascript", "participant": ada_me["id"]}}
    assert await bo.receive_type("language") == switched
    assert await ada.receive_type("language") == switched
    assert (await (await client.get(f"/api/sessions/{session_id}")).json())["language"] == "javascript"
    await leave_all(ada, bo)
    assert (await (await client.get(f"/api/sessions/{session_id}")).json())["language"] == "javascript"
    _, state = await connect(session_id)
    assert state["data"]["language"] == "javascript"


async def test_a_javascript_session_starts_with_javascript(client):
    response = await client.post("/api/sessions", json={"language": "javascript"})
    session_id = (await response.json())["session_id"]
    body = await (await client.get(f"/api/sessions/{session_id}")).json()
    assert body["language"] == "javascript"
    ws = await client.ws_connect(f"/ws/{session_id}")
    state = (await ws.receive_json())["data"]
    assert state["language"] == "javascript" and "console.log" in state["code"]
    await ws.close()

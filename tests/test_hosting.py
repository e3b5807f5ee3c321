"""Host link and host powers over the real protocol: who is a host, what only hosts may do, what candidates never see."""

from __future__ import annotations

import asyncio
import json
import logging
import re
import subprocess
from pathlib import Path

import pytest

from interview_server.changes import Text

ROOT = Path(__file__).resolve().parent.parent


async def create(client, **body) -> dict:
    response = await client.post("/api/sessions", json=body)
    assert response.status == 201, await response.text()
    return await response.json()


def host_key(created: dict) -> str:
    return created["host_url"].split("#host=", 1)[1]


async def join(connect, session_id, name, key=None):
    """Connect and say hello (as a host with `key`); returns (peer, participant) after session_info (and notes)."""
    peer, _ = await connect(session_id)
    await peer.send("hello", {"name": name, **({"host_key": key} if key else {})})
    welcome = await peer.receive()
    assert welcome["type"] == "welcome", welcome
    assert (await peer.receive())["type"] == "history"
    assert (await peer.receive())["type"] == "session_info"
    if key:
        assert (await peer.receive())["type"] == "notes"
    return peer, welcome["data"]


class Listener:
    """Keeps every raw frame a socket receives, so a test can say what it never saw."""

    def __init__(self, peer):
        self.peer, self.frames = peer, []
        self.task = asyncio.create_task(self._listen())

    async def _listen(self):
        while True:
            self.frames.append(await self.peer.ws.receive_str())

    async def settle(self, seconds=0.3):
        await asyncio.sleep(seconds)

    def of_type(self, type_):
        return [json.loads(frame)["data"] for frame in self.frames if json.loads(frame)["type"] == type_]

    def stop(self):
        self.task.cancel()


async def test_create_returns_a_join_link_and_a_host_link_with_a_long_secret_in_its_fragment(client):
    first, second = await create(client), await create(client)
    session_id = first["session_id"]
    assert first["join_url"] == f"http://{client.server.host}:{client.server.port}/session/{session_id}"
    assert first["host_url"].startswith(first["join_url"] + "#host=")
    key = host_key(first)
    assert re.fullmatch(r"[A-Za-z0-9_-]{32,}", key) and len(key) * 6 >= 128  # URL-safe base64, 192 bits
    assert key != host_key(second) and key not in first["join_url"]
    for page in (f"/session/{session_id}", f"/embed/{session_id}", f"/api/sessions/{session_id}"):
        assert key not in await (await client.get(page)).text()


async def test_host_key_makes_a_host_and_candidates_are_told_who_the_host_is(client, connect):
    created = await create(client)
    session_id = created["session_id"]
    host, me = await join(connect, session_id, "Ada", host_key(created))
    assert me["role"] == "host" and me["participant"]["role"] == "host"
    candidate, them = await join(connect, session_id, "Bo")
    assert them["role"] == "candidate" and them["participant"]["role"] == "candidate"
    people = (await candidate.receive_type("participants"))["data"]["participants"]
    assert [(p["name"], p["role"]) for p in people] == [("Ada", "host"), ("Bo", "candidate")]


@pytest.mark.parametrize("wrong", ["", "x", "A" * 32, "other-session", " KEY", "KEY "])
async def test_a_wrong_or_foreign_host_key_is_refused_and_grants_nothing(client, connect, wrong):
    created, other = await create(client), await create(client)
    session_id, key = created["session_id"], host_key(created)
    wrong = {"other-session": host_key(other), " KEY": " " + key, "KEY ": key + " "}.get(wrong, wrong)
    peer, _ = await connect(session_id)
    await peer.send("hello", {"name": "Mallory", "host_key": wrong})
    answer = await peer.receive()
    assert answer["type"] == "error" and answer["data"].get("code") in ("bad_host_key", None), answer
    assert key not in json.dumps(answer)
    # Not joined: participant messages are refused, host ones too.
    await peer.send("lock", {"locked": True})
    assert (await peer.receive())["data"]["code"] == "host_only"
    await peer.send("chat", {"text": "hi"})
    assert "say hello first" in (await peer.receive())["data"]["message"]
    # Joining as a candidate still works.
    await peer.send("hello", {"name": "Mallory"})
    assert (await peer.receive())["data"]["role"] == "candidate"


async def test_forged_messages_cannot_claim_host_powers(client, connect):
    created = await create(client)
    session_id = created["session_id"]
    mallory, _ = await connect(session_id)
    for forged in [
        {"name": "M", "role": "host"},
        {"name": "M", "is_host": True},
        {"name": "M", "host": True},
        {"name": "M", "host_key": True},
        {"name": "M", "host_key": ["k"]},
        {"name": "M", "host_key": "k" * 500},
    ]:
        await mallory.send("hello", forged)
        answer = await mallory.receive()
        assert answer["type"] == "error", (forged, answer)
    await mallory.send("hello", {"name": "Mallory"})
    await mallory.receive_type("session_info")
    listener = Listener(mallory)
    for type_, data in [
        ("lock", {"locked": True}),
        ("end_session", {}),
        ("rename", {"title": "pwned"}),
        ("set_problem", {"problem": "two-sum"}),
        ("set_notes", {"text": "x", "version": 0}),
        ("lock", {"locked": True, "host_key": host_key(created)}),
        ("set_notes", {"text": "x", "version": 0, "participant": "host"}),
    ]:
        await mallory.send(type_, data)
    await listener.settle()
    errors = listener.of_type("error")
    assert [e.get("code") for e in errors] == ["host_only"] * 5 + [None, None]  # the last two: unexpected field
    assert listener.of_type("session_info") == [] and listener.of_type("notes") == []
    listener.stop()
    # Nothing changed for anyone.
    host, _ = await join(connect, session_id, "Ada", host_key(created))


async def test_lock_refuses_candidate_edits_but_not_the_hosts_and_unlock_lets_them_in(client, connect):
    created = await create(client)
    session_id = created["session_id"]
    host, _ = await join(connect, session_id, "Ada", host_key(created))
    candidate, _ = await join(connect, session_id, "Bo")
    script, state = await connect(session_id)  # a plain script (no hello) is no host either
    length = len(state["data"]["code"])

    await host.send("lock", {"locked": True})
    for peer in (host, candidate):
        info = await peer.receive_type("session_info")
        assert info["data"] == {"title": "", "locked": True, "ended": False, "problem": None}
    await candidate.send("push", {"version": 0, "updates": [{"clientID": "bo", "changes": [length, [0, "!"]]}]})
    refused = await candidate.receive_type("error")
    assert refused["data"]["code"] == "locked" and "locked editing" in refused["data"]["message"]
    await script.send("code_update", {"code": "deleted"})
    assert (await script.receive_type("error"))["data"]["code"] == "locked"
    await candidate.send("set_language", {"language": "javascript"})
    assert (await candidate.receive_type("error"))["data"]["code"] == "locked"
    await candidate.send("chat", {"text": "may I type?"})  # chat is not editing
    assert (await host.receive_type("chat"))["data"]["message"]["text"] == "may I type?"

    await host.send("push", {"version": 0, "updates": [{"clientID": "ada", "changes": [length, [0, "#"]]}]})
    assert (await candidate.receive_type("updates"))["data"]["version"] == 0
    assert (await host.receive_type("updates"))["data"]["version"] == 0

    await host.send("lock", {"locked": False})
    assert (await candidate.receive_type("session_info"))["data"]["locked"] is False
    await candidate.send("push", {"version": 1, "updates": [{"clientID": "bo", "changes": [length + 1, [0, "!"]]}]})
    assert (await host.receive_type("updates"))["data"]["version"] == 1
    info = await (await client.get(f"/api/sessions/{session_id}")).json()
    assert info["language"] == "python"


async def test_ending_makes_the_session_read_only_but_viewable(client, connect):
    created = await create(client)
    session_id = created["session_id"]
    host, _ = await join(connect, session_id, "Ada", host_key(created))
    candidate, _ = await join(connect, session_id, "Bo")
    await host.send("end_session", {})
    assert (await candidate.receive_type("session_info"))["data"]["ended"] is True
    await host.receive_type("session_info")
    for peer, (type_, data) in [
        (host, ("push", {"version": 0, "updates": [{"clientID": "a", "changes": [[0, "x"], 1]}]})),
        (candidate, ("code_update", {"code": "x"})),
        (candidate, ("chat", {"text": "bye"})),
        (candidate, ("run_start", {"version": 0, "language": "python"})),
        (host, ("lock", {"locked": True})),
        (host, ("set_problem", {"problem": "two-sum"})),
    ]:
        await peer.send(type_, data)
        answer = await peer.receive_type("error")
        assert answer["data"]["code"] == "ended", (type_, answer)
    await host.send("rename", {"title": "Ada / Bo — ended"})  # the title and notes may still change
    assert (await candidate.receive_type("session_info"))["data"]["title"] == "Ada / Bo — ended"
    await host.send("set_notes", {"text": "Hire.", "version": 0})
    assert (await host.receive_type("notes"))["data"]["text"] == "Hire."
    # Still viewable: the page loads and a new socket gets the text and the ended state.
    assert (await client.get(f"/session/{session_id}")).status == 200
    late, _ = await connect(session_id)
    await late.send("hello", {"name": "Cy"})
    info = await late.receive_type("session_info")
    assert info["data"]["ended"] is True and info["data"]["title"] == "Ada / Bo — ended"


async def test_notes_reach_hosts_only_and_a_listening_candidate_never_sees_them(client, connect):
    created = await create(client)
    session_id, key = created["session_id"], host_key(created)
    ada, ada_me = await join(connect, session_id, "Ada", key)
    candidate, _ = await join(connect, session_id, "Bo")
    script, _ = await connect(session_id)
    listeners = [Listener(candidate), Listener(script)]
    secret = "Bo struggles with recursion 🤔 — SECRET-NOTE-7f3a"
    await ada.send("set_notes", {"text": secret, "version": 0})
    saved = await ada.receive_type("notes")
    assert saved["data"] == {"text": secret, "version": 1, "participant": ada_me["participant"]["id"]}
    cy, _ = await join(connect, session_id, "Cy", key)  # a second host gets them on joining...
    await ada.send("set_notes", {"text": secret + "\nsecond line", "version": 1})
    assert (await cy.receive_type("notes"))["data"]["version"] == 2  # ...and every save after
    # A stale save is not applied: the sender gets the current notes to merge with.
    await cy.send("set_notes", {"text": "overwrite", "version": 1})
    current = await cy.receive_type("notes")
    assert current["data"]["text"] == secret + "\nsecond line" and current["data"]["version"] == 2
    for listener in listeners:
        await listener.settle()
        listener.stop()
        assert listener.of_type("notes") == []
        assert not any("SECRET-NOTE" in frame for frame in listener.frames)
    # Kept with the session: a host joining later (after everyone left) reads them.
    for peer in (ada, candidate, script, cy):
        await peer.close()
    await asyncio.sleep(0.1)
    dee, _ = await connect(session_id)
    await dee.send("hello", {"name": "Dee", "host_key": key})
    notes = await dee.receive_type("notes")
    assert notes["data"]["text"] == secret + "\nsecond line"


async def test_rename_and_problem_reach_everyone(client, connect):
    created = await create(client)
    session_id = created["session_id"]
    host, me = await join(connect, session_id, "Ada", host_key(created))
    candidate, _ = await join(connect, session_id, "Bo")
    await host.send("rename", {"title": "  Backend   interview  "})
    assert (await candidate.receive_type("session_info"))["data"]["title"] == "Backend interview"
    await host.send("set_problem", {"problem": "no-such-problem"})
    assert "no problem" in (await host.receive_type("error"))["data"]["message"]
    problems = (await (await client.get("/api/problems")).json())["problems"]
    assert any(p["id"] == "two-sum" for p in problems)
    await host.send("set_problem", {"problem": "two-sum"})
    info = (await candidate.receive_type("session_info"))["data"]
    assert info["problem"]["id"] == "two-sum" and info["problem"]["title"] and "python" in info["problem"]["checks"]
    starter = (await (await client.get("/api/problems/two-sum")).json())["starters"]["python"]
    await candidate.send("pull", {"version": 0})
    updates = (await candidate.receive_type("updates"))["data"]["updates"]
    history = await (
        await client.get(
            f"/api/sessions/{session_id}/history", headers={"Authorization": f"Bearer {host_key(created)}"}
        )
    ).json()
    assert history["text"] == starter and history["problem"]["id"] == "two-sum"
    assert updates and history["updates"][-1]["participant"] == me["participant"]["id"]


async def test_a_session_created_with_a_problem_starts_with_its_starter_and_prompt(client, connect):
    created = await create(client, problem="valid-parentheses", language="javascript", title="Frontend screen")
    problem = await (await client.get("/api/problems/valid-parentheses")).json()
    peer, state = await connect(created["session_id"])
    assert state["data"]["code"] == problem["starters"]["javascript"] and state["data"]["language"] == "javascript"
    await peer.send("hello", {"name": "Bo"})
    info = (await peer.receive_type("session_info"))["data"]
    assert info["title"] == "Frontend screen" and info["problem"]["prompt"] == problem["prompt"]


async def test_history_is_for_hosts_and_replays_to_the_server_text_at_every_version(client, connect, tmp_path):
    created = await create(client)
    session_id, key = created["session_id"], host_key(created)
    url = f"/api/sessions/{session_id}/history"
    assert (await client.get(url)).status == 401
    assert (await client.get(url, headers={"Authorization": "Bearer nope"})).status == 403
    assert (await client.get(url, headers={"Authorization": f"Basic {key}"})).status == 401
    assert (
        await client.get("/api/sessions/not-a-session/history", headers={"Authorization": f"Bearer {key}"})
    ).status == 400
    other = await create(client)
    assert (
        await client.get(f"/api/sessions/{other['session_id']}/history", headers={"Authorization": f"Bearer {key}"})
    ).status == 403

    host, me = await join(connect, session_id, "Ada", key)
    candidate, them = await join(connect, session_id, "Bo 😀")
    _, state = await connect(session_id)
    text = Text.from_str(state["data"]["code"])
    texts = {0: str(text)}
    inserts = ["a", "é", "😀", "\n", "xyz"]
    for version in range(20):
        peer = host if version % 2 else candidate
        change = (
            [len(text), [0, inserts[version % len(inserts)]]] if version % 3 else [[0, inserts[version % 5]], len(text)]
        )
        await peer.send("push", {"version": version, "updates": [{"clientID": f"c{version % 2}", "changes": change}]})
        await host.receive_type("updates")
        text = text.apply(change)
        texts[version + 1] = str(text)
    await candidate.send("run_start", {"version": 20, "language": "python"})
    await candidate.send("run_output", {"stream": "stdout", "text": "42\n"})
    await candidate.send("run_end", {"status": "ok", "duration_ms": 12})
    await host.receive_type("run_finished")
    await candidate.send("chat", {"text": "done!"})
    await host.receive_type("chat")

    history = await (await client.get(url, headers={"Authorization": f"Bearer {key}"})).json()
    assert history["start"] == {"version": 0, "text": texts[0]} and history["version"] == 20
    replayed = Text.from_str(history["start"]["text"])
    for version, update in enumerate(history["updates"], start=1):
        replayed = replayed.apply(update["changes"])
        assert str(replayed) == texts[version], version
    assert str(replayed) == history["text"] == texts[20]
    ats = [update["at"] for update in history["updates"]]
    assert ats == sorted(ats) and all(isinstance(at, int) for at in ats)
    ada = history["participants"][me["participant"]["id"]]
    assert ada == {
        "name": "Ada",
        "color": me["participant"]["color"],
        "role": "host",
        "names": [{"name": "Ada", "at": ada["names"][0]["at"]}],
    }
    assert ats[0] >= ada["names"][0]["at"] > 0  # named (hello) before any edit
    assert history["participants"][them["participant"]["id"]]["name"] == "Bo 😀"
    assert [run["output"] for run in history["runs"]] == [[{"stream": "stdout", "text": "42\n"}]]
    assert [message["text"] for message in history["chat"]] == ["done!"]
    # The page's player (static/src/playback/timeline.js) rebuilds the same text at every version.
    history_file = tmp_path / "history.json"
    history_file.write_text(json.dumps(history))
    rebuilt = subprocess.run(
        ["node", "tests/node/playback_versions.mjs", str(history_file)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=60,
    )
    assert rebuilt.returncode == 0, rebuilt.stderr
    assert json.loads(rebuilt.stdout) == [texts[version] for version in range(21)]


async def test_export_is_one_self_contained_html_file_for_hosts(client, connect):
    created = await create(client, title="Ada <script>alert(1)</script> & Bo")
    session_id, key = created["session_id"], host_key(created)
    url = f"/api/sessions/{session_id}/export.html"
    assert (await client.get(url)).status == 401
    assert (await client.get(url, headers={"Authorization": "Bearer wrong"})).status == 403
    host, _ = await join(connect, session_id, "Ada", key)
    await host.send("chat", {"text": "</script><script>alert('x')</script>"})
    await host.receive_type("chat")
    response = await client.get(url, headers={"Authorization": f"Bearer {key}"})
    if response.status == 503:
        pytest.skip("the frontend is not built")
    assert response.status == 200 and response.content_type == "text/html"
    assert re.fullmatch(
        r'attachment; filename="interview-ada-script-alert-1-script-bo-\d{4}-\d\d-\d\d\.html"',
        response.headers["Content-Disposition"],
    )
    html = await response.text()
    assert html.count("<script") == 2 and "<script src" not in html and "<link" not in html
    assert "alert(1)</script>" not in html and "alert('x')</script>" not in html
    data = re.search(r'<script type="application/json" id="session-data">(.*?)</script>', html, re.S).group(1)
    history = json.loads(data)
    assert history["chat"][0]["text"] == "</script><script>alert('x')</script>"
    assert history["session_id"] == session_id and key not in html


async def test_the_host_key_never_reaches_the_log(client, connect, caplog):
    caplog.set_level(logging.DEBUG)
    created = await create(client)
    session_id, key = created["session_id"], host_key(created)
    host, _ = await join(connect, session_id, "Ada", key)
    await host.send("lock", {"locked": True})
    await host.receive_type("session_info")
    wrong, _ = await connect(session_id)
    await wrong.send("hello", {"host_key": key[::-1]})
    await wrong.receive_type("error")
    await client.get(f"/api/sessions/{session_id}/history", headers={"Authorization": f"Bearer {key}"})
    await client.get(f"/api/sessions/{session_id}/history", headers={"Authorization": f"Bearer {key[::-1]}"})
    assert caplog.records and key not in caplog.text and key[::-1] not in caplog.text


async def test_operators_add_problems_by_dropping_files_in_problems_dir(aiohttp_client, tmp_path):
    from interview_server.app import create_app
    from interview_server.config import Config

    folder = tmp_path / "problems"
    folder.mkdir()
    (folder / "fizz-buzz.md").write_text(
        "---\ntitle: Fizz Buzz (house rules)\n---\nPrint the numbers.\n\n"
        "```python starter\ndef fizz_buzz(n):\n    pass\n```\n"
    )
    (folder / "broken.md").write_text("no starter here")
    client = await aiohttp_client(create_app(Config(store="memory", problems_dir=str(folder))))
    problems = {p["id"]: p for p in (await (await client.get("/api/problems")).json())["problems"]}
    assert problems["fizz-buzz"] == {
        "id": "fizz-buzz",
        "title": "Fizz Buzz (house rules)",
        "languages": ["python"],
        "tags": [],
        "difficulty": "",
        "hidden_checks": False,
    }
    assert "broken" not in problems and "two-sum" in problems  # the built-ins stay
    response = await client.post("/api/sessions", json={"problem": "fizz-buzz", "language": "javascript"})
    assert (response.status, await response.json()) == (
        400,
        {"error": "problem fizz-buzz has no starter code in javascript; it has: python"},
    )
    created = await create(client, problem="fizz-buzz")  # its language by default
    ws = await client.ws_connect(f"/ws/{created['session_id']}")
    state = (await ws.receive_json())["data"]
    assert state["language"] == "python" and state["code"] == "def fizz_buzz(n):\n    pass\n"
    assert "Fizz Buzz (house rules)" in await (await client.get("/")).text()
    await ws.close()

"""Comment threads on ranges of the code (issue 23), on every store: the anchor moves with every edit exactly as
CodeMirror's mapPos moves a cursor (random cases from the real library), whether the thread was made before the
edits or made at an older version while they happened, for joiners and after the session is loaded again;
replies, edits and deletes of one's own, resolve; hosts-only threads never reach a candidate; limits and refusals."""

from __future__ import annotations

import asyncio
import json
import subprocess
from pathlib import Path


from interview_server import comments as comments_module
from interview_server.protocol import COMMENT_BURST

from .test_hosting import create, host_key, join as hosting_join

ROOT = Path(__file__).resolve().parent.parent
ORACLE = ROOT / "tests" / "node" / "anchor_oracle.mjs"


def oracle_cases(count: int, seed: int) -> list[dict]:
    output = subprocess.run(
        ["node", str(ORACLE), str(count), str(seed)], cwd=ROOT, check=True, capture_output=True, text=True
    ).stdout
    return [json.loads(line) for line in output.splitlines()]


async def join(connect, session_id: str, name: str, key: str | None = None, author_key: str | None = None):
    """A participant: (its socket, its participant id)."""
    if author_key is None:
        peer, welcome = await hosting_join(connect, session_id, name, key)
        return peer, welcome["participant"]["id"]
    peer, _ = await connect(session_id)
    await peer.send("hello", {"name": name, "author_key": author_key, **({"host_key": key} if key else {})})
    welcome = await peer.receive_type("welcome")
    await peer.receive_type("session_info")
    return peer, welcome["data"]["participant"]["id"]


async def push(peer, version: int, changes: list) -> int:
    await peer.send("push", {"version": version, "updates": [{"clientID": "bo", "changes": changes}]})
    while (await peer.receive_type("updates"))["data"]["version"] != version:
        pass
    return version + 1


async def set_code(peer, code: str) -> int:
    await peer.send("code_update", {"code": code})
    return (await peer.receive_type("updates"))["data"]["version"] + 1


async def thread_frame(peer) -> dict:
    message = await peer.receive_type_in(("comment_thread", "error"))
    assert message["type"] == "comment_thread", message
    return message["data"]["thread"]


async def test_an_anchor_moves_as_codemirror_maps_a_cursor(connect, client):
    for number, case in enumerate(oracle_cases(12, 2212)):
        created = await create(client)
        session_id = created["session_id"]
        ada, _ = await join(connect, session_id, "Ada")
        bo, _ = await join(connect, session_id, "Bo")
        version = await set_code(bo, case["doc"])
        start = version
        concurrent = number % 2 == 1  # made at its version but sent after every edit: the server maps it
        for index, changes in enumerate(case["updates"]):
            if index == case["madeAt"] and not concurrent:
                await ada.send("comment_add", {"version": version, "from": case["from"], "to": case["to"], "text": "?"})
                made_id = (await thread_frame(ada))["id"]
            version = await push(bo, version, changes)
        if concurrent:
            made = start + case["madeAt"]
            await ada.send("comment_add", {"version": made, "from": case["from"], "to": case["to"], "text": "?"})
            thread = await thread_frame(ada)
        else:
            await ada.send("comment_resolve", {"thread": made_id, "resolved": True})
            thread = await thread_frame(ada)
        assert (thread["version"], [thread["from"], thread["to"]]) == (version, case["expected"]), case
        assert thread["collapsed"] == (case["expected"][0] == case["expected"][1])
        late, _ = await connect(session_id)
        await late.send("hello", {"name": "Cy"})
        (joined,) = (await late.receive_type("comment_threads"))["data"]["threads"]
        assert [joined["from"], joined["to"], joined["version"]] == [*case["expected"], version]
        for peer in (ada, bo, late):
            await peer.close()


async def test_a_session_loaded_again_maps_its_threads_from_where_they_were_stored(connect, client):
    case = oracle_cases(1, 7)[0]
    created = await create(client)
    session_id = created["session_id"]
    ada, _ = await join(connect, session_id, "Ada")
    version = await set_code(ada, case["doc"])
    for index, changes in enumerate(case["updates"]):
        if index == case["madeAt"]:
            await ada.send("comment_add", {"version": version, "from": case["from"], "to": case["to"], "text": "!"})
            await thread_frame(ada)
        version = await push(ada, version, changes)
    await ada.close()
    await asyncio.sleep(0.2)  # everyone left: the session is released, loaded again by the next joiner
    bo, _ = await connect(session_id)
    await bo.send("hello", {"name": "Bo"})
    (thread,) = (await bo.receive_type("comment_threads"))["data"]["threads"]
    assert [thread["from"], thread["to"], thread["version"]] == [*case["expected"], version]


async def test_replies_edits_deletes_and_resolve(connect, client):
    created = await create(client)
    session_id, key = created["session_id"], host_key(created)
    host, _ = await join(connect, session_id, "Hana", key)
    ada, ada_id = await join(connect, session_id, "Ada", author_key="ada-secret-key-0001")
    version = await set_code(ada, "def add(a, b):\n    return a - b\n")
    await ada.send("comment_add", {"version": version, "from": 19, "to": 31, "text": "  Should this be a + b?  "})
    thread = await thread_frame(host)
    assert await thread_frame(ada) == thread
    assert thread["quote"] == "return a - b" and thread["comments"][0]["text"] == "Should this be a + b?"
    assert thread["comments"][0]["participant"] == ada_id and thread["visibility"] == "everyone"
    assert "authors" not in thread and "ada-secret" not in json.dumps(thread)
    first = thread["comments"][0]["id"]
    await host.send("comment_reply", {"thread": thread["id"], "text": "Yes — good catch."})
    thread = await thread_frame(ada)
    assert await thread_frame(host) == thread
    reply = thread["comments"][1]["id"]
    await ada.send("comment_edit", {"thread": thread["id"], "comment": reply, "text": "mine now"})
    refused = (await ada.receive_type("error"))["data"]
    assert refused["code"] == "not_yours" and refused["message"].startswith("comment_edit: ")
    # Ada reloads: a new connection, the same author key: her comment is still hers.
    await ada.close()
    ada, _ = await join(connect, session_id, "Ada", author_key="ada-secret-key-0001")
    await ada.send("comment_edit", {"thread": thread["id"], "comment": first, "text": "Is it a + b?"})
    edited = await thread_frame(host)
    assert edited["comments"][0]["text"] == "Is it a + b?" and "edited_at" in edited["comments"][0]
    assert await thread_frame(ada) == edited
    await ada.send("comment_resolve", {"thread": thread["id"], "resolved": True})
    resolved = await thread_frame(host)
    assert resolved["resolved"] and resolved["resolved_by"] and resolved["resolved_at"]
    assert await thread_frame(ada) == resolved
    await host.send("comment_resolve", {"thread": thread["id"], "resolved": False})
    assert not (await thread_frame(ada))["resolved"]
    await thread_frame(host)
    await ada.send("comment_delete", {"thread": thread["id"], "comment": reply})
    assert (await ada.receive_type("error"))["data"]["code"] == "not_yours"
    await host.send("comment_delete", {"thread": thread["id"], "comment": reply})  # a host may remove any
    assert [c["id"] for c in (await thread_frame(ada))["comments"]] == [first]
    await thread_frame(host)
    await ada.send("comment_delete", {"thread": thread["id"], "comment": first})
    assert (await ada.receive_type("comment_removed"))["data"] == {"thread": thread["id"]}
    late, _ = await connect(session_id)
    await late.send("hello", {"name": "Cy"})
    await late.receive_type("welcome")
    assert (await late.receive())["type"] == "history"
    assert (await late.receive())["type"] == "session_info"  # no threads: no comment_threads frame


class Recording:
    """A socket whose every frame is kept (read through it only), so a test can say what it never received."""

    def __init__(self, peer):
        self.peer, self.frames = peer, []

    async def send(self, type_: str, data: dict) -> None:
        await self.peer.send(type_, data)

    async def receive_type(self, type_: str) -> dict:
        while True:
            message = await self.peer.receive()
            self.frames.append(json.dumps(message))
            if message["type"] == type_:
                return message

    async def drain(self, seconds: float = 0.3) -> str:
        try:
            while True:
                self.frames.append(json.dumps(await self.peer.receive(timeout=seconds)))
        except TimeoutError:
            return "".join(self.frames)


async def test_hosts_only_threads_never_reach_a_candidate(connect, client):
    created = await create(client)
    session_id, key = created["session_id"], host_key(created)
    host, _ = await join(connect, session_id, "Hana", key)
    other_host, _ = await join(connect, session_id, "Hugo", key)
    candidate = Recording((await join(connect, session_id, "Cy"))[0])
    version = await set_code(host, "print('secret plan')\n")
    await candidate.send("comment_add", {"version": version, "from": 0, "to": 5, "text": "hm", "visibility": "hosts"})
    assert (await candidate.receive_type("error"))["data"]["code"] == "host_only"
    remark = "PRIVATE remark: weak on recursion"
    await host.send("comment_add", {"version": version, "from": 0, "to": 5, "text": remark, "visibility": "hosts"})
    thread = await thread_frame(other_host)
    assert thread["visibility"] == "hosts"
    await host.send("comment_reply", {"thread": thread["id"], "text": "PRIVATE follow-up"})
    thread = await thread_frame(other_host)
    await host.send("comment_resolve", {"thread": thread["id"], "resolved": True})
    await thread_frame(other_host)
    for type_, data in [
        ("comment_reply", {"thread": thread["id"], "text": "let me in"}),
        ("comment_resolve", {"thread": thread["id"], "resolved": False}),
        ("comment_delete", {"thread": thread["id"], "comment": thread["comments"][0]["id"]}),
    ]:
        await candidate.send(type_, data)
        assert "there is no thread" in (await candidate.receive_type("error"))["data"]["message"]
    await host.send("comment_add", {"version": version, "from": 6, "to": 19, "text": "Public note"})
    await candidate.receive_type("comment_thread")  # everyone's threads do reach the candidate
    late = Recording((await connect(session_id))[0])
    await late.send("hello", {"name": "Di"})
    threads = (await late.receive_type("comment_threads"))["data"]["threads"]
    assert [t["comments"][0]["text"] for t in threads] == ["Public note"]
    late_host, _ = await connect(session_id)
    await late_host.send("hello", {"name": "Hal", "host_key": key})
    hosts_see = (await late_host.receive_type("comment_threads"))["data"]["threads"]
    assert [t["comments"][0]["text"] for t in hosts_see] == [remark, "Public note"]
    await host.send("comment_delete", {"thread": thread["id"], "comment": thread["comments"][0]["id"]})
    await thread_frame(other_host)
    await host.send("comment_delete", {"thread": thread["id"], "comment": thread["comments"][1]["id"]})
    await other_host.receive_type("comment_removed")
    for recording in (candidate, late):
        assert "PRIVATE" not in await recording.drain()
        for frame in map(json.loads, recording.frames):  # the id only in the answers to its own guesses
            assert frame["type"] == "error" or thread["id"] not in json.dumps(frame), frame


async def test_bad_and_forged_comments_are_refused(connect, client):
    created = await create(client)
    session_id = created["session_id"]
    script, _ = await connect(session_id)
    await script.send("comment_add", {"version": 0, "from": 0, "to": 1, "text": "x"})
    assert "say hello first" in (await script.receive_type("error"))["data"]["message"]
    ada, _ = await join(connect, session_id, "Ada")
    version = await set_code(ada, "abc\n")
    for type_, data, says in [
        ("comment_add", {"version": version, "from": 2, "to": 2, "text": "x"}, "data.from must be before data.to"),
        ("comment_add", {"version": version, "from": 0, "to": 99, "text": "x"}, "comment_add: positions must lie"),
        ("comment_add", {"version": version + 5, "from": 0, "to": 1, "text": "x"}, "is ahead of the session"),
        ("comment_add", {"version": version, "from": 0, "to": 1, "text": "  "}, "data.text must be a non-blank"),
        ("comment_add", {"version": version, "from": 0, "to": 1, "text": "x" * 2001}, "at most 2,000 characters"),
        ("comment_add", {"version": version, "from": 0, "to": 1, "text": "a\u202eb"}, "text-direction"),
        ("comment_add", {"version": version, "from": 0, "to": 1, "text": "x", "visibility": "me"}, "visibility"),
        ("comment_add", {"version": version, "from": 0, "to": 1, "text": "x", "participant": "h0st"}, "participant"),
        ("comment_reply", {"thread": "t-nope", "text": "x"}, "there is no thread"),
        ("comment_edit", {"thread": "t-nope", "text": "x"}, "data.comment must be"),
        ("comment_resolve", {"thread": "t-nope", "resolved": "yes"}, "data.resolved must be true or false"),
        ("hello", {"name": "Eve", "author_key": "short"}, "hello: data.author_key must be 16-64"),
    ]:
        await ada.send(type_, data)
        message = (await ada.receive_type("error"))["data"]["message"]
        assert message.startswith(f"{type_}: ") and says in message, (message, says)


async def test_comments_have_limits(connect, client, monkeypatch):
    monkeypatch.setattr(comments_module, "MAX_THREADS", 2)
    monkeypatch.setattr(comments_module, "MAX_COMMENTS_PER_THREAD", 2)
    created = await create(client)
    ada, _ = await join(connect, created["session_id"], "Ada")
    version = await set_code(ada, "abcdef\n")
    for start in range(2):
        await ada.send("comment_add", {"version": version, "from": start, "to": start + 1, "text": "x"})
        thread = await thread_frame(ada)
    await ada.send("comment_add", {"version": version, "from": 3, "to": 4, "text": "x"})
    assert (await ada.receive_type("error"))["data"]["code"] == "comments_full"
    await ada.send("comment_reply", {"thread": thread["id"], "text": "y"})
    await thread_frame(ada)
    await ada.send("comment_reply", {"thread": thread["id"], "text": "z"})
    assert (await ada.receive_type("error"))["data"]["code"] == "comments_full"
    monkeypatch.setattr(comments_module, "MAX_COMMENTS_PER_THREAD", 1000)
    answers = []
    for _ in range(COMMENT_BURST + 10):
        await ada.send("comment_reply", {"thread": thread["id"], "text": "spam"})
    for _ in range(COMMENT_BURST + 10):
        answers.append(await ada.receive_type_in(("comment_thread", "error")))
    refused = [a for a in answers if a["type"] == "error"]
    assert len(refused) >= 5 and {a["data"]["code"] for a in refused} == {"rate_limited"}


async def test_threads_are_in_the_history_and_the_export(connect, client):
    created = await create(client)
    session_id, key = created["session_id"], host_key(created)
    host, _ = await join(connect, session_id, "Hana", key, author_key="hana-secret-key-01")
    version = await set_code(host, "x = 1\n")
    await host.send("comment_add", {"version": version, "from": 0, "to": 5, "text": "Why 1?", "visibility": "hosts"})
    await thread_frame(host)
    history = await (
        await client.get(f"/api/sessions/{session_id}/history", headers={"Authorization": f"Bearer {key}"})
    ).json()
    (thread,) = history["comments"]
    assert thread["created"]["version"] == version and thread["comments"][0]["text"] == "Why 1?"
    assert "authors" not in thread
    export = await client.get(f"/api/sessions/{session_id}/export.html", headers={"Authorization": f"Bearer {key}"})
    if export.status != 503:
        assert "Why 1?" in await export.text() and "hana-secret" not in await export.text()

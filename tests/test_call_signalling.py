"""The call (issue 22): `call_signal` goes to the one participant addressed, on this instance or another (Redis,
PostgreSQL), and to nobody else; it needs `hello`, is bounded in size and rate, and is never stored. `call_state`
shows who is in the call (and muted) in everyone's participant list, and is kept for playback."""

from __future__ import annotations

import asyncio
import json

import aiohttp
import pytest

from interview_server.protocol import MAX_CALL_PEOPLE, MAX_SIGNAL_BYTES, SIGNAL_BURST

from .support.server_process import ServerProcess
from .test_people import join

OFFER = {"kind": "offer", "sdp": "v=0\r\no=- 4611 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n"}


async def nothing_more(peer, seconds: float = 0.3) -> list[dict]:
    """What `peer` receives within `seconds` (participants lists left out)."""
    seen = []
    try:
        while True:
            message = await peer.receive(timeout=seconds)
            if message["type"] not in ("participants", "user_joined", "user_left"):
                seen.append(message)
    except TimeoutError:
        return seen


async def test_a_signal_reaches_only_the_participant_addressed(connect, session_id, client):
    ada, ada_me, _ = await join(connect, session_id, "Ada")
    bo, bo_me, _ = await join(connect, session_id, "Bo")
    cy, _, _ = await join(connect, session_id, "Cy")
    await ada.send("call_signal", {"to": bo_me["id"], "signal": OFFER})
    got = await bo.receive_type("call_signal")
    assert got == {"type": "call_signal", "data": {"from": ada_me["id"], "to": bo_me["id"], "signal": OFFER}}
    answer = {"kind": "answer", "sdp": "v=0\r\n"}
    await bo.send("call_signal", {"to": ada_me["id"], "signal": answer})
    assert (await ada.receive_type("call_signal"))["data"] == {
        "from": bo_me["id"],
        "to": ada_me["id"],
        "signal": answer,
    }
    assert [m for m in await nothing_more(cy) if m["type"] == "call_signal"] == []
    # Never stored: nothing of it in the session's history.
    history = await client.get(f"/api/sessions/{session_id}/history")
    assert "v=0" not in await history.text()


async def test_signals_need_hello_are_bounded_and_not_to_oneself(connect, session_id):
    script, _ = await connect(session_id)
    ada, ada_me, _ = await join(connect, session_id, "Ada")
    bo, bo_me, _ = await join(connect, session_id, "Bo")
    await script.send("call_signal", {"to": ada_me["id"], "signal": OFFER})
    assert (await script.receive_type("error"))["data"]["message"].startswith("call_signal: say hello first")
    for data, reason in [
        ({"to": bo_me["id"], "signal": "not an object"}, "data.signal must be a JSON object"),
        ({"to": "", "signal": {}}, "data.to must be a participant id"),
        ({"to": "x" * 65, "signal": {}}, "data.to must be a participant id"),
        ({"to": bo_me["id"], "signal": {"sdp": "a" * MAX_SIGNAL_BYTES}}, "data.signal is over 16 KiB as JSON"),
        ({"to": ada_me["id"], "signal": {}}, "data.to is your own id"),
    ]:
        await ada.send("call_signal", data)
        error = (await ada.receive_type("error"))["data"]
        assert reason in error["message"], (data, error)
    assert [m for m in await nothing_more(bo) if m["type"] == "call_signal"] == []


async def test_a_burst_of_signals_beyond_the_budget_is_refused_and_not_relayed(connect, session_id):
    ada, _, _ = await join(connect, session_id, "Ada")
    bo, bo_me, _ = await join(connect, session_id, "Bo")
    sent = SIGNAL_BURST + 20
    for index in range(sent):
        await ada.send("call_signal", {"to": bo_me["id"], "signal": {"kind": "candidate", "n": index}})
    refused = 0
    relayed = []
    async with asyncio.timeout(10):
        while refused + len(relayed) < sent:
            while True:
                try:
                    message = await ada.receive(timeout=0.05)
                except TimeoutError:
                    break
                if message["type"] == "error":
                    assert message["data"]["code"] == "rate_limited", message
                    refused += 1
            try:
                message = await bo.receive(timeout=0.05)
            except TimeoutError:
                continue
            if message["type"] == "call_signal":
                relayed.append(message["data"]["signal"]["n"])
    assert refused >= 10 and len(relayed) >= SIGNAL_BURST  # the burst passes (and what the rate refilled meanwhile)
    assert relayed == sorted(relayed)  # in order


@pytest.fixture(params=["redis", "postgres"])
def two_instances(request, tmp_path):
    """Two server processes sharing one Redis or one PostgreSQL."""
    if request.param == "redis":
        backend = request.getfixturevalue("redis_server")
        backend.flush()
        flag = "--redis-url"
    else:
        backend = request.getfixturevalue("postgres_server")
        backend.reset()
        flag = "--database-url"
    servers = [ServerProcess(flag, backend.url, log_path=tmp_path / f"server{i}.log") for i in range(2)]
    for server in servers:
        server.start()
    yield servers
    for server in servers:
        server.kill()


async def joined_socket(http, server: ServerProcess, session_id: str, name: str):
    ws = await http.ws_connect(f"ws://127.0.0.1:{server.port}/ws/{session_id}")
    await ws.send_json({"type": "hello", "data": {"name": name}})
    while (message := await ws.receive_json(timeout=10))["type"] != "welcome":
        pass
    return ws, message["data"]["participant"]["id"]


async def test_a_signal_crosses_instances_to_the_participant_addressed_only(two_instances):
    a, b = two_instances
    async with aiohttp.ClientSession() as http:
        session_id = (await (await http.post(a.url + "/api/sessions")).json())["session_id"]
        ada, ada_id = await joined_socket(http, a, session_id, "Ada")
        bo, bo_id = await joined_socket(http, b, session_id, "Bo")
        cy, _ = await joined_socket(http, b, session_id, "Cy")
        await asyncio.sleep(0.3)  # both instances watch the session
        await ada.send_json({"type": "call_signal", "data": {"to": bo_id, "signal": OFFER}})
        async with asyncio.timeout(10):
            while (message := await bo.receive_json())["type"] != "call_signal":
                pass
        assert message["data"] == {"from": ada_id, "to": bo_id, "signal": OFFER}
        await bo.send_json({"type": "call_signal", "data": {"to": ada_id, "signal": {"kind": "answer"}}})
        async with asyncio.timeout(10):
            while (message := await ada.receive_json())["type"] != "call_signal":
                pass
        assert message["data"] == {"from": bo_id, "to": ada_id, "signal": {"kind": "answer"}}
        await asyncio.sleep(0.5)
        while True:  # Cy, on Bo's instance, got neither
            try:
                seen = await cy.receive_json(timeout=0.2)
            except TimeoutError:
                break
            assert seen["type"] != "call_signal", json.dumps(seen)[:200]
        for ws in (ada, bo, cy):
            await ws.close()


def in_call(participants: list[dict]) -> dict:
    """{name: call} of the participants in the call."""
    return {person["name"]: person["call"] for person in participants if "call" in person}


async def test_call_state_shows_in_everyones_list_until_leaving_and_is_kept_for_playback(connect, client):
    created = await (await client.post("/api/sessions")).json()
    session_id, key = created["session_id"], created["host_url"].split("#host=")[1]
    ada, ada_me, _ = await join(connect, session_id, "Ada")
    bo, _, _ = await join(connect, session_id, "Bo")
    await ada.send("call_state", {"in_call": True, "audio": True, "video": True})
    while in_call((await bo.receive_type("participants"))["data"]["participants"]) != {
        "Ada": {"audio": True, "video": True}
    }:
        pass
    await ada.send("call_state", {"in_call": True, "audio": False, "video": True})  # muted
    while in_call((await bo.receive_type("participants"))["data"]["participants"]) != {
        "Ada": {"audio": False, "video": True}
    }:
        pass
    await ada.send("call_state", {"in_call": True, "audio": False, "video": True})  # the same again: nothing
    await bo.send("call_state", {"in_call": True, "audio": True, "video": False})
    both = {"Ada": {"audio": False, "video": True}, "Bo": {"audio": True, "video": False}}
    while in_call((await ada.receive_type("participants"))["data"]["participants"]) != both:
        pass  # the lists before it (Bo's join, Ada's own changes) come first
    await ada.close()  # leaves the call with the connection
    while in_call((await bo.receive_type("participants"))["data"]["participants"]) != {
        "Bo": {"audio": True, "video": False}
    }:
        pass
    history = await (
        await client.get(f"/api/sessions/{session_id}/history", headers={"Authorization": f"Bearer {key}"})
    ).json()
    calls = [(c["participant"] == ada_me["id"], c["in_call"], c["audio"], c["video"]) for c in history["calls"]]
    assert calls[:2] == [(True, True, True, True), (True, True, False, True)]
    assert (True, False, False, False) in calls[2:] and (False, True, True, False) in calls[2:]
    assert len(calls) == 4


async def test_a_call_takes_six_people_even_when_eight_join_at_once(connect, session_id):
    """The mesh limit is the server's: of eight joining together exactly six are in, the others are told `call_full`
    and listed as not in the call; once one leaves, a place is free again."""
    people = [await join(connect, session_id, f"P{index}") for index in range(MAX_CALL_PEOPLE + 2)]
    joining = {"in_call": True, "audio": True, "video": False}
    await asyncio.gather(*(ws.send("call_state", joining) for ws, _, _ in people))
    refused = []
    for ws, me, _ in people:
        async with asyncio.timeout(10):
            while True:  # each gets its own error, or the list with itself in the call
                message = await ws.receive()
                if message["type"] == "error":
                    assert message["data"]["code"] == "call_full"
                    assert "the call is full" in message["data"]["message"]
                    refused.append(me["name"])
                    break
                if message["type"] == "participants" and me["name"] in in_call(message["data"]["participants"]):
                    break
    assert len(refused) == 2
    # Someone joining now is shown the call as it is: the six, none of the two refused.
    observer, _, _ = await join(connect, session_id, "Observer")
    async with asyncio.timeout(10):
        while True:  # the lists announced before everything settled may come first
            message = await observer.receive()
            if message["type"] == "participants" and len(in_call(message["data"]["participants"])) == MAX_CALL_PEOPLE:
                assert not set(refused) & set(in_call(message["data"]["participants"]))
                break
    inside = next((ws, me) for ws, me, _ in people if me["name"] not in refused)
    await inside[0].send("call_state", {"in_call": False, "audio": False, "video": False})
    late = next(ws for ws, me, _ in people if me["name"] == refused[0])
    await asyncio.sleep(0.2)
    await late.send("call_state", joining)
    async with asyncio.timeout(10):
        while True:
            message = await late.receive()
            assert message["type"] != "error", message
            if message["type"] == "participants" and refused[0] in in_call(message["data"]["participants"]):
                break


async def test_call_state_is_checked(connect, session_id):
    ada, _, _ = await join(connect, session_id, "Ada")
    for data in ({"in_call": "yes", "audio": True, "video": True}, {"in_call": True, "audio": 1, "video": False}, {}):
        await ada.send("call_state", data)
        error = (await ada.receive_type("error"))["data"]["message"]
        assert error == "call_state: data.in_call, data.audio and data.video must be true or false", data


async def call_list(ws, expected: dict) -> None:
    """Read `ws` until a participants list shows exactly `expected` in the call ({name: {audio, video}})."""
    async with asyncio.timeout(10):
        while True:
            message = await ws.receive_json()
            if message["type"] == "participants" and in_call(message["data"]["participants"]) == expected:
                return


async def test_call_state_crosses_instances_until_leaving_or_disconnecting(two_instances):
    """Ada on one instance, Bo on the other: Bo's list follows Ada into the call, muted, out of it, and gone."""
    a, b = two_instances
    async with aiohttp.ClientSession() as http:
        session_id = (await (await http.post(a.url + "/api/sessions")).json())["session_id"]
        ada, _ = await joined_socket(http, a, session_id, "Ada")
        bo, _ = await joined_socket(http, b, session_id, "Bo")
        await asyncio.sleep(0.3)  # both instances watch the session
        for state, expected in [
            ({"in_call": True, "audio": True, "video": True}, {"Ada": {"audio": True, "video": True}}),
            ({"in_call": True, "audio": False, "video": True}, {"Ada": {"audio": False, "video": True}}),
            ({"in_call": False, "audio": False, "video": False}, {}),
            ({"in_call": True, "audio": True, "video": False}, {"Ada": {"audio": True, "video": False}}),
        ]:
            await ada.send_json({"type": "call_state", "data": state})
            await call_list(bo, expected)
        # Bo joins too; Ada, on the other instance, sees both.
        await bo.send_json({"type": "call_state", "data": {"in_call": True, "audio": True, "video": True}})
        await call_list(ada, {"Ada": {"audio": True, "video": False}, "Bo": {"audio": True, "video": True}})
        await ada.close()  # leaves the call with the connection
        await call_list(bo, {"Bo": {"audio": True, "video": True}})
        await bo.close()

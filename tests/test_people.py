"""Participants: hello, names and colours, the live list, cursors mapped and relayed at a bounded rate."""

from __future__ import annotations

import pytest

from interview_server.presence import PALETTE


async def join(connect, session_id, name=None):
    """Connect and say hello; returns (peer, welcome participant, session_state data)."""
    peer, state = await connect(session_id)
    await peer.send("hello", {} if name is None else {"name": name})
    welcome = await peer.receive()
    assert welcome["type"] == "welcome", welcome
    history = await peer.receive()
    assert history == {"type": "history", "data": {"runs": [], "chat": []}}
    info = await peer.receive()
    assert info == {"type": "session_info", "data": {"title": "", "locked": False, "ended": False, "problem": None}}
    return peer, welcome["data"]["participant"], state["data"]


async def test_hello_gets_a_name_a_colour_and_the_list(connect, session_id):
    ada, ada_me, _ = await join(connect, session_id, "Ada")
    assert ada_me == {"id": ada_me["id"], "name": "Ada", "color": PALETTE[0], "role": "candidate"}
    assert await ada.receive() == {"type": "participants", "data": {"participants": [ada_me]}}
    bo, bo_me, _ = await join(connect, session_id)
    assert bo_me["name"] == "Guest" and bo_me["color"] == PALETTE[1]
    both = {"type": "participants", "data": {"participants": [ada_me, bo_me]}}
    assert await bo.receive() == both
    assert await ada.receive_type("participants") == both
    await bo.send("set_name", {"name": "  Bo   Diddley "})
    renamed = {"type": "participants", "data": {"participants": [ada_me, {**bo_me, "name": "Bo Diddley"}]}}
    assert await ada.receive_type("participants") == renamed
    assert await bo.receive() == renamed
    await bo.close()
    assert await ada.receive() == {"type": "user_left", "data": {"user_count": 1}}
    assert await ada.receive() == {"type": "participants", "data": {"participants": [ada_me]}}


async def test_a_colour_is_reused_only_once_its_owner_left(connect, session_id):
    ada, ada_me, _ = await join(connect, session_id)
    bo, bo_me, _ = await join(connect, session_id)
    await ada.close()
    cy, cy_me, _ = await join(connect, session_id)
    assert (ada_me["color"], bo_me["color"], cy_me["color"]) == (PALETTE[0], PALETTE[1], PALETTE[0])


async def test_plain_connections_get_only_the_editing_messages(connect, session_id):
    script, state = await connect(session_id)
    ada, _, _ = await join(connect, session_id, "Ada")
    await ada.send("chat", {"text": "hello"})
    await ada.send("cursor", {"version": 0, "ranges": [{"anchor": 1, "head": 1}]})
    await ada.send("set_language", {"language": "javascript"})
    await ada.receive_type("language")
    await script.send("code_update", {"code": "x = 1\n"})
    # The script sees its joiner and its own update, and nothing of the people's messages.
    assert await script.receive() == {"type": "user_joined", "data": {"user_count": 2}}
    assert (await script.receive())["type"] == "updates"


@pytest.mark.parametrize(
    "name, message",
    [
        ("", "set_name: data.name must be a non-blank string"),
        ("   ", "set_name: data.name must be a non-blank string"),
        (7, "set_name: data.name must be a non-blank string"),
        ("x" * 41, "set_name: a name is at most 40 characters"),
        ("Ada\x07", "set_name: a name cannot contain control or text-direction characters"),
        ("Ada\u202eevil", "set_name: a name cannot contain control or text-direction characters"),
    ],
)
async def test_bad_names_are_refused_and_change_nothing(connect, session_id, name, message):
    ada, ada_me, _ = await join(connect, session_id, "Ada")
    await ada.receive_type("participants")
    await ada.send("set_name", {"name": name})
    assert await ada.receive() == {"type": "error", "data": {"message": message}}
    await ada.send("set_name", {"name": "Ada"})
    assert await ada.receive() == {"type": "participants", "data": {"participants": [ada_me]}}


async def test_nobody_can_speak_for_someone_else(connect, session_id):
    ada, _, _ = await join(connect, session_id, "Ada")
    await ada.receive_type("participants")
    for type_, data in [
        ("chat", {"text": "hi", "name": "Interviewer"}),
        ("chat", {"text": "hi", "participant": "someone"}),
        ("cursor", {"version": 0, "ranges": [{"anchor": 0, "head": 0}], "participant": "someone"}),
        ("run_start", {"version": 0, "language": "python", "name": "Interviewer"}),
    ]:
        await ada.send(type_, data)
        error = await ada.receive()
        assert error["type"] == "error" and "unexpected field" in error["data"]["message"], error
    await ada.send("hello", {"name": "Again"})
    assert await ada.receive() == {
        "type": "error",
        "data": {"message": "hello: already said; change your name with set_name"},
    }


async def test_cursors_go_to_the_others_mapped_to_the_current_version(connect, session_id):
    ada, ada_me, state = await join(connect, session_id, "Ada")
    bo, _, _ = await join(connect, session_id, "Bo")
    await ada.receive_type("participants")
    length = len(state["code"])
    # Bo inserts 3 characters at the start; Ada, still at version 0, puts her caret at 4.
    await bo.send("push", {"version": 0, "updates": [{"clientID": "bo", "changes": [[0, "abc"], length]}]})
    await ada.receive_type("updates")
    await ada.send("cursor", {"version": 0, "ranges": [{"anchor": 2, "head": 4}, {"anchor": 0, "head": 0}]})
    cursor = await bo.receive_type("cursor")
    assert cursor == {
        "type": "cursor",
        "data": {
            "participant": ada_me["id"],
            "name": "Ada",
            "color": ada_me["color"],
            "version": 1,
            "ranges": [{"anchor": 5, "head": 7}, {"anchor": 0, "head": 0}],
        },
    }
    # Not echoed to the sender.
    await ada.send("pull", {"version": 1})
    assert (await ada.receive())["type"] == "updates"


@pytest.mark.parametrize(
    "data, message",
    [
        (
            {"version": 0, "ranges": [{"anchor": 0, "head": 10_000}]},
            "cursor: positions must lie between 0 and {length}, the document's length at version 0",
        ),
        ({"version": 0, "ranges": [{"anchor": -1, "head": 0}]}, "cursor: range 0 needs whole-number positions >= 0"),
        ({"version": 0, "ranges": [{"anchor": 1.5, "head": 0}]}, "cursor: range 0 needs whole-number positions >= 0"),
        ({"version": 0, "ranges": [{"anchor": 0}]}, "cursor: range 0 must be an object {anchor, head}"),
        ({"version": 0, "ranges": []}, "cursor: data.ranges must be an array of 1 to 50 {anchor, head} objects"),
        (
            {"version": 0, "ranges": [{"anchor": 0, "head": 0}] * 51},
            "cursor: data.ranges must be an array of 1 to 50 {anchor, head} objects",
        ),
        ({"version": 9, "ranges": [{"anchor": 0, "head": 0}]}, "cursor: version 9 is ahead of the session (at 0)"),
        ({"ranges": [{"anchor": 0, "head": 0}]}, "cursor: data.version must be a whole number >= 0"),
    ],
)
async def test_bad_cursors_are_refused(connect, session_id, data, message):
    ada, _, state = await join(connect, session_id, "Ada")
    bo, _, _ = await join(connect, session_id, "Bo")
    await ada.send("cursor", data)
    expected = {"message": message.replace("{length}", str(len(state["code"])))}
    if "version 0" in message or "ahead" in message:  # placing it failed (not its shape): the page may ignore it
        expected["code"] = "cursor_refused"
    assert await ada.receive_type("error") == {"type": "error", "data": expected}
    await ada.send("cursor", {"version": 0, "ranges": [{"anchor": 1, "head": 1}]})
    assert (await bo.receive_type("cursor"))["data"]["ranges"] == [{"anchor": 1, "head": 1}]


async def test_a_burst_of_cursor_moves_is_thinned_but_ends_on_the_latest(connect, session_id):
    ada, _, _ = await join(connect, session_id, "Ada")
    bo, _, _ = await join(connect, session_id, "Bo")
    for position in range(40):
        await ada.send("cursor", {"version": 0, "ranges": [{"anchor": position, "head": position}]})
    received = []
    while not received or received[-1] != 39:  # the latest arrives (after the throttle's interval)
        received.append((await bo.receive_type("cursor"))["data"]["ranges"][0]["head"])
    await ada.send("chat", {"text": "done"})  # a marker after the burst: no cursor comes after the latest
    while (message := await bo.receive_type_in(("cursor", "chat")))["type"] == "cursor":
        received.append(message["data"]["ranges"][0]["head"])
    assert received[-1] == 39
    assert len(received) < 15, received

"""A participant's cursor rides on its push and on the `updates` the others get: one frame per keystroke each
way, where there were two. Dropped (never misplaced) when the push was rebased or the ranges lie outside the text."""

from __future__ import annotations

import pytest

from .test_people import join


def insert_at_end(length: int, text: str) -> list:
    return [length, [0, text]]


async def test_the_cursor_on_a_push_reaches_the_others_in_the_same_frame(connect, session_id):
    ada, ada_me, state = await join(connect, session_id, "Ada")
    bo, _, _ = await join(connect, session_id, "Bo")
    length = len(state["code"])
    await ada.send(
        "push",
        {
            "version": 0,
            "rebase": True,
            "updates": [{"clientID": "ada", "changes": insert_at_end(length, "x")}],
            "cursor": {"ranges": [{"anchor": length + 1, "head": length + 1}]},
        },
    )
    updates = await bo.receive_type("updates")
    assert updates == {
        "type": "updates",
        "data": {
            "version": 0,
            "updates": [{"clientID": "ada", "changes": [length, [0, "x"]]}],
            "cursor": {
                "participant": ada_me["id"],
                "name": "Ada",
                "color": ada_me["color"],
                "version": 1,
                "ranges": [{"anchor": length + 1, "head": length + 1}],
            },
        },
    }
    # No `cursor` frame follows: a marker sent after it arrives next.
    await ada.send("chat", {"text": "marker"})
    assert (await bo.receive_type_in(("cursor", "chat")))["type"] == "chat"


async def test_a_rebased_push_or_a_cursor_outside_the_text_carries_no_cursor(connect, session_id):
    ada, _, state = await join(connect, session_id, "Ada")
    bo, _, _ = await join(connect, session_id, "Bo")
    length = len(state["code"])
    await bo.send("push", {"version": 0, "updates": [{"clientID": "bo", "changes": [[0, "b"], length]}]})
    await ada.receive_type("updates")
    await bo.receive_type("updates")  # his own, confirmed
    # Made on version 0, landed at 1 after a rebase: where Ada's selection is now is hers to say again.
    await ada.send(
        "push",
        {
            "version": 0,
            "rebase": True,
            "updates": [{"clientID": "ada", "changes": insert_at_end(length, "x")}],
            "cursor": {"ranges": [{"anchor": 1, "head": 1}]},
        },
    )
    rebased = await bo.receive_type("updates")
    assert rebased["data"]["version"] == 1 and "cursor" not in rebased["data"]
    await ada.send(
        "push",
        {
            "version": 2,
            "updates": [{"clientID": "ada", "changes": insert_at_end(length + 2, "y")}],
            "cursor": {"ranges": [{"anchor": length + 4, "head": 0}]},
        },
    )  # past the end
    outside = await bo.receive_type("updates")
    assert outside["data"]["version"] == 2 and "cursor" not in outside["data"]


async def test_a_script_that_never_said_hello_shows_no_cursor(connect, session_id):
    script, state = await connect(session_id)
    bo, _, _ = await join(connect, session_id, "Bo")
    length = len(state["data"]["code"])
    await script.send(
        "push",
        {
            "version": 0,
            "updates": [{"clientID": "s", "changes": insert_at_end(length, "x")}],
            "cursor": {"ranges": [{"anchor": 0, "head": 0}]},
        },
    )
    assert "cursor" not in (await bo.receive_type("updates"))["data"]


@pytest.mark.parametrize(
    "cursor, message",
    [
        ({"ranges": []}, "push: data.cursor.ranges must be an array of 1 to 50 {anchor, head} objects"),
        ({"ranges": [{"anchor": -1, "head": 0}]}, "push: range 0 needs whole-number positions >= 0"),
        (
            {"ranges": [{"anchor": 0, "head": 0}], "version": 3},
            "push: data.cursor must be an object {ranges: [{anchor, head}]} when given",
        ),
        ([{"anchor": 0, "head": 0}], "push: data.cursor must be an object {ranges: [{anchor, head}]} when given"),
    ],
)
async def test_a_malformed_cursor_refuses_the_push_whole(connect, session_id, cursor, message):
    ada, _, state = await join(connect, session_id, "Ada")
    length = len(state["code"])
    await ada.send(
        "push",
        {"version": 0, "updates": [{"clientID": "ada", "changes": insert_at_end(length, "x")}], "cursor": cursor},
    )
    assert await ada.receive_type("error") == {"type": "error", "data": {"message": message}}
    await ada.send("pull", {"version": 0})
    assert await ada.receive_type("updates") == {"type": "updates", "data": {"version": 0, "updates": []}}

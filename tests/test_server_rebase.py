"""`push` with `rebase: true`: a push made on an older version is moved over what was accepted since
(interview_server/rebase.py) instead of rejected, on every store; limits and bad input still hold."""

from __future__ import annotations

from interview_server.session import CURSOR_MAP_UPDATES
from interview_server.sessions import STARTER_CODE

from .test_collab import insert_at

START = STARTER_CODE["python"]


async def _push(peer, version: int, client_id: str, changes: list, rebase: bool = True) -> None:
    data = {"version": version, "updates": [{"clientID": client_id, "changes": changes}]}
    if rebase:
        data["rebase"] = True
    await peer.send("push", data)


async def test_a_stale_rebase_push_is_moved_over_and_accepted(session_id, connect):
    ada, _ = await connect(session_id)
    bo, _ = await connect(session_id)
    await ada.receive()  # user_joined
    await _push(ada, 0, "ada", insert_at(len(START), 0, "A"))
    await ada.receive_type("updates")
    await bo.receive_type("updates")
    # Bo typed "B" at the end on version 0, not knowing Ada's update: it moves one unit right.
    await _push(bo, 0, "bo", insert_at(len(START), len(START), "B"))
    expected = {
        "type": "updates",
        "data": {
            "version": 1,
            "updates": [{"clientID": "bo", "changes": insert_at(len(START) + 1, len(START) + 1, "B")}],
        },
    }
    assert await bo.receive() == expected
    assert await ada.receive() == expected
    _, state = await connect(session_id)
    assert (state["data"]["code"], state["data"]["version"]) == ("A" + START + "B", 2)


async def test_a_ties_and_already_accepted_updates_are_handled_like_collab(session_id, connect):
    ada, _ = await connect(session_id)
    bo, _ = await connect(session_id)
    await ada.receive()
    # Bo's first update is accepted; then Ada's at the same place; then Bo pushes his first again
    # (as after a lost answer) with a second one made on top of it: the first is dropped, the second
    # moved over Ada's. At the same position, the text accepted first stays first.
    first = insert_at(len(START), 0, "b1")
    await _push(bo, 0, "bo", first)
    await bo.receive_type("updates")
    await _push(ada, 1, "ada", insert_at(len(START) + 2, 2, "a"))
    await bo.receive_type("updates")
    await bo.send(
        "push",
        {
            "version": 0,
            "rebase": True,
            "updates": [
                {"clientID": "bo", "changes": first},
                {"clientID": "bo", "changes": insert_at(len(START) + 2, 2, "b2")},
            ],
        },
    )
    message = await bo.receive_type("updates")
    assert message["data"]["version"] == 2 and len(message["data"]["updates"]) == 1
    _, state = await connect(session_id)
    assert state["data"]["code"] == "b1ab2" + START and state["data"]["version"] == 3


async def test_without_rebase_or_too_old_a_stale_push_is_still_rejected(session_id, connect):
    ada, _ = await connect(session_id)
    bo, _ = await connect(session_id)
    await ada.receive()
    length, version = len(START), 0
    for count in (CURSOR_MAP_UPDATES, 1):  # in two pushes: a message rate limit applies
        updates = [{"clientID": "ada", "changes": insert_at(length + i, 0, "x")} for i in range(count)]
        await ada.send("push", {"version": version, "updates": updates})
        await ada.receive_type("updates")
        length, version = length + count, version + count
    await _push(bo, 0, "bo", insert_at(len(START), 0, "B"))  # older than the session can rebase from
    assert await bo.receive_type_in(("push_rejected",)) == {
        "type": "push_rejected",
        "data": {"version": CURSOR_MAP_UPDATES + 1},
    }
    await _push(bo, 1, "bo", insert_at(len(START) + 1, 0, "B"), rebase=False)  # an issue-2 client
    assert (await bo.receive_type_in(("push_rejected",)))["data"]["version"] == CURSOR_MAP_UPDATES + 1


async def test_bad_rebase_pushes_get_an_error_and_change_nothing(session_id, connect):
    ada, _ = await connect(session_id)
    bo, _ = await connect(session_id)
    await ada.receive()
    await _push(ada, 0, "ada", insert_at(len(START), 0, "A"))
    await bo.receive_type("updates")
    await bo.send(
        "push",
        {"version": 0, "rebase": "yes", "updates": [{"clientID": "bo", "changes": insert_at(len(START), 0, "B")}]},
    )
    assert "rebase must be true or false" in (await bo.receive_type("error"))["data"]["message"]
    # Made on version 0 but the wrong length for it (it fits version 1): refused, saying so.
    await _push(bo, 0, "bo", insert_at(len(START) + 1, 0, "B"))
    error = (await bo.receive_type("error"))["data"]["message"]
    assert "at version 0" in error and f"the document is {len(START)} units long" in error
    _, state = await connect(session_id)
    assert (state["data"]["code"], state["data"]["version"]) == ("A" + START, 1)

"""Every bad message gets an `error` saying what was wrong; the document is unchanged and the socket keeps working."""

from __future__ import annotations

import json

import pytest

from interview_server.sessions import STARTER_CODE

START = STARTER_CODE["python"]
N = len(START)

BAD_MESSAGES = [
    ("{not json", "message is not valid JSON"),
    ("[1, 2, 3]", 'message must be a JSON object {"type": ..., "data": {...}}'),
    ('{"data": {}}', 'message needs a "type" string'),
    (
        '{"type": "dance", "data": {}}',
        "unknown message type 'dance'; expected one of: push, pull, code_update, hello, set_name, cursor, set_language, run_start, run_output, run_end, chat, call_signal, call_state, board_draw, board_move, board_erase, board_clear, board_pull, board_pointer, comment_add, comment_reply, comment_edit, comment_delete, comment_resolve, integrity_event, lock, end_session, rename, set_problem, set_notes, report_hidden_results, set_scorecard, set_timer",
    ),
    ('{"type": "push"}', 'push: "data" must be an object'),
    ('{"type": "push", "data": {"version": 0}}', "push: data.updates must be a non-empty array"),
    ('{"type": "push", "data": {"version": 0, "updates": []}}', "push: data.updates must be a non-empty array"),
    (
        '{"type": "push", "data": {"version": -1, "updates": [{"clientID": "x", "changes": [1]}]}}',
        "push: data.version must be a whole number >= 0",
    ),
    (
        '{"type": "push", "data": {"version": "0", "updates": [{"clientID": "x", "changes": [1]}]}}',
        "push: data.version must be a whole number >= 0",
    ),
    (
        '{"type": "push", "data": {"version": true, "updates": [{"clientID": "x", "changes": [1]}]}}',
        "push: data.version must be a whole number >= 0",
    ),
    (
        '{"type": "push", "data": {"version": 0, "updates": ["x"]}}',
        "push: update 0 must be an object {clientID, changes}",
    ),
    (
        '{"type": "push", "data": {"version": 0, "updates": [{"changes": [1]}]}}',
        "push: update 0 needs a clientID string of 1 to 128 characters",
    ),
    (
        '{"type": "push", "data": {"version": 0, "updates": [{"clientID": "x", "changes": "abc"}]}}',
        "push: update 0 needs changes as ChangeSet JSON (an array)",
    ),
    # Length mismatch: the ChangeSet covers 5 units of a longer document.
    (
        '{"type": "push", "data": {"version": 0, "updates": [{"clientID": "x", "changes": [5]}]}}',
        f"push: update 0: changes cover 5 units, but the document is {N} units long",
    ),
    # Bad parts inside the ChangeSet.
    (
        '{"type": "push", "data": {"version": 0, "updates": [{"clientID": "x", "changes": [-3]}]}}',
        "push: update 0: part 0 of changes is neither a count nor [count, ...lines]",
    ),
    (
        '{"type": "push", "data": {"version": 0, "updates": [{"clientID": "x", "changes": [[1, 2]]}]}}',
        "push: update 0: part 0 of changes has an inserted line that is not a string",
    ),
    (
        '{"type": "push", "data": {"version": 0, "updates": [{"clientID": "x", "changes": [{"a": 1}]}]}}',
        "push: update 0: part 0 of changes is neither a count nor [count, ...lines]",
    ),
    # The second update of a push is checked against the text after the first: nothing of it is applied.
    (
        json.dumps(
            {
                "type": "push",
                "data": {
                    "version": 0,
                    "updates": [{"clientID": "x", "changes": [[0, "hello"], N]}, {"clientID": "x", "changes": [N]}],
                },
            }
        ),
        f"push: update 1: changes cover {N} units, but the document is {N + 5} units long",
    ),
    ('{"type": "pull", "data": {}}', "pull: data.version must be a whole number >= 0"),
    ('{"type": "pull", "data": {"version": 1.5}}', "pull: data.version must be a whole number >= 0"),
    ('{"type": "code_update", "data": {"code": 5}}', "code_update: data.code must be a string"),
    (
        '{"type": "code_update", "data": {"code": "x", "timestamp": "now"}}',
        "code_update: data.timestamp must be a number when given",
    ),
    ("[" * 100000 + "]" * 100000, "message is not valid JSON"),
]


@pytest.mark.parametrize("raw, message", BAD_MESSAGES, ids=[m for _, m in BAD_MESSAGES])
async def test_bad_message_gets_error_and_changes_nothing(session_id, connect, raw, message):
    alice, _ = await connect(session_id)
    await alice.ws.send_str(raw)
    assert await alice.receive() == {"type": "error", "data": {"message": message}}
    # The connection still works and the document is intact.
    await alice.send("push", {"version": 0, "updates": [{"clientID": "a", "changes": [N, [0, "#"]]}]})
    assert (await alice.receive())["type"] == "updates"
    _, state = await connect(session_id)
    assert state["data"]["code"] == START + "#"
    assert state["data"]["version"] == 1


async def test_binary_frame_gets_error(session_id, connect):
    alice, _ = await connect(session_id)
    await alice.ws.send_bytes(b"\x00\x01")
    assert await alice.receive() == {
        "type": "error",
        "data": {"message": "binary frames are not supported: send JSON text"},
    }


async def test_a_bad_client_does_not_disturb_others(session_id, connect):
    alice, _ = await connect(session_id)
    bob, _ = await connect(session_id)
    await alice.receive()  # user_joined
    for raw, _ in BAD_MESSAGES:
        await bob.ws.send_str(raw)
    await alice.send("push", {"version": 0, "updates": [{"clientID": "a", "changes": [[0, "ok "], N]}]})
    assert (await alice.receive())["type"] == "updates"

"""The collab authority over real sockets: pushes, stale pushes, pulls, code_update, concurrency."""

from __future__ import annotations

import asyncio
import random

from interview_server.changes import Text
from interview_server.sessions import STARTER_CODE

START = STARTER_CODE["python"]


def insert_at(doc_length: int, position: int, text: str) -> list:
    """ChangeSet JSON inserting text at a UTF-16 position."""
    changes: list = []
    if position:
        changes.append(position)
    changes.append([0, *text.split("\n")])
    if doc_length - position:
        changes.append(doc_length - position)
    return changes


async def test_push_is_broadcast_to_everyone_including_sender(session_id, connect):
    alice, _ = await connect(session_id)
    bob, _ = await connect(session_id)
    await alice.receive()  # user_joined
    changes = insert_at(len(START), 0, "# hi\n")
    await alice.send("push", {"version": 0, "updates": [{"clientID": "alice", "changes": changes}]})
    expected = {"type": "updates", "data": {"version": 0, "updates": [{"clientID": "alice", "changes": changes}]}}
    assert await alice.receive() == expected
    assert await bob.receive() == expected
    carol, state = await connect(session_id)
    assert state["data"]["code"] == "# hi\n" + START
    assert state["data"]["version"] == 1


async def test_stale_push_is_rejected_and_nothing_applied(session_id, connect):
    alice, _ = await connect(session_id)
    bob, _ = await connect(session_id)
    await alice.receive()
    await alice.send("push", {"version": 0, "updates": [{"clientID": "a", "changes": insert_at(len(START), 0, "A")}]})
    await alice.receive_type("updates")
    await bob.receive_type("updates")
    await bob.send("push", {"version": 0, "updates": [{"clientID": "b", "changes": insert_at(len(START), 0, "B")}]})
    assert await bob.receive() == {"type": "push_rejected", "data": {"version": 1}}
    _, state = await connect(session_id)
    assert state["data"]["code"] == "A" + START
    assert state["data"]["version"] == 1


async def test_pull_returns_updates_after_version(session_id, connect):
    alice, _ = await connect(session_id)
    length = len(START)
    sent = []
    for version, letter in enumerate("xyz"):
        changes = insert_at(length, 0, letter)
        sent.append({"clientID": "alice", "changes": changes})
        await alice.send("push", {"version": version, "updates": [sent[-1]]})
        await alice.receive_type("updates")
        length += 1
    bob, _ = await connect(session_id)
    await bob.send("pull", {"version": 1})
    assert await bob.receive() == {"type": "updates", "data": {"version": 1, "updates": sent[1:]}}
    await bob.send("pull", {"version": 3})
    assert await bob.receive() == {"type": "updates", "data": {"version": 3, "updates": []}}


async def test_pull_or_push_from_the_future_gets_a_full_resync(session_id, connect):
    alice, _ = await connect(session_id)
    await alice.send("pull", {"version": 99})
    resync = await alice.receive()
    assert resync == {
        "type": "session_state",
        "data": {"code": START, "language": "python", "active_users": 1, "version": 0},
    }
    await alice.send("push", {"version": 5, "updates": [{"clientID": "a", "changes": [len(START)]}]})
    assert (await alice.receive())["type"] == "session_state"


async def test_a_pull_behind_more_than_a_mebibyte_of_changes_gets_the_text(session_id, connect):
    """A few updates can hold a lot: past 1 MiB of changes, the whole text is the smaller answer."""
    alice, _ = await connect(session_id)
    length = len(START)
    for version in range(12):  # 200,000 units inserted, then deleted, six times: ~1.2 MB of changes
        changes = [[0, "y" * 200_000], length] if version % 2 == 0 else [[200_000], length]
        await alice.send("push", {"version": version, "updates": [{"clientID": "a", "changes": changes}]})
        await alice.receive_type("updates")
    await alice.send("pull", {"version": 0})
    assert await alice.receive() == {
        "type": "session_state",
        "data": {"code": START, "language": "python", "active_users": 1, "version": 12},
    }
    await alice.send("pull", {"version": 11})  # one update behind: the update
    assert (await alice.receive())["type"] == "updates"


async def test_code_update_becomes_a_minimal_update(session_id, connect):
    alice, _ = await connect(session_id)
    new_code = START.replace("world", "interview")
    await alice.send("code_update", {"code": new_code, "timestamp": 1764331200000})
    message = await alice.receive()
    assert message["type"] == "updates"
    assert message["data"]["version"] == 0
    [update] = message["data"]["updates"]
    assert update["clientID"] == "server"
    prefix = START.index("world")
    assert update["changes"] == [prefix, [5, "interview"], len(START) - prefix - 5]
    assert str(Text.from_str(START).apply(update["changes"])) == new_code
    # The same text again changes nothing and broadcasts nothing.
    await alice.send("code_update", {"code": new_code})
    await alice.send("pull", {"version": 1})
    assert await alice.receive() == {"type": "updates", "data": {"version": 1, "updates": []}}


async def test_concurrent_pushes_from_many_sockets_converge(session_id, connect):
    """Clients push at whatever version they have; the server text equals the accepted updates applied in order."""
    peers = [(await connect(session_id))[0] for _ in range(5)]
    rng = random.Random(7)

    async def typist(index: int, peer) -> None:
        version, text, accepted_mine = 0, Text.from_str(START), 0
        while accepted_mine < 15:
            position = rng.randint(0, len(text))
            changes = insert_at(len(text), position, rng.choice(["a", "β", "😀", "中文", "\n"]))
            await peer.send("push", {"version": version, "updates": [{"clientID": f"c{index}", "changes": changes}]})
            while True:  # read until our push is answered
                message = await peer.receive()
                if message["type"] == "updates":
                    data = message["data"]
                    for update in data["updates"][version - data["version"] :]:
                        text = text.apply(update["changes"])
                        version += 1
                    if any(u["clientID"] == f"c{index}" for u in data["updates"]):
                        accepted_mine += 1
                        break
                elif message["type"] == "push_rejected":
                    break

    await asyncio.gather(*(typist(i, p) for i, p in enumerate(peers)))
    observer, state = await connect(session_id)
    await observer.send("pull", {"version": 0})
    log = (await observer.receive())["data"]["updates"]
    replayed = Text.from_str(START)
    for update in log:
        replayed = replayed.apply(update["changes"])
    assert state["data"]["version"] == len(log) == 75
    assert str(replayed) == state["data"]["code"]
    for index in range(5):
        assert sum(u["clientID"] == f"c{index}" for u in log) == 15

"""The whiteboard (issue 22), on every store: a second shared document on the session's durable log. Elements are
drawn, moved and erased by operations the server turns into ChangeSets on the board's text; every participant gets
them in order (board_updates), the sender an answer for each (board_done or an error); pulls, pointers, limits,
who may do what, and the board in the history and the export."""

from __future__ import annotations

import json
import re

import pytest

from interview_server import board as board_module
from interview_server.board_elements import MAX_PEN_POINTS
from interview_server.changes import Text
from interview_server.limits import SessionBudgets
from interview_server.protocol import BOARD_OP_BURST

from .test_hosting import create, host_key, join as hosting_join


async def join_as(connect, session_id: str, name: str, key: str | None = None):
    """A participant (a host with `key`): (its socket, its participant id)."""
    peer, welcome = await hosting_join(connect, session_id, name, key)
    return peer, welcome["participant"]["id"]


PEN = {"id": "s1", "type": "pen", "color": "#2563EB", "width": 3, "points": [1, 2, 3.14159, 4, 5, 6]}


def element(id_: str, kind: str = "rect", **fields) -> dict:
    shape = {"id": id_, "type": kind, "color": "#16a34a", "width": 2, "points": [0, 0, 10, 20]}
    return {**shape, **fields}


class BoardCopy:
    """A participant's copy of the board, kept from board_updates and board_state as a page keeps it."""

    def __init__(self):
        self.version, self.text = 0, Text.from_str("")

    def take(self, message: dict) -> None:
        data = message["data"]
        if message["type"] == "board_state":
            self.version, self.text = data["version"], Text.from_str(data["text"])
            return
        assert message["type"] == "board_updates"
        for offset, update in enumerate(data["updates"]):
            if data["version"] + offset == self.version:  # ones already had are skipped
                self.text = self.text.apply(update["changes"])
                self.version += 1

    def elements(self) -> list[dict]:
        return [json.loads(line) for line in str(self.text).splitlines()]


async def answer(peer, op: str) -> dict:
    """The answer to operation `op`: board_done, or an error (the updates before it are skipped)."""
    message = await peer.receive_type_in(("board_done", "error"))
    if message["type"] == "board_done":
        assert message["data"]["op"] == op
    return message


async def draw(peer, op: str, shape: dict) -> dict:
    await peer.send("board_draw", {"op": op, "element": shape})
    return await answer(peer, op)


async def test_a_stroke_reaches_everyone_in_order_stamped_with_who_and_when(connect, session_id):
    ada, ada_id = await join_as(connect, session_id, "Ada")
    bo, bo_id = await join_as(connect, session_id, "Bo")
    script, _ = await connect(session_id)  # said no hello: gets no board frames
    await ada.send("board_draw", {"op": "o1", "element": PEN})
    sent = await ada.receive_type("board_updates")
    assert (await ada.receive())["data"] == {"op": "o1", "version": 1}  # the answer comes after the update
    seen = await bo.receive_type("board_updates")
    assert seen == sent and seen["data"]["version"] == 0 and len(seen["data"]["updates"]) == 1
    update = seen["data"]["updates"][0]
    assert update["participant"] == ada_id and isinstance(update["at"], int)
    copy = BoardCopy()
    copy.take(seen)
    (line,) = str(copy.text).splitlines()
    assert json.loads(line) == {
        "id": "s1",
        "type": "pen",
        "by": ada_id,
        "at": update["at"],
        "color": "#2563eb",
        "width": 3,
        "points": [1, 2, 3.1, 4, 5, 6],
    }
    assert line.isascii() and str(copy.text).endswith("\n")
    await script.send("board_pull", {"version": 0})
    assert (await script.receive_type("error"))["data"]["message"].startswith("board_pull: say hello first")


async def test_move_erase_and_resend_and_every_shape(connect, session_id):
    ada, _ = await join_as(connect, session_id, "Ada")
    bo, bo_id = await join_as(connect, session_id, "Bo")
    shapes = [
        PEN,
        element("l1", "line"),
        element("a1", "arrow"),
        element("r1", "rect"),
        element("e1", "ellipse"),
        element("t1", "text", points=[5, 5], text="Hash map?\nO(1) 😀", size=18),
    ]
    for number, shape in enumerate(shapes):
        assert (await draw(ada, f"d{number}", shape))["data"]["version"] == number + 1
    assert (await draw(ada, "again", PEN))["data"] == {"op": "again", "version": 6}  # a resend: nothing new
    await bo.send("board_move", {"op": "m1", "elements": [{"id": "r1", "points": [100, 100, 150, 180]}, {"id": "x"}]})
    assert (await answer(bo, "m1"))["type"] == "error"  # {"id": "x"} has no points
    await bo.send(
        "board_move",
        {"op": "m2", "elements": [{"id": "r1", "points": [100, 100, 150, 180]}, {"id": "gone", "points": [1, 1]}]},
    )
    assert (await answer(bo, "m2"))["data"]["version"] == 7
    await bo.send("board_erase", {"op": "x1", "ids": ["l1", "e1", "nothing"]})
    assert (await answer(bo, "x1"))["data"]["version"] == 8
    await bo.send("board_erase", {"op": "x2", "ids": ["l1"]})  # already gone: no update
    assert (await answer(bo, "x2"))["data"]["version"] == 8
    copy = BoardCopy()
    await ada.send("board_pull", {"version": 0})
    while copy.version < 8:
        copy.take(await ada.receive_type_in(("board_updates", "board_state")))
    elements = copy.elements()
    assert [e["id"] for e in elements] == ["s1", "a1", "r1", "t1"]
    assert next(e for e in elements if e["id"] == "r1")["points"] == [100, 100, 150, 180]
    assert next(e for e in elements if e["id"] == "t1")["text"] == "Hash map?\nO(1) 😀"


async def test_pull_answers_with_updates_or_the_whole_board(connect, session_id):
    ada, _ = await join_as(connect, session_id, "Ada")
    for number in range(3):
        await draw(ada, f"d{number}", element(f"r{number}"))
    await ada.send("board_pull", {"version": 1})
    pulled = await ada.receive_type("board_updates")
    assert pulled["data"]["version"] == 1 and len(pulled["data"]["updates"]) == 2
    await ada.send("board_pull", {"version": 99})  # ahead of the board: the whole board
    state = (await ada.receive_type("board_state"))["data"]
    assert state["version"] == 3 and [json.loads(line)["id"] for line in state["text"].splitlines()] == [
        "r0",
        "r1",
        "r2",
    ]
    await ada.send("board_pull", {"version": -1})
    assert "data.version must be a whole number" in (await ada.receive_type("error"))["data"]["message"]


@pytest.mark.parametrize(
    ("data", "says"),
    [
        ({"element": PEN}, "board_draw: data.op must be the operation's id"),
        ({"op": "x" * 41, "element": PEN}, "data.op must be"),
        ({"op": "o", "element": "pen"}, "data.element must be an object"),
        ({"op": "o", "element": {**PEN, "type": "star"}}, "data.element.type must be one of"),
        ({"op": "o", "element": {**PEN, "id": "a b"}}, "data.element.id must be"),
        ({"op": "o", "element": {**PEN, "color": "red"}}, "data.element.color must be a colour"),
        ({"op": "o", "element": {**PEN, "width": 0}}, "data.element.width must be a number from 0.5 to 64"),
        ({"op": "o", "element": {**PEN, "width": True}}, "data.element.width"),
        ({"op": "o", "element": {**PEN, "points": [1, 2, 3]}}, "data.element.points must be a flat list"),
        ({"op": "o", "element": {**PEN, "points": [0, 0] * (MAX_PEN_POINTS + 1)}}, "of 1-2000 point(s)"),
        ({"op": "o", "element": {**PEN, "points": [1, "2"]}}, "numbers only"),
        ({"op": "o", "element": {**PEN, "points": [1, 1e6]}}, "coordinates lie within"),
        ({"op": "o", "element": element("r", points=[0, 0, 1, 1, 2, 2])}, "of 2 point(s) for a rect"),
        ({"op": "o", "element": element("t", "text", points=[1, 1], size=12)}, "data.element.text must be"),
        ({"op": "o", "element": element("t", "text", points=[1, 1], text="   ", size=12)}, "not only spaces"),
        ({"op": "o", "element": element("t", "text", points=[1, 1], text="x" * 1001, size=12)}, "1-1000"),
        ({"op": "o", "element": element("t", "text", points=[1, 1], text="x", size=500)}, "data.element.size"),
        ({"op": "o", "element": element("r", text="x")}, "belong to text elements only"),
    ],
)
async def test_bad_elements_are_refused_with_the_field_and_why(connect, session_id, data, says):
    ada, _ = await join_as(connect, session_id, "Ada")
    await ada.send("board_draw", data)
    message = (await ada.receive_type("error"))["data"]["message"]
    assert message.startswith("board_draw: ") and says in message, message


async def test_bad_moves_erases_pointers_and_pulls_are_refused(connect, session_id):
    ada, _ = await join_as(connect, session_id, "Ada")
    await draw(ada, "d", element("t1", "text", points=[1, 1], text="x", size=12))
    for type_, data, says in [
        ("board_move", {"op": "o", "elements": []}, "data.elements must be a list of 1-100"),
        ("board_move", {"op": "o", "elements": [{"id": "t1", "points": [1, 1]}] * 101}, "1-100"),
        ("board_move", {"op": "o", "elements": [{"id": "t1", "points": [1, 1, 2, 2]}]}, "of 1 point(s) for a text"),
        ("board_erase", {"op": "o", "ids": []}, "data.ids must be a list of 1-500"),
        ("board_erase", {"op": "o", "ids": ["ok", 7]}, "data.ids must be element ids"),
        ("board_pointer", {"x": 1}, "data.x and data.y must be numbers"),
        ("board_pointer", {"x": "1", "y": 2}, "data.x and data.y"),
    ]:
        await ada.send(type_, data)
        message = (await ada.receive_type("error"))["data"]["message"]
        assert message.startswith(f"{type_}: ") and says in message, message


async def test_clear_is_for_hosts_and_a_lock_or_the_end_stops_drawing(connect, client):
    created = await create(client)
    session_id, key = created["session_id"], host_key(created)
    host, _ = await join_as(connect, session_id, "Hana", key)
    ada, _ = await join_as(connect, session_id, "Ada")
    await draw(ada, "d1", element("r1"))
    await ada.send("board_clear", {"op": "c1"})
    refused = await answer(ada, "c1")
    assert refused["data"]["code"] == "host_only"
    await host.send("lock", {"locked": True})
    while not (await ada.receive_type("session_info"))["data"]["locked"]:
        pass
    locked = await draw(ada, "d2", element("r2"))
    assert locked["type"] == "error" and locked["data"]["code"] == "locked"
    assert (await draw(host, "h1", element("h1")))["type"] == "board_done"  # hosts may draw on a locked board
    await host.send("board_clear", {"op": "c2"})
    assert (await answer(host, "c2"))["data"]["version"] == 3
    await host.send("lock", {"locked": False})
    await host.send("end_session", {})
    while not (await ada.receive_type("session_info"))["data"]["ended"]:
        pass
    ended = await draw(ada, "d3", element("r3"))
    assert ended["type"] == "error" and ended["data"]["code"] == "ended"
    await ada.send("board_pull", {"version": 0})  # still readable
    assert (await ada.receive_type("board_updates"))["data"]["version"] == 0


async def test_operations_past_the_burst_are_refused_then_flow_again(connect, session_id):
    ada, _ = await join_as(connect, session_id, "Ada")
    for number in range(BOARD_OP_BURST + 20):
        await ada.send("board_erase", {"op": f"o{number}", "ids": ["none"]})
    answers = [await ada.receive_type_in(("board_done", "error")) for _ in range(BOARD_OP_BURST + 20)]
    refused = [a for a in answers if a["type"] == "error"]
    assert len(refused) >= 10 and all(a["data"]["code"] == "rate_limited" for a in refused)
    assert sum(a["type"] == "board_done" for a in answers) >= BOARD_OP_BURST


async def test_the_board_has_limits(connect, session_id, monkeypatch):
    monkeypatch.setattr(board_module, "MAX_BOARD_ELEMENTS", 3)
    monkeypatch.setattr(board_module, "MAX_BOARD_UPDATES", 5)
    ada, _ = await join_as(connect, session_id, "Ada")
    for number in range(3):
        await draw(ada, f"d{number}", element(f"r{number}"))
    full = await draw(ada, "d3", element("r3"))
    assert full["data"]["code"] == "board_full" and "3 elements" in full["data"]["message"]
    await ada.send("board_erase", {"op": "x", "ids": ["r0"]})
    assert (await answer(ada, "x"))["data"]["version"] == 4
    assert (await draw(ada, "d4", element("r4")))["data"]["version"] == 5
    await ada.send("board_erase", {"op": "y", "ids": ["r1"]})
    history_full = await answer(ada, "y")
    assert history_full["data"]["code"] == "board_full" and "history" in history_full["data"]["message"]
    monkeypatch.setattr(board_module, "MAX_BOARD_UPDATES", 100)
    monkeypatch.setattr(board_module, "MAX_BOARD_ELEMENTS", 100)
    monkeypatch.setattr(board_module, "MAX_BOARD_BYTES", 600)
    huge = await draw(ada, "big", element("big", "pen", points=list(range(200))))
    assert huge["data"]["code"] == "board_full" and "bytes" in huge["data"]["message"]


async def test_pointers_go_to_the_others_at_a_bounded_rate(connect, session_id):
    ada, ada_id = await join_as(connect, session_id, "Ada")
    bo, bo_id = await join_as(connect, session_id, "Bo")
    for step in range(50):
        await ada.send("board_pointer", {"x": step, "y": step * 2})
    await ada.send("board_pointer", {"x": None, "y": None})
    seen = []
    while True:
        message = (await bo.receive_type("board_pointer"))["data"]
        seen.append(message)
        if message["x"] is None:
            break
    assert all(message["participant"] == ada_id for message in seen)
    assert len(seen) < 20  # the throttle kept the latest, not all 51
    await bo.send("board_pointer", {"x": 1.26, "y": -3})
    assert (await ada.receive_type("board_pointer"))["data"] == {"participant": bo_id, "x": 1.3, "y": -3}


async def test_the_board_is_in_the_history_and_the_export(connect, client):
    created = await create(client, title="Board")
    session_id, key = created["session_id"], host_key(created)
    host, _ = await join_as(connect, session_id, "Hana", key)
    await draw(host, "d1", PEN)
    await draw(host, "d2", element("t1", "text", points=[4, 4], text="</script><b>é</b>", size=20))
    await host.send("board_erase", {"op": "x", "ids": ["s1"]})
    await answer(host, "x")
    response = await client.get(f"/api/sessions/{session_id}/history", headers={"Authorization": f"Bearer {key}"})
    history = await response.json()
    board = history["board"]
    assert board["version"] == 0 and board["text"] == "" and len(board["updates"]) == 3
    assert [sorted(update) for update in board["updates"]] == [["at", "changes", "participant"]] * 3
    text = Text.from_str("")
    for update in board["updates"]:
        text = text.apply(update["changes"])
    assert [json.loads(line)["id"] for line in str(text).splitlines()] == ["t1"]
    export = await client.get(f"/api/sessions/{session_id}/export.html", headers={"Authorization": f"Bearer {key}"})
    if export.status == 503:
        pytest.skip("the frontend is not built")
    page = await export.text()
    data = json.loads(re.search(r'id="session-data">(.*?)</script>', page, re.DOTALL).group(1))
    assert data["board"] == board


async def test_an_empty_board_is_in_the_history_too(client):
    created = await create(client)
    response = await client.get(
        f"/api/sessions/{created['session_id']}/history", headers={"Authorization": f"Bearer {host_key(created)}"}
    )
    assert (await response.json())["board"] == {"version": 0, "text": "", "updates": []}


async def test_new_connections_do_not_make_a_new_budget_and_hosts_pass_the_change_cap(connect, client, monkeypatch):
    created = await create(client)
    session_id, key = created["session_id"], host_key(created)
    done = refused = 0
    for round_ in range(4):  # four connections, each within its own burst: the session's budget runs out first
        peer, _ = await join_as(connect, session_id, f"Eve {round_}")
        for number in range(BOARD_OP_BURST):
            await peer.send("board_erase", {"op": f"o{number}", "ids": ["none"]})
        for _ in range(BOARD_OP_BURST):
            answered = await peer.receive_type_in(("board_done", "error"))
            done += answered["type"] == "board_done"
            refused += answered["type"] == "error" and answered["data"]["code"] == "rate_limited"
        await peer.close()
    assert done <= 20 * SessionBudgets.BOARD_BURST_SECONDS + 20 and refused >= 4 * BOARD_OP_BURST - done
    monkeypatch.setattr(board_module, "MAX_BOARD_UPDATES", 2)
    monkeypatch.setattr(SessionBudgets, "BOARD_BURST_SECONDS", 100)
    created = await create(client)
    session_id, key = created["session_id"], host_key(created)
    eve, _ = await join_as(connect, session_id, "Eve")
    host, _ = await join_as(connect, session_id, "Hana", key)
    for number in range(2):
        await draw(eve, f"d{number}", element(f"e{number}"))
    assert (await draw(eve, "d2", element("e2")))["data"]["code"] == "board_full"
    assert (await draw(host, "h1", element("h1")))["data"]["version"] == 3  # the interviewer still draws
    await host.send("board_clear", {"op": "c"})
    assert (await answer(host, "c"))["data"]["version"] == 4


async def test_a_resent_operation_is_done_once_even_after_its_element_was_erased(store):
    """A page that lost the answer sends the same operation again (same op id): done already, nothing drawn again,
    though someone erased the element meanwhile; so too on a board loaded again (the ids come back from the log's
    end)."""

    def may_edit():
        return None

    first = board_module.Board("s-ops", store, lambda frame: None)
    drawn = await first.draw("op-z", "p1", element("z1"), may_edit)
    erased = await first.erase("op-x", "p2", ("z1",), may_edit)
    assert erased == drawn + 1
    assert await first.draw("op-z", "p1", element("z1"), may_edit) == erased
    assert '"z1"' not in first.text and first.version == erased
    again = board_module.Board("s-ops", store, lambda frame: None)  # the session opened again, or another instance
    assert await again.draw("op-z", "p1", element("z1"), may_edit) == erased
    assert await again.draw("op-new", "p1", element("z2"), may_edit) == erased + 1  # a new operation still draws
    assert '"z1"' not in again.text
    # Loading reads a bounded part of the log back, however long it is (an update may be a whole board's worth).
    for number in range(board_module.RECENT_OPS_ON_LOAD + 5):
        await again.draw(f"more-{number}", "p1", element(f"m{number}"), may_edit)
    read = []
    reading = store.updates_since

    async def counted(board_id, version, limit=None):
        updates = await reading(board_id, version, limit)
        read.append(len(updates or []))
        return updates

    store.updates_since = counted
    third = board_module.Board("s-ops", store, lambda frame: None)
    await third.load()
    assert read and max(read) <= board_module.RECENT_OPS_ON_LOAD
    await first.close()
    await again.close()
    await third.close()


async def test_a_resent_draw_over_the_socket_is_answered_without_drawing_again(connect, session_id):
    ada, _ = await join_as(connect, session_id, "Ada")
    bo, _ = await join_as(connect, session_id, "Bo")
    version = (await draw(ada, "d-1", element("w1")))["data"]["version"]
    await bo.send("board_erase", {"op": "x-1", "ids": ["w1"]})
    assert (await answer(bo, "x-1"))["data"]["version"] == version + 1
    assert (await draw(ada, "d-1", element("w1")))["data"] == {"op": "d-1", "version": version + 1}

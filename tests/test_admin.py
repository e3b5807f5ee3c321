"""The admin API (ADMIN_TOKEN): refused without, with a wrong and after guessed tokens; lists live sessions;
ends, deletes and exports them, on one instance and across two sharing Redis or PostgreSQL."""

from __future__ import annotations

import asyncio
import time

import pytest
from aiohttp import WSMsgType

from interview_server.app import create_app
from interview_server.board import board_id
from interview_server.config import Config
from interview_server.keys import STORE
from interview_server.protocol import CLOSE_SESSION_NOT_FOUND
from interview_server.sessions import STARTER_CODE

from .conftest import Peer, ServedLikeProduction, _store_urls

ADMIN_TOKEN = "admin-token-for-tests-0123456789"
ADMIN = {"Authorization": f"Bearer {ADMIN_TOKEN}"}


@pytest.fixture
def make_client(aiohttp_client, tmp_path):
    async def make(store: str = "memory", **settings):
        app = create_app(Config(store=store, data_dir=str(tmp_path), **settings))
        return await aiohttp_client(ServedLikeProduction(app))

    return make


async def join(client, session_id: str, name: str, host_key: str | None = None) -> Peer:
    peer = Peer(await client.ws_connect(f"/ws/{session_id}"))
    await peer.receive_type("session_state")
    await peer.send("hello", {"name": name, **({"host_key": host_key} if host_key else {})})
    await peer.receive_type("session_info")
    return peer


async def create(client, title: str) -> tuple[str, str]:
    created = await (await client.post("/api/sessions", json={"title": title})).json()
    return created["session_id"], created["host_url"].split("#host=", 1)[1]


async def overview_until(client, predicate, timeout: float = 10) -> dict:
    """The overview once `predicate(overview)` holds (other instances' statuses arrive every few seconds)."""
    deadline = time.monotonic() + timeout
    while True:
        response = await client.get("/api/admin/overview", headers=ADMIN)
        assert response.status == 200
        overview = await response.json()
        if predicate(overview) or time.monotonic() > deadline:
            return overview
        await asyncio.sleep(0.1)


async def closed_with(peer: Peer, timeout: float = 10) -> int | None:
    """Read until the server closes the socket; the code of its close frame (None if it sent none)."""
    async with asyncio.timeout(timeout):
        while True:
            message = await peer.ws.receive()
            if message.type == WSMsgType.CLOSE:
                return message.data
            if message.type in (WSMsgType.CLOSED, WSMsgType.CLOSING, WSMsgType.ERROR):
                return None


async def test_without_admin_token_there_is_no_dashboard(make_client):
    client = await make_client()
    session_id, _ = await create(client, "x")
    for method, path in [
        ("GET", "/admin"),
        ("GET", "/api/admin/overview"),
        ("POST", f"/api/admin/sessions/{session_id}/end"),
        ("DELETE", f"/api/admin/sessions/{session_id}"),
        ("GET", f"/api/admin/sessions/{session_id}/export.html"),
    ]:
        response = await client.request(method, path, headers=ADMIN)
        assert response.status == 404, path


async def test_every_admin_request_needs_the_right_token(make_client):
    client = await make_client(admin_token=ADMIN_TOKEN)
    session_id, _ = await create(client, "Backend screen")
    assert (await client.get("/admin")).status == 200  # the page holds nothing: its data needs the token
    requests = [
        ("GET", "/api/admin/overview"),
        ("POST", f"/api/admin/sessions/{session_id}/end"),
        ("GET", f"/api/admin/sessions/{session_id}/export.html"),
        ("DELETE", f"/api/admin/sessions/{session_id}"),
    ]
    wrong = {"Authorization": "Bearer " + "x" * len(ADMIN_TOKEN)}
    for method, path in requests:
        response = await client.request(method, path)
        assert (response.status, await response.json()) == (
            401,
            {"error": "admin token required: send it as Authorization: Bearer ADMIN_TOKEN"},
        )
        response = await client.request(method, path, headers=wrong)
        assert (response.status, await response.json()) == (403, {"error": "that is not this server's ADMIN_TOKEN"})
        assert (await client.get(f"/api/sessions/{session_id}")).status == 200  # still there, not ended
    for method, path in requests:  # and with the right one, each does its work
        response = await client.request(method, path, headers=ADMIN)
        assert response.status == 200, (path, await response.text())
    assert (await client.get(f"/api/sessions/{session_id}")).status == 404


async def test_an_address_guessing_tokens_is_refused(make_client):
    client = await make_client(admin_token=ADMIN_TOKEN, metrics_token="metrics-token-for-tests-0123456789")
    wrong = {"Authorization": "Bearer not-the-token-at-all"}
    statuses = [(await client.get("/api/admin/overview", headers=wrong)).status for _ in range(12)]
    assert statuses[:10] == [403] * 10
    assert statuses[10:] == [429, 429]
    response = await client.get("/api/admin/overview", headers=wrong)
    assert (response.status, await response.json()) == (
        429,
        {"error": "too many wrong tokens from your address: try again in a minute"},
    )
    assert (await client.get("/metrics", headers=wrong)).status == 429
    # The operator behind the same address (a NAT, a proxy) is not locked out by the guesses.
    assert (await client.get("/api/admin/overview", headers=ADMIN)).status == 200


async def test_the_overview_lists_live_sessions_with_their_people(make_client):
    client = await make_client(admin_token=ADMIN_TOKEN)
    session_id, key = await create(client, "Backend screen")
    await create(client, "Nobody here")  # stored, not live: not listed
    host = await join(client, session_id, "Hana", key)
    candidate = await join(client, session_id, "Cy")
    watcher = Peer(await client.ws_connect(f"/ws/{session_id}"))  # connected, never said hello
    await watcher.receive_type("session_state")
    overview = await overview_until(client, lambda o: o["totals"]["connections"] == 3)
    [listed] = overview["sessions"]
    assert listed == {
        "session_id": session_id,
        "title": "Backend screen",
        "language": "python",
        "created_at": listed["created_at"],
        "last_activity": listed["last_activity"],
        "connections": 3,
        "participants": 2,
        "length": len(STARTER_CODE["python"]),  # in UTF-16 units, as the editor counts (ASCII here)
        "version": 0,
        "ended": False,
        "instances": [overview["instance"]],
    }
    assert listed["created_at"].endswith("Z")
    assert overview["totals"] == {"instances": 1, "live_sessions": 1, "connections": 3, "participants": 2}
    [instance] = overview["instances"]
    assert instance["instance"] == overview["instance"] and instance["store"] == "memory"
    assert overview["metrics"]["interview_connections"] == 3
    assert "host_key" not in str(overview) and key not in str(overview)  # no host secret reaches the dashboard
    for peer in (host, candidate, watcher):
        await peer.close()


async def test_ending_from_the_dashboard_ends_it_for_everyone(make_client):
    client = await make_client(admin_token=ADMIN_TOKEN)
    session_id, _ = await create(client, "Backend screen")
    candidate = await join(client, session_id, "Cy")
    response = await client.post(f"/api/admin/sessions/{session_id}/end", headers=ADMIN)
    assert await response.json() == {"session_id": session_id, "ended": True}
    info = await candidate.receive_type("session_info")
    assert info["data"]["ended"] is True
    await candidate.send("push", {"version": 0, "updates": [{"clientID": "c", "changes": [[0, "x"], 60]}]})
    assert (await candidate.receive_type("error"))["data"]["code"] == "ended"
    await candidate.close()


async def test_deleting_closes_its_sockets_and_forgets_it(make_client):
    client = await make_client(admin_token=ADMIN_TOKEN)
    session_id, _ = await create(client, "Backend screen")
    candidate = await join(client, session_id, "Cy")
    rect = {"id": "r1", "type": "rect", "color": "#000000", "width": 2, "points": [0, 0, 9, 9]}
    await candidate.send("board_draw", {"op": "o1", "element": rect})
    await candidate.receive_type("board_done")
    assert await client.app[STORE].get(board_id(session_id)) is not None
    response = await client.delete(f"/api/admin/sessions/{session_id}", headers=ADMIN)
    assert await response.json() == {"session_id": session_id, "deleted": True}
    assert await closed_with(candidate) == CLOSE_SESSION_NOT_FOUND
    assert (await client.get(f"/api/sessions/{session_id}")).status == 404
    assert await client.app[STORE].get(board_id(session_id)) is None  # its whiteboard went with it
    response = await client.delete(f"/api/admin/sessions/{session_id}", headers=ADMIN)
    assert (response.status, await response.json()) == (404, {"error": "session not found"})
    overview = await overview_until(client, lambda o: not o["sessions"])
    assert overview["sessions"] == []


async def test_the_export_is_the_offline_player(make_client):
    client = await make_client(admin_token=ADMIN_TOKEN)
    session_id, _ = await create(client, "Backend screen")
    response = await client.get(f"/api/admin/sessions/{session_id}/export.html", headers=ADMIN)
    assert response.status == 200
    assert response.headers["Content-Disposition"].startswith('attachment; filename="')
    assert "<html" in (await response.text())[:500].lower()
    response = await client.get("/api/admin/sessions/not-a-session/export.html", headers=ADMIN)
    assert response.status == 400


@pytest.fixture(params=["redis", "postgres"])
def shared_store(request) -> tuple[str, dict]:
    """A store kind two instances can share, and the URLs of a fresh (emptied) server of it."""
    return request.param, _store_urls(request)


@pytest.mark.system
async def test_two_instances_see_each_other_and_ending_or_deleting_reaches_both(make_client, shared_store):
    store, urls = shared_store
    first = await make_client(store, admin_token=ADMIN_TOKEN, **urls)
    second = await make_client(store, admin_token=ADMIN_TOKEN, **urls)
    ended_id, _ = await create(first, "Ended from the other instance")
    deleted_id, _ = await create(first, "Deleted from the other instance")
    ending = await join(first, ended_id, "Cy")
    deleting = await join(first, deleted_id, "Di")
    overview = await overview_until(second, lambda o: len(o["instances"]) == 2 and len(o["sessions"]) == 2)
    assert len(overview["instances"]) == 2 and overview["totals"]["connections"] == 2
    listed = {session["session_id"]: session for session in overview["sessions"]}
    assert listed[ended_id]["instances"] == [overview["instances"][1]["instance"]]  # the first instance's
    assert listed[ended_id]["participants"] == 1

    response = await second.post(f"/api/admin/sessions/{ended_id}/end", headers=ADMIN)
    assert response.status == 200
    assert (await ending.receive_type("session_info"))["data"]["ended"] is True

    response = await second.delete(f"/api/admin/sessions/{deleted_id}", headers=ADMIN)
    assert response.status == 200
    assert await closed_with(deleting) == CLOSE_SESSION_NOT_FOUND
    deadline = time.monotonic() + 10  # the first instance answers from memory until its socket has left
    while (await first.get(f"/api/sessions/{deleted_id}")).status != 404:
        assert time.monotonic() < deadline, "the deleted session is still served by the first instance"
        await asyncio.sleep(0.05)
    assert (await second.get(f"/api/sessions/{deleted_id}")).status == 404
    await ending.close()


async def test_every_store_keeps_each_instance_status(store_factory):
    """Each instance's latest status is listed; on a shared store, by every instance."""
    first = await store_factory()
    second = (await store_factory()) if first.shared else first
    await first.set_instance_status("pad-1", {"instance": "pad-1", "connections": 1})
    await first.set_instance_status("pad-1", {"instance": "pad-1", "connections": 2})  # replaced, not added
    if first.shared:
        await second.set_instance_status("pad-2", {"instance": "pad-2", "connections": 5})
        expected = [{"instance": "pad-1", "connections": 2}, {"instance": "pad-2", "connections": 5}]
    else:
        expected = [{"instance": "pad-1", "connections": 2}]
    for store in (first, second):
        assert sorted(await store.instance_statuses(), key=lambda status: status["instance"]) == expected

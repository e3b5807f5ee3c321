"""The HTTP API: the seed's shapes exactly, and one JSON error shape for every failure."""

from __future__ import annotations

import asyncio
import re
import uuid
from datetime import datetime, UTC

from .conftest import OPERATOR_HEADERS

ISO_UTC = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$")


async def test_create_session_returns_uuid4_and_utc_timestamp(client):
    before = datetime.now(UTC)
    response = await client.post("/api/sessions", json={"language": "python"})
    assert response.status == 201
    body = await response.json()
    assert set(body) == {"session_id", "created_at", "join_url", "host_url"}
    assert uuid.UUID(body["session_id"]).version == 4
    assert str(uuid.UUID(body["session_id"])) == body["session_id"]
    assert ISO_UTC.match(body["created_at"]), body["created_at"]
    created = datetime.fromisoformat(body["created_at"].replace("Z", "+00:00"))
    assert abs((created - before).total_seconds()) < 5


async def test_create_session_without_body_defaults_to_python(client):
    response = await client.post("/api/sessions")
    assert response.status == 201
    session_id = (await response.json())["session_id"]
    info = await (await client.get(f"/api/sessions/{session_id}")).json()
    assert ISO_UTC.match(info.pop("created_at"))
    assert info == {"session_id": session_id, "language": "python", "active_users": 0, "title": "", "ended": False}


async def test_get_session_counts_active_users(client, session_id, connect):
    await connect(session_id)
    await connect(session_id)
    # Counted over every instance through the store, as each socket's presence is written (just after it joins).
    async with asyncio.timeout(5):
        while True:
            response = await client.get(f"/api/sessions/{session_id}")
            assert response.status == 200
            if (await response.json())["active_users"] == 2:
                break
            await asyncio.sleep(0.02)


async def test_get_session_says_its_title_and_whether_it_ended(client):
    """What every participant sees on the page (session_info), for lists such as the landing's "My interviews"."""
    created = await (await client.post("/api/sessions", json={"title": "Onsite: graphs"})).json()
    session_id = created["session_id"]
    info = await (await client.get(f"/api/sessions/{session_id}")).json()
    assert (info["title"], info["ended"], info["created_at"]) == ("Onsite: graphs", False, created["created_at"])
    key = created["host_url"].split("#host=")[1]
    async with client.ws_connect(f"/ws/{session_id}") as ws:
        await ws.send_json({"type": "hello", "data": {"name": "Host", "host_key": key}})
        await ws.send_json({"type": "end_session", "data": {}})
        while (await ws.receive_json())["type"] != "session_info":
            pass
    info = await (await client.get(f"/api/sessions/{session_id}")).json()
    assert info["ended"] is True


async def test_unknown_session_is_404_with_json_error(client):
    response = await client.get(f"/api/sessions/{uuid.uuid4()}")
    assert response.status == 404
    assert await response.json() == {"error": "session not found"}


async def test_malformed_session_id_is_400(client):
    for bad in ["not-a-uuid", "123", str(uuid.uuid4()).upper(), str(uuid.uuid1())]:
        response = await client.get(f"/api/sessions/{bad}")
        assert response.status == 400, bad
        assert (await response.json())["error"].startswith("malformed session id")


async def test_bad_create_bodies_are_400_saying_what_is_wrong(client):
    cases = [
        (b"{not json", "request body is not valid JSON"),
        (b"[1, 2]", 'request body must be a JSON object like {"language": "python", "problem": "two-sum"}'),
        (b'{"language": "cobol"}', "language must be one of: python, javascript, typescript, sql, lua"),
        (b'{"language": 3}', "language must be one of: python, javascript, typescript, sql, lua"),
        (b'{"lang": "python"}', "unknown field(s): lang; accepted: language, problem, title"),
        (b'{"problem": "towers-of-hanoi"}', "problem must be the id of one of GET /api/problems"),
        (b'{"problem": 7}', "problem must be the id of one of GET /api/problems"),
        (b'{"title": 7}', "the title must be a string"),
        ('{"title": "' + "é" * 101 + '"}', "a title is at most 100 characters"),
        (b'{"title": "a\\u202eb"}', "a title cannot contain control or text-direction characters"),
    ]
    for body, message in cases:
        response = await client.post("/api/sessions", data=body, headers={"Content-Type": "application/json"})
        assert response.status == 400, body
        assert await response.json() == {"error": message}


async def test_oversized_create_body_is_413_json(client):
    response = await client.post("/api/sessions", data=b"{" + b" " * 20000 + b"}")
    assert response.status == 413
    assert "larger than" in (await response.json())["error"]


async def test_health(client):
    response = await client.get("/api/health")  # anyone: liveness only
    assert (response.status, await response.json()) == (200, {"status": "ok"})
    response = await client.get("/api/health", headers=OPERATOR_HEADERS)  # the operator: the counts too
    assert response.status == 200
    body = await response.json()
    assert body["status"] == "ok" and body["connections"] == 0 and body["live_sessions"] == 0
    assert body["tasks"] > 0
    assert body["event_loop"] in ("uvloop", "asyncio")
    assert set(body["loop_lag_ms"]) == {"p50", "p99", "max"}  # None until the first 100 ms have passed


async def test_health_counts_connections_and_live_sessions(client, session_id, connect):
    await connect(session_id)
    await connect(session_id)
    body = await (await client.get("/api/health", headers=OPERATOR_HEADERS)).json()
    assert (body["connections"], body["live_sessions"]) == (2, 1)


async def test_unknown_api_route_and_method_use_the_json_error_shape(client):
    response = await client.get("/api/nothing-here")
    assert response.status == 404
    assert set(await response.json()) == {"error"}
    response = await client.delete("/api/health")
    assert response.status == 405
    assert set(await response.json()) == {"error"}

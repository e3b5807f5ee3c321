"""On Redis, an instance hears its own appends announced on the session's channel: it must not ask Redis for
updates it already has (a round trip per push), while an append by another instance is still fetched."""

from __future__ import annotations

import asyncio

import pytest
import redis.asyncio as aioredis

from interview_server.keys import STORE
from interview_server.protocol import Update
from interview_server.store.redis import RedisStore

from .conftest import Peer


@pytest.mark.parametrize("client", ["redis"], indirect=True)
async def test_own_appends_are_not_fetched_back_and_another_instances_are(client):
    store = client.server.app[STORE]
    session_id = (await (await client.post("/api/sessions")).json())["session_id"]
    typist = Peer(await client.ws_connect(f"/ws/{session_id}"))
    state = (await typist.receive_type("session_state"))["data"]
    length = len(state["code"])

    asked = []
    real = store.updates_since

    async def counted(*args, **kwargs):
        asked.append(args)
        return await real(*args, **kwargs)

    store.updates_since = counted
    for version in range(20):
        changes = [length + version, [0, "x"]] if length + version else [[0, "x"]]
        await typist.send("push", {"version": version, "updates": [{"clientID": "a", "changes": changes}]})
        await typist.receive_type("updates")
    await asyncio.sleep(0.3)  # every "u:<version>" of ours has been heard by now
    assert asked == []

    # Another instance appends straight to Redis (and announces it): this one fetches it and passes it on.
    other = RedisStore(store.url)
    await other.open()
    try:
        assert await other.append(session_id, 20, [Update("b", [length + 20, [0, "y"]], 0.0, "elsewhere")], lambda: "")
    finally:
        await other.close()
    update = await typist.receive_type("updates")
    assert update["data"]["updates"][0]["changes"] == [length + 20, [0, "y"]] and asked


@pytest.mark.parametrize("client", ["redis"], indirect=True)
async def test_appends_go_on_after_redis_forgets_its_scripts(client):
    """Appends are sent by the script's SHA alone; after SCRIPT FLUSH (or a Redis restart) the ones refused
    with NOSCRIPT were not run, so they are loaded and sent again: every push is still accepted once."""
    store = client.server.app[STORE]
    session_id = (await (await client.post("/api/sessions")).json())["session_id"]
    typist = Peer(await client.ws_connect(f"/ws/{session_id}"))
    length = len((await typist.receive_type("session_state"))["data"]["code"])
    redis = aioredis.from_url(store.url)
    try:
        for version in range(6):
            if version % 2:
                await redis.script_flush()
            changes = [length + version, [0, "x"]]
            await typist.send("push", {"version": version, "updates": [{"clientID": "a", "changes": changes}]})
            update = await typist.receive_type("updates")
            assert update["data"]["version"] == version and update["data"]["updates"][0]["changes"] == changes
    finally:
        await redis.aclose()
    record = await store.get(session_id)
    assert record.version == 6 and record.text.endswith("xxxxxx")

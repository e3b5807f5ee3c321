"""Leaving is always counted: a failed step on the way out (a store call that errs) never leaves a connection
counted for good on the Redis store, where the count is shared between instances."""

from __future__ import annotations

import asyncio

import pytest

from interview_server.keys import STORE

from .conftest import Peer


async def fail_once(store, name: str) -> list[str]:
    """Makes the store's `name` raise the next time it is called; returns the calls that failed."""
    real = getattr(store, name)
    failed: list[str] = []

    async def failing(*args, **kwargs):
        if not failed:
            failed.append(name)
            raise ConnectionError(f"{name} failed (injected)")
        return await real(*args, **kwargs)

    setattr(store, name, failing)
    return failed


async def active_users(client, session_id: str) -> int:
    return (await (await client.get(f"/api/sessions/{session_id}")).json())["active_users"]


async def counted_out(client, session_id: str) -> None:
    deadline = asyncio.get_running_loop().time() + 5
    while users := await active_users(client, session_id):
        assert asyncio.get_running_loop().time() < deadline, f"{users} user(s) still counted after everyone left"
        await asyncio.sleep(0.05)


@pytest.mark.parametrize("client", ["redis"], indirect=True)
@pytest.mark.parametrize("failing", ["set_presence", "set_people"])
async def test_a_failed_store_call_while_leaving_does_not_keep_anyone_counted(client, failing):
    session_id = (await (await client.post("/api/sessions")).json())["session_id"]
    peers = []
    for name in ("Ada", "Grace"):
        peer = Peer(await client.ws_connect(f"/ws/{session_id}"))
        await peer.receive_type("session_state")
        await peer.send("hello", {"name": name})
        await peer.receive_type("participants")
        peers.append(peer)
    assert await active_users(client, session_id) == 2

    await peers[0].close()
    deadline = asyncio.get_running_loop().time() + 5
    while await active_users(client, session_id) != 1:
        assert asyncio.get_running_loop().time() < deadline, "the first to leave is still counted"
        await asyncio.sleep(0.02)

    failed = await fail_once(client.server.app[STORE], failing)  # the last one out meets the failure
    await peers[1].close()
    await counted_out(client, session_id)
    assert failed == [failing]

"""What counts as the store being down (store_health.py): a network store's connection errors raised by its own code
or driver; never a client's reset socket, a request the driver refused, or a local store's failure; and a ping
sent before an outage cannot end it."""

from __future__ import annotations

import asyncio
import itertools

import aiohttp
import asyncpg
import redis.asyncio as aioredis

from interview_server.store import MemoryStore
from interview_server.store.postgres import PostgresStore
from interview_server.store.redis import RedisStore
from interview_server.store_health import StoreHealth

from .support.server_process import free_port


async def caught(coroutine) -> BaseException:
    try:
        await coroutine
    except BaseException as exc:
        return exc
    raise AssertionError("no exception")


async def reset_by_a_client() -> None:
    raise aiohttp.ClientConnectionResetError("Cannot write to closing transport")  # a ConnectionResetError


async def test_a_network_stores_connection_errors_are_outages_but_a_clients_reset_socket_is_not(postgres_server):
    closed = f"postgresql://postgres@127.0.0.1:{free_port()}/postgres"
    health = StoreHealth(PostgresStore(closed))
    refused = await caught(asyncpg.connect(closed))
    assert isinstance(refused, OSError) and health.is_outage(refused)
    client_reset = await caught(reset_by_a_client())
    assert isinstance(client_reset, OSError) and not health.is_outage(client_reset)
    connection = await asyncpg.connect(postgres_server.url)
    try:
        bad_argument = await caught(connection.fetchval("SELECT $1::int", "not a number"))  # the driver refuses it
        assert isinstance(bad_argument, asyncpg.DataError) and not health.is_outage(bad_argument)
    finally:
        await connection.close()
    assert not health.failed(client_reset) and health.up
    assert health.failed(refused) and not health.up


async def test_redis_connection_errors_are_outages():
    closed = f"redis://127.0.0.1:{free_port()}/0"
    health = StoreHealth(RedisStore(closed))
    client = aioredis.Redis.from_url(closed)
    try:
        refused = await caught(client.ping())
    finally:
        await client.aclose()
    assert health.is_outage(refused)
    assert not health.is_outage(await caught(reset_by_a_client()))


async def test_a_local_stores_failures_are_errors_not_outages():
    health = StoreHealth(MemoryStore())
    assert not health.failed(OSError("disk I/O error")) and health.up


class HungStore(MemoryStore):
    """A store whose pings wait until released (a hung server), then answer."""

    def __init__(self) -> None:
        super().__init__()
        self.answer = asyncio.Event()

    async def ping(self) -> None:
        await self.answer.wait()


async def test_a_hung_ping_marks_the_store_down_and_only_a_ping_sent_after_that_ends_it(monkeypatch):
    monkeypatch.setattr("interview_server.store_health.PING_TIMEOUT_SECONDS", 0.05)
    store = HungStore()
    ticks = itertools.count(100)
    health = StoreHealth(store, clock=lambda: float(next(ticks)))
    await health.probe_once()  # unanswered within the timeout: down at once
    assert not health.up
    store.answer.set()  # the hung ping answers now, but it was sent before the store was marked down
    await health.probe_once()
    assert not health.up
    await health.probe_once()  # a ping sent now answers: up
    assert health.up

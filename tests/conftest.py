"""Shared fixtures: a real server on a real port (pytest-aiohttp) and WebSocket helpers."""

from __future__ import annotations

import json

import pytest
from aiohttp.test_utils import TestServer

from interview_server.app import create_app


def pytest_collection_modifyitems(items):
    """Tiers (setup.cfg): everything under tests/browser/ is `browser`; `system` and `serial` are marked
    in their modules. Order, for the parallel pass: system modules (mostly waiting on processes and timers)
    spread evenly among the browser modules (busy with Chromium), so one worker's waits overlap the others'
    work; then the short unit tests, which fill the end. A module's tests stay together (its fixtures)."""
    for item in items:
        if "browser" in item.path.parent.parts[-1:]:
            item.add_marker(pytest.mark.browser)
    rank = {}
    for tier in ("system", "browser"):
        modules = list(dict.fromkeys(item.path for item in items if _tier(item) == tier))
        rank.update({path: (0, index / len(modules)) for index, path in enumerate(modules)})
    modules = list(dict.fromkeys(item.path for item in items if _tier(item) == "unit"))
    rank.update({path: (1, index) for index, path in enumerate(modules)})
    items.sort(key=lambda item: rank[item.path])


def _tier(item) -> str:
    if item.get_closest_marker("system"):
        return "system"
    return "browser" if item.get_closest_marker("browser") else "unit"


SERVER_STORES = ["memory", "sqlite", "redis", "postgres"]
# The `client` servers show GET /api/health's counts to requests with these headers (OPERATOR_TOKEN).
OPERATOR_TOKEN = "operator-token-for-tests-0123456789"
OPERATOR_HEADERS = {"Authorization": f"Bearer {OPERATOR_TOKEN}"}


@pytest.fixture(params=SERVER_STORES)
async def client(request, aiohttp_client, tmp_path):
    """An HTTP/WebSocket client bound to a fresh server on a free local port, once per store back-end."""
    from interview_server.config import Config

    urls = _store_urls(request)
    app = create_app(Config(store=request.param, data_dir=str(tmp_path), operator_token=OPERATOR_TOKEN, **urls))
    return await aiohttp_client(ServedLikeProduction(app))


class ServedLikeProduction(TestServer):
    """aiohttp's test server, but as serving.py runs the app: a handler is not cancelled when its client goes
    away (TestServer cancels it, so a socket's clean-up after the close would race the client's disconnect;
    a store that needs a round trip or two there, as PostgreSQL does, would lose that race)."""

    async def _make_runner(self, **kwargs):
        return await super()._make_runner(**{**kwargs, "handler_cancellation": False})


def _store_urls(request) -> dict[str, str]:
    """redis_url/database_url of a fresh (emptied) server for the store kind a test is parametrized with."""
    if request.param == "redis":
        redis_server = request.getfixturevalue("redis_server")
        redis_server.flush()
        return {"redis_url": redis_server.url}
    if request.param == "postgres":
        postgres_server = request.getfixturevalue("postgres_server")
        postgres_server.reset()
        return {"database_url": postgres_server.url}
    return {}


@pytest.fixture
async def session_id(client) -> str:
    response = await client.post("/api/sessions")
    assert response.status == 201
    return (await response.json())["session_id"]


class Peer:
    """A protocol client: a WebSocket plus helpers to send and receive whole messages."""

    def __init__(self, ws):
        self.ws = ws

    async def send(self, type_: str, data: dict) -> None:
        await self.ws.send_str(json.dumps({"type": type_, "data": data}))

    async def receive(self, timeout: float = 5) -> dict:
        message = await self.ws.receive_str(timeout=timeout)
        return json.loads(message)

    async def receive_type(self, type_: str, timeout: float = 5) -> dict:
        """Skip messages until one of the given type arrives."""
        return await self.receive_type_in((type_,), timeout)

    async def receive_type_in(self, types: tuple[str, ...], timeout: float = 5) -> dict:
        """Skip messages until one of the given types arrives."""
        while True:
            message = await self.receive(timeout)
            if message["type"] in types:
                return message

    async def close(self) -> None:
        await self.ws.close()


@pytest.fixture
def connect(client):
    """Open a WebSocket to a session; returns (peer, the session_state message)."""
    peers = []

    async def open_peer(session_id: str):
        peer = Peer(await client.ws_connect(f"/ws/{session_id}"))
        peers.append(peer)
        state = await peer.receive()
        assert state["type"] == "session_state", state
        return peer, state

    yield open_peer


STORE_KINDS = ["memory", "sqlite", "redis", "postgres"]


@pytest.fixture(scope="session")
def redis_server():
    """A real redis-server for the whole run."""
    from .support.redis_server import RedisServer

    server = RedisServer()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def postgres_server():
    """A real PostgreSQL cluster (in a temp folder, on a free port) for the whole run."""
    from .support.postgres_server import PostgresServer

    server = PostgresServer()
    yield server
    server.stop()


@pytest.fixture(params=STORE_KINDS)
async def store_factory(request, tmp_path):
    """Makes opened stores of one kind; `reuse=True` reopens the same data (None for memory)."""
    from interview_server.store import make_store

    urls = _store_urls(request)
    opened = []

    async def factory(reuse: bool = False):
        if reuse and request.param == "memory":
            return None
        store = make_store(request.param, data_dir=str(tmp_path), **urls)
        await store.open()
        opened.append(store)
        return store

    yield factory
    for store in opened:
        await store.close()


@pytest.fixture
async def store(store_factory):
    return await store_factory()

"""Behind a TLS-terminating router (as on a PaaS): the page works over https:// and opens wss://, the
Origin check holds, and X-Forwarded-For/-Host are believed only with TRUST_PROXY."""

from __future__ import annotations

import json
import re
import ssl

import aiohttp
import pytest
import pytest_asyncio
from playwright.async_api import expect

from ..support.server_process import ServerProcess
from .conftest import Logs, wait_for
from .helpers import editor, output, set_code, settled, text_of, wait_python_ready
from .tls_router import CLIENT_HEADER, TlsRouter, self_signed_certificate

CLOSE_TOO_MANY_CONNECTIONS = 4429
NO_VERIFY = ssl.create_default_context()
NO_VERIFY.check_hostname = False
NO_VERIFY.verify_mode = ssl.CERT_NONE  # the router's certificate is self-signed


@pytest.fixture(scope="module")
def certificate(tmp_path_factory):
    return self_signed_certificate(tmp_path_factory.mktemp("tls"))


def start_app(tmp_path_factory, name: str, *flags: str) -> ServerProcess:
    log = Logs.path(f"server-{name}.log")
    log.unlink(missing_ok=True)
    server = ServerProcess(*flags, "--data-dir", str(tmp_path_factory.mktemp(name)), log_path=log)
    server.start()
    return server


@pytest.fixture(scope="module")
def trusting_app(tmp_path_factory):
    """TRUST_PROXY=1, as app.json sets it."""
    server = start_app(tmp_path_factory, "trust-proxy", "--trust-proxy", "1")
    yield server
    server.terminate()


@pytest.fixture(scope="module")
def limited_app(tmp_path_factory):
    """TRUST_PROXY=1 and one socket per client address."""
    server = start_app(tmp_path_factory, "trust-proxy-limited", "--trust-proxy", "1", "--sockets-per-ip", "1")
    yield server
    server.terminate()


@pytest.fixture(scope="module")
def untrusting_app(tmp_path_factory):
    """TRUST_PROXY=0 (the default) and one socket per client address."""
    server = start_app(tmp_path_factory, "no-trust-limited", "--trust-proxy", "0", "--sockets-per-ip", "1")
    yield server
    server.terminate()


async def started_router(app: ServerProcess, certificate, keep_host: bool = True) -> TlsRouter:
    router = TlsRouter(app.port, *certificate, keep_host=keep_host)
    await router.start()
    return router


@pytest_asyncio.fixture(loop_scope="session", scope="module")
async def router(trusting_app, certificate):
    router = await started_router(trusting_app, certificate)
    yield router
    await router.close()


async def new_session(client: aiohttp.ClientSession, base_url: str) -> str:
    async with client.post(base_url + "/api/sessions", json={"language": "python"}, ssl=NO_VERIFY) as response:
        assert response.status == 201
        return (await response.json())["session_id"]


async def open_socket(client, base_url: str, session_id: str, address: str = "203.0.113.1", **headers: str):
    """A socket through the router posing as client `address`; returns (socket, its first message)."""
    url = base_url.replace("https://", "wss://") + f"/ws/{session_id}"
    socket = await client.ws_connect(url, ssl=NO_VERIFY, headers={CLIENT_HEADER: address, **headers})
    first = await socket.receive(timeout=10)
    return socket, json.loads(first.data)


async def refused_with(socket) -> int:
    """The close code of a socket the server is closing."""
    message = await socket.receive(timeout=10)
    assert message.type == aiohttp.WSMsgType.CLOSE, message
    return message.data


@pytest.mark.python
async def test_the_pad_works_over_https_through_the_router(pages, router):
    alice = await pages.person(None, name="Alice", ignore_https_errors=True)
    sockets: list[str] = []
    alice.on("websocket", lambda socket: sockets.append(socket.url))
    await alice.goto(router.url + "/")
    await alice.get_by_role("button", name="Create session").click()
    await expect(alice).to_have_url(re.compile(rf"^{re.escape(router.url)}/session/[0-9a-f-]{{36}}$"))
    await expect(alice.get_by_role("status", name="Connection")).to_have_text("Connected", timeout=15_000)
    session_id = alice.url.rsplit("/", 1)[1]
    assert sockets == [f"wss://127.0.0.1:{router.port}/ws/{session_id}"]
    # The router passes COOP/COEP on: the page stays cross-origin isolated (Stop needs it).
    assert await alice.evaluate("crossOriginIsolated") is True

    bob = await pages.person(None, name="Bob", ignore_https_errors=True)
    bob.on("websocket", lambda socket: sockets.append(socket.url))
    await bob.goto(alice.url)
    await expect(bob.get_by_role("status", name="Connection")).to_have_text("Connected", timeout=15_000)
    await expect(alice.locator("#participant-count")).to_have_text("2 participants")
    await editor(alice).click()
    await alice.keyboard.press("ControlOrMeta+End")
    await alice.keyboard.type("\n# from alice")
    await editor(bob).click()
    await bob.keyboard.press("ControlOrMeta+Home")
    await bob.keyboard.type("# from bob\n")
    await settled(alice)
    await settled(bob)
    await wait_for(lambda: _both_have(alice, bob, "# from alice", "# from bob"), message="both edits on both pages")
    assert await text_of(alice) == await text_of(bob)

    await wait_python_ready(alice)  # Pyodide (wasm, stdlib) loads through the router too
    await set_code(alice, "print(6*7)\n")
    await alice.get_by_role("button", name="Run").click()
    await expect(output(alice).locator(".stdout")).to_have_text("42\n", timeout=10_000)
    assert all(url.startswith(f"wss://127.0.0.1:{router.port}/ws/") for url in sockets) and len(sockets) == 2
    assert pages.console_errors == []


async def _both_have(a, b, *needles: str) -> bool:
    texts = [await text_of(a), await text_of(b)]
    return all(needle in text for text in texts for needle in needles)


async def test_the_origin_check_holds_behind_the_router(router, trusting_app, untrusting_app, certificate):
    async with aiohttp.ClientSession() as client:
        session_id = await new_session(client, router.url)
        # The router's own https origin (the Host the client sent) may open a socket.
        socket, first = await open_socket(client, router.url, session_id, Origin=router.url)
        assert first["type"] == "session_state"
        await socket.close()
        # A foreign site may not: the app answers 403 and the router passes it on.
        with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
            await open_socket(client, router.url, session_id, Origin="https://evil.example")
        assert refused.value.status == 403
        log = Logs.path("server-trust-proxy.log")
        await wait_for(lambda: _logged(log, f'"GET /ws/{session_id} HTTP/1.1" 403'), timeout=5, message="the app's 403")

        # A router that rewrites Host: the client's host arrives only as X-Forwarded-Host, believed with TRUST_PROXY=1 ...
        rewriting = await started_router(trusting_app, certificate, keep_host=False)
        try:
            socket, first = await open_socket(client, rewriting.url, session_id, Origin=rewriting.url)
            assert first["type"] == "session_state"
            await socket.close()
        finally:
            await rewriting.close()
        # ... and ignored with TRUST_PROXY=0: the page's own origin then looks foreign.
        rewriting = await started_router(untrusting_app, certificate, keep_host=False)
        try:
            other_session = await new_session(client, rewriting.url)
            with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
                await open_socket(client, rewriting.url, other_session, Origin=rewriting.url)
            assert refused.value.status == 403
        finally:
            await rewriting.close()


async def _logged(path, needle: str) -> bool:
    return path.is_file() and needle in path.read_text()


async def test_forwarded_for_counts_the_real_client_only_when_trusted(limited_app, untrusting_app, certificate):
    async with aiohttp.ClientSession() as client:
        router = await started_router(limited_app, certificate)
        try:
            session_id = await new_session(client, router.url)
            # TRUST_PROXY=1: two clients behind the router are two addresses, one socket each.
            first, state = await open_socket(client, router.url, session_id, address="203.0.113.1")
            assert state["type"] == "session_state"
            second, state = await open_socket(client, router.url, session_id, address="203.0.113.2")
            assert state["type"] == "session_state"
            # The same client again is over its limit; the close code reaches it through the router.
            again, message = await open_socket(client, router.url, session_id, address="203.0.113.1")
            assert message["type"] == "error" and message["data"]["code"] == "too_many_connections"
            assert await refused_with(again) == CLOSE_TOO_MANY_CONNECTIONS
            # A client cannot dodge the limit by sending its own X-Forwarded-For: the router appends
            # the address it saw, and the app reads from the right.
            forged, message = await open_socket(
                client, router.url, session_id, address="203.0.113.1", **{"X-Forwarded-For": "198.51.100.7"}
            )
            assert message["type"] == "error"
            assert await refused_with(forged) == CLOSE_TOO_MANY_CONNECTIONS
            # Once the first client leaves, it may come back.
            await first.close()
            back, state = await open_socket(client, router.url, session_id, address="203.0.113.1")
            assert state["type"] == "session_state"
            for socket in (second, back):
                await socket.close()
        finally:
            await router.close()

        # TRUST_PROXY=0: the forwarded header is ignored, every client counts as the router's own address.
        router = await started_router(untrusting_app, certificate)
        try:
            session_id = await new_session(client, router.url)
            first, state = await open_socket(client, router.url, session_id, address="203.0.113.1")
            assert state["type"] == "session_state"
            other, message = await open_socket(client, router.url, session_id, address="203.0.113.2")
            assert message["type"] == "error" and message["data"]["code"] == "too_many_connections"
            assert await refused_with(other) == CLOSE_TOO_MANY_CONNECTIONS
            await first.close()
        finally:
            await router.close()

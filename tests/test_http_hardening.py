"""The HTTP side of a hostile internet: one error shape with the security headers (500s included, logged in
one line), nested JSON, ids matched whole, the host allow-list, cross-site session creation, the operator's
health details, and request heads that never finish. Real servers on real ports."""

from __future__ import annotations

import asyncio
import logging
import socket
import subprocess
import sys
import time
from typing import Self

import aiohttp
import pytest
from aiohttp import web

from interview_server import api, serving
from interview_server.app import create_app
from interview_server.assets import Assets
from interview_server.config import Config, load_config
from interview_server.store.memory import MemoryStore

from .support.server_process import ROOT

TOKEN = "operator-token-for-tests-0123456789"
UNKNOWN_HOST = "unknown host: this server answers only to the host names in its ALLOWED_HOSTS setting"
CROSS_SITE = (
    "cross-site request refused: sessions are created by this server's own pages, "
    "ALLOWED_ORIGINS / FRAME_ANCESTORS, or scripts"
)


@pytest.fixture
def make_client(aiohttp_client, tmp_path):
    """A client of a fresh server (memory store unless given) with some settings changed."""

    async def make(store=None, **settings):
        return await aiohttp_client(create_app(Config(store="memory", data_dir=str(tmp_path), **settings), store=store))

    return make


def assert_security_headers(response) -> None:
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert "default-src" in response.headers["Content-Security-Policy"]


def records_at_warning_or_worse(caplog) -> list[logging.LogRecord]:
    return [record for record in caplog.records if record.levelno >= logging.WARNING]


# -- Every error is one shape with the security headers, 500s included -------------------------------------------


class BrokenStore(MemoryStore):
    """A store whose disk is gone: every read of a session fails (creating one still works)."""

    async def get(self, session_id):
        raise OSError("disk I/O error reading /var/lib/secret/sessions.db")


async def test_a_failing_store_answers_500_in_one_shape_with_one_log_line(make_client, caplog):
    client = await make_client(store=BrokenStore())
    session_id = (await (await client.post("/api/sessions")).json())["session_id"]
    caplog.clear()
    with caplog.at_level(logging.INFO):
        response = await client.get(f"/api/sessions/{session_id}")
        assert response.status == 500
        assert response.content_type == "application/json"
        assert await response.json() == {"error": "internal server error"}
        assert_security_headers(response)

        page = await client.get(f"/session/{session_id}", headers={"Accept": "text/html"})
        assert page.status == 500
        assert (page.content_type, await page.text()) == ("text/plain", "500: Internal Server Error")
        assert_security_headers(page)

    problems = records_at_warning_or_worse(caplog)
    assert [(record.name, record.levelname) for record in problems] == [("interview_server.errors", "ERROR")] * 2
    assert problems[0].getMessage() == (
        f"GET '/api/sessions/{session_id}' failed: OSError: 'disk I/O error reading /var/lib/secret/sessions.db'"
    )
    assert all(not record.exc_info and "\n" not in record.getMessage() for record in problems)


async def test_a_failure_after_the_socket_opened_closes_it_with_one_log_line(make_client, caplog):
    client = await make_client(store=BrokenStore())
    session_id = (await (await client.post("/api/sessions")).json())["session_id"]
    caplog.clear()
    ws = await client.ws_connect(f"/ws/{session_id}")
    message = await ws.receive(timeout=5)
    assert message.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED, aiohttp.WSMsgType.ERROR)
    await ws.close()
    await asyncio.sleep(0.1)
    problems = records_at_warning_or_worse(caplog)
    assert [(record.name, record.getMessage()) for record in problems] == [
        (
            "interview_server.errors",
            (f"GET '/ws/{session_id}' failed: OSError: 'disk I/O error reading /var/lib/secret/sessions.db'"),
        )
    ]


async def test_a_request_aiohttp_cannot_parse_is_answered_in_our_shape_without_echo(caplog):
    async with running_site() as site:
        reader, writer = await asyncio.open_connection("127.0.0.1", site.port)
        writer.write(b"G<script>alert(1)</script>T / HTTP/1.1\r\nHost: x\r\n\r\n")
        answer = await asyncio.wait_for(reader.read(), 5)
        writer.close()
    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.split(b" ")[1] == b"400"
    assert body == b"400: Bad Request" and b"script" not in answer
    assert b"X-Content-Type-Options: nosniff" in head and b"Content-Security-Policy: default-src 'none'" in head
    assert not records_at_warning_or_worse(caplog)


# -- A deeply nested body is a 400, not a RecursionError --------------------------------------------------------


async def test_a_deeply_nested_create_body_is_a_json_400(make_client, caplog):
    client = await make_client()
    for body, status, answer in (
        (b"[" * 10_000, 400, {"error": "request body is nested too deeply: send a flat JSON object"}),
        (b'{"title": ' + b"[" * 10_000, 400, {"error": "request body is nested too deeply: send a flat JSON object"}),
        (b"[" * 100_000, 413, {"error": "request body is larger than 16384 bytes"}),
    ):
        response = await client.post("/api/sessions", data=body, headers={"Content-Type": "application/json"})
        assert (response.status, await response.json()) == (status, answer)
        assert_security_headers(response)
    assert not records_at_warning_or_worse(caplog)


async def test_a_create_body_in_several_packets_is_read_whole(make_client):
    client = await make_client()

    async def slowly():
        for piece in (b'{"language": ', b'"javascript", ', b'"title": "Backend screen"}'):
            yield piece
            await asyncio.sleep(0.05)

    response = await client.post("/api/sessions", data=slowly(), headers={"Content-Type": "application/json"})
    assert response.status == 201, await response.text()
    session_id = (await response.json())["session_id"]
    assert (await (await client.get(f"/api/sessions/{session_id}")).json())["language"] == "javascript"


async def test_a_body_trickled_too_slowly_is_a_408(make_client, monkeypatch):
    monkeypatch.setattr(api, "BODY_TIMEOUT_SECONDS", 0.3)
    client = await make_client()
    reader, writer = await asyncio.open_connection(client.server.host, client.server.port)
    writer.write(
        b'POST /api/sessions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 40\r\n\r\n{"lang'
    )
    started = time.monotonic()
    head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 5)
    assert time.monotonic() - started < 2
    assert head.startswith(b"HTTP/1.1 408 ") and b"Connection: close" in head
    body = await reader.readexactly(int(head.split(b"Content-Length: ")[1].split(b"\r\n")[0]))
    writer.close()
    assert body == b'{"error": "request body not received within 0.3 seconds"}'


# -- Session ids are matched whole -------------------------------------------------------------------------------


class CountingStore(MemoryStore):
    """Remembers every session id it was asked for."""

    def __init__(self):
        super().__init__()
        self.asked: list[str] = []

    async def get(self, session_id):
        self.asked.append(session_id)
        return await super().get(session_id)


async def test_an_id_with_a_trailing_newline_is_malformed_over_http_and_websocket(make_client):
    store = CountingStore()
    client = await make_client(store=store)
    session_id = (await (await client.post("/api/sessions")).json())["session_id"]
    for path in (f"/api/sessions/{session_id}%0A", f"/api/sessions/{session_id}%0A/history"):
        response = await client.get(path, headers={"Authorization": "Bearer x"})
        assert (response.status, await response.json()) == (
            400,
            {"error": "malformed session id: expected a lowercase UUID4"},
        ), path
    assert (await client.get(f"/session/{session_id}%0A")).status == 404
    ws = await client.ws_connect(f"/ws/{session_id}%0A")
    assert await ws.receive_json(timeout=5) == {"type": "error", "data": {"message": "malformed session id"}}
    closing = await ws.receive(timeout=5)
    assert (closing.type, closing.data, closing.extra) == (aiohttp.WSMsgType.CLOSE, 4404, "malformed session id")
    assert not any("\n" in asked for asked in store.asked), store.asked


# -- ALLOWED_HOSTS: DNS rebinding ---------------------------------------------------------------------------------


async def test_a_rebound_name_passes_the_origin_check_unless_allowed_hosts_is_set(make_client):
    """A DNS-rebinding page names the attacker's host in both Host and Origin: they agree."""
    for allowed_hosts, opened in (("", True), ("pad.example.org", False)):
        client = await make_client(allowed_hosts=allowed_hosts)
        session_id = (await (await client.post("/api/sessions")).json())["session_id"]
        port = client.server.port
        rebound = {"Host": f"attacker.example:{port}", "Origin": f"http://attacker.example:{port}"}
        try:
            ws = await client.ws_connect(f"/ws/{session_id}", headers=rebound)
        except aiohttp.WSServerHandshakeError as refused:
            assert (opened, refused.status) == (False, 400)
        else:
            assert opened and (await ws.receive_json(timeout=5))["type"] == "session_state"
            await ws.close()


async def test_allowed_hosts_refuses_any_other_host_on_every_route(make_client):
    client = await make_client(allowed_hosts="pad.example.org")
    session_id = (await (await client.post("/api/sessions")).json())["session_id"]  # as 127.0.0.1: allowed
    port = client.server.port
    static = Assets(Config().static_dir).url("style.css")
    for host in ("attacker.example", f"attacker.example:{port}", "pad.example.org.attacker.example", "example.org"):
        response = await client.get("/api/health", headers={"Host": host})
        assert (response.status, await response.json()) == (400, {"error": UNKNOWN_HOST}), host
        assert_security_headers(response)
        for path in ("/", f"/session/{session_id}", static, f"/ws/{session_id}"):
            response = await client.get(path, headers={"Host": host})
            assert (response.status, await response.text()) == (400, UNKNOWN_HOST), (host, path)
            assert_security_headers(response)
        with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
            await client.ws_connect(f"/ws/{session_id}", headers={"Host": host, "Origin": f"http://{host}"})
        assert refused.value.status == 400
    for host in (
        "pad.example.org",
        "PAD.example.org:443",
        "pad.example.org.",
        "localhost",
        f"localhost:{port}",
        "127.0.0.1",
        f"127.0.0.1:{port}",
        "[::1]",
        f"[::1]:{port}",
    ):
        response = await client.get("/api/health", headers={"Host": host})
        assert (response.status, await response.json()) == (200, {"status": "ok"}), host
    ws = await client.ws_connect(
        f"/ws/{session_id}", headers={"Host": "pad.example.org", "Origin": "http://pad.example.org"}
    )
    assert (await ws.receive_json(timeout=5))["type"] == "session_state"
    await ws.close()


async def test_behind_a_trusted_proxy_the_forwarded_host_is_checked(make_client):
    client = await make_client(allowed_hosts="pad.example.org", trust_proxy=1)
    for forwarded, status in (("pad.example.org", 200), ("attacker.example", 400)):
        response = await client.get("/api/health", headers={"Host": "10.0.0.7:8080", "X-Forwarded-Host": forwarded})
        assert response.status == status, forwarded
    # Without the proxy's header the Host is what counts (a health check on the machine itself).
    assert (await client.get("/api/health", headers={"Host": "localhost"})).status == 200


def test_allowed_hosts_must_be_bare_host_names():
    assert load_config([], {"ALLOWED_HOSTS": "pad.example.org 10.0.0.5 [2001:db8::1]"}).allowed_hosts
    for bad in ("https://pad.example.org", "pad.example.org:8443", "pad.example.org/x", "user@pad.example.org"):
        with pytest.raises(SystemExit, match="is not a host name like pad.example.org"):
            load_config(["--allowed-hosts", bad], {})


# -- Cross-site session creation ---------------------------------------------------------------------------------


async def test_a_page_of_another_site_cannot_create_sessions(make_client):
    client = await make_client(
        allowed_origins="https://tools.example.com", frame_ancestors="https://canvas.example.edu", sessions_per_ip=4
    )
    own = f"http://{client.server.host}:{client.server.port}"
    for origin in ("https://attacker.example", "null", f"http://{client.server.host}:1", f"{own}.attacker.example"):
        response = await client.post("/api/sessions", json={"language": "python"}, headers={"Origin": origin})
        assert (response.status, await response.json()) == (403, {"error": CROSS_SITE}), origin
        assert_security_headers(response)
    # The refused ones spent nothing of the address's budget (four sessions an hour here): our own pages, the
    # configured origins and scripts (no Origin) still create theirs.
    for headers in (
        {"Origin": own},
        {"Origin": "https://tools.example.com"},
        {"Origin": "https://canvas.example.edu"},
        {},
    ):
        response = await client.post("/api/sessions", headers=headers)
        assert response.status == 201, (headers, await response.text())


# -- /api/health: public liveness, counts for the operator ----------------------------------------------------------


async def test_health_shows_only_liveness_without_the_operator_token(make_client):
    client = await make_client(operator_token=TOKEN)
    response = await client.get("/api/health")
    assert (response.status, await response.json()) == (200, {"status": "ok"})
    for authorization in ("Bearer wrong-token-of-the-same-kind-0123", f"Basic {TOKEN}", "Bearer", TOKEN):
        response = await client.get("/api/health", headers={"Authorization": authorization})
        assert (response.status, await response.json()) == (403, {"error": "that is not this server's OPERATOR_TOKEN"})


async def test_health_details_for_the_operator(make_client):
    client = await make_client(operator_token=TOKEN)
    response = await client.get("/api/health", headers={"Authorization": f"Bearer {TOKEN}"})
    body = await response.json()
    assert response.status == 200 and response.headers["Cache-Control"] == "no-store"
    assert set(body) == {"status", "connections", "live_sessions", "tasks", "event_loop", "loop_lag_ms", "store"}
    assert body["store"] == {"kind": "memory", "up": True, "down_seconds": 0.0}
    assert (body["status"], body["connections"], body["live_sessions"]) == ("ok", 0, 0)


async def test_without_an_operator_token_nobody_gets_the_details(make_client):
    client = await make_client()
    response = await client.get("/api/health", headers={"Authorization": f"Bearer {TOKEN}"})
    assert (response.status, await response.json()) == (
        403,
        {"error": "no OPERATOR_TOKEN is set on this server: its health details are not shown"},
    )


def test_a_short_operator_token_is_refused_and_check_never_prints_it(tmp_path):
    with pytest.raises(SystemExit, match="OPERATOR_TOKEN must be at least 16 characters"):
        load_config([], {"OPERATOR_TOKEN": "short"})
    result = subprocess.run(
        [sys.executable, "-m", "interview_server", "--check", "--store", "memory"],
        cwd=ROOT,
        env={"PATH": "/usr/bin", "OPERATOR_TOKEN": TOKEN},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert TOKEN not in result.stdout + result.stderr
    assert any(line.split()[:3] == ["OPERATOR_TOKEN", "(set)", "(env)"] for line in result.stdout.splitlines())


# -- Request heads that never finish -----------------------------------------------------------------------------


class running_site:
    """The server as `interview-server` runs it (serving.Site), on a free port, with a short head time-out."""

    def __init__(self, head_timeout: float = 0.5):
        self.head_timeout = head_timeout

    async def __aenter__(self) -> Self:
        self.runner = web.AppRunner(create_app(Config(store="memory")))
        await self.runner.setup()
        site = serving.Site(self.runner, "127.0.0.1", 0, head_timeout=self.head_timeout)
        await site.start()
        self.port = site.port
        return self

    async def __aexit__(self, *exc) -> None:
        await self.runner.cleanup()

    @property
    def connections(self) -> int:
        """Connections the server holds (aiohttp's own registry of them)."""
        return len(self.runner.server.connections)


async def closed_after(reader: asyncio.StreamReader, limit: float) -> tuple[float, bytes]:
    """Seconds until the server closes the connection, and what it sent before. A close while the client was still
    writing may arrive as a reset (the server's kernel answers bytes sent after the close with RST): closed too."""
    started, received = time.monotonic(), b""
    try:
        while chunk := await asyncio.wait_for(reader.read(65536), limit):
            received += chunk
    except ConnectionResetError:
        pass
    return time.monotonic() - started, received


async def test_a_head_sent_a_byte_at_a_time_is_cut_off_at_the_time_out():
    async with running_site(head_timeout=0.5) as site:
        reader, writer = await asyncio.open_connection("127.0.0.1", site.port)

        async def trickle():
            for byte in b"GET /api/health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Padding: " + b"a" * 1000:
                writer.write(bytes([byte]))
                await asyncio.sleep(0.02)

        trickling = asyncio.create_task(trickle())
        elapsed, received = await closed_after(reader, 5)
        trickling.cancel()
        writer.close()
        assert 0.4 < elapsed < 1.5 and received == b""
        await asyncio.sleep(0.05)
        assert site.connections == 0


async def test_a_head_that_stops_half_way_is_cut_off_and_not_held():
    async with running_site(head_timeout=0.5) as site:
        sockets = []
        for _ in range(20):
            sock = socket.create_connection(("127.0.0.1", site.port))
            sock.sendall(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n")
            sock.setblocking(False)
            sockets.append(sock)
        await asyncio.sleep(0.1)
        assert site.connections == 20
        await asyncio.sleep(0.8)
        assert site.connections == 0
        for sock in sockets:
            assert sock.recv(10) == b""  # closed by the server, nothing sent
            sock.close()


async def test_the_clock_of_a_later_request_starts_at_its_first_byte_and_idle_keep_alive_is_left_alone():
    async with running_site(head_timeout=0.5) as site:
        reader, writer = await asyncio.open_connection("127.0.0.1", site.port)
        request = b"GET /api/health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
        for _ in range(2):  # idle between requests for longer than the head time-out: the connection stays
            writer.write(request)
            head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 5)
            assert head.startswith(b"HTTP/1.1 200 ")
            await asyncio.wait_for(reader.readexactly(int(head.split(b"Content-Length: ")[1].split(b"\r\n")[0])), 5)
            await asyncio.sleep(0.8)
        writer.write(request[:20])  # then a head that never ends
        elapsed, received = await closed_after(reader, 5)
        writer.close()
        assert 0.4 < elapsed < 1.5 and received == b""


async def test_a_websocket_outlives_the_head_time_out():
    async with running_site(head_timeout=0.3) as site, aiohttp.ClientSession() as http:
        base = f"http://127.0.0.1:{site.port}"
        session_id = (await (await http.post(f"{base}/api/sessions")).json())["session_id"]
        async with http.ws_connect(f"{base}/ws/{session_id}") as ws:
            assert (await ws.receive_json(timeout=5))["type"] == "session_state"
            await asyncio.sleep(0.8)
            await ws.send_json({"type": "pull", "data": {"version": 0}})
            assert (await ws.receive_json(timeout=5))["type"] in ("updates", "error")

"""A TLS-terminating reverse proxy in front of the server, as a PaaS router is: HTTPS and WSS outside,
plain HTTP inside, with X-Forwarded-For/-Proto/-Host added."""

from __future__ import annotations

import asyncio
import ssl
import subprocess
from pathlib import Path

import aiohttp
from aiohttp import WSMsgType, web
from multidict import CIMultiDict

# A test sets this request header to pose as another client: the router forwards that address instead
# of the peer's (and never passes the header on).
CLIENT_HEADER = "X-Test-Client-Address"
HOP_BY_HOP = {
    "connection",
    "keep-alive",
    "proxy-authenticate",
    "proxy-authorization",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
    CLIENT_HEADER.lower(),
}
WS_HANDSHAKE = {"sec-websocket-key", "sec-websocket-version", "sec-websocket-extensions", "sec-websocket-accept"}


def self_signed_certificate(folder: Path) -> tuple[Path, Path]:
    """A fresh certificate and key for 127.0.0.1 (openssl); returns (cert, key)."""
    cert, key = folder / "router-cert.pem", folder / "router-key.pem"
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "1",
            "-subj",
            "/CN=127.0.0.1",
            "-addext",
            "subjectAltName=IP:127.0.0.1",
            "-keyout",
            str(key),
            "-out",
            str(cert),
        ],
        check=True,
        capture_output=True,
    )
    return cert, key


class TlsRouter:
    """https://127.0.0.1:<port> -> http://127.0.0.1:<target_port>.

    `keep_host` (the usual): the app sees the Host the client sent; otherwise it sees its own address
    and learns the client's host only from X-Forwarded-Host.
    """

    def __init__(self, target_port: int, cert: Path, key: Path, keep_host: bool = True):
        self.target = f"http://127.0.0.1:{target_port}"
        self.keep_host = keep_host
        self.port = 0
        self._ssl = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self._ssl.load_cert_chain(cert, key)
        self._runner: web.AppRunner | None = None
        self._client: aiohttp.ClientSession | None = None
        self._sockets: set[web.WebSocketResponse] = set()

    @property
    def url(self) -> str:
        return f"https://127.0.0.1:{self.port}"

    async def start(self) -> None:
        # Bodies pass through as the app encoded them (Content-Encoding and Content-Length stay right).
        self._client = aiohttp.ClientSession(auto_decompress=False)
        app = web.Application()
        app.router.add_route("*", "/{path:.*}", self._handle)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0, ssl_context=self._ssl)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]

    async def close(self) -> None:
        for socket in list(self._sockets):
            await socket.close(code=aiohttp.WSCloseCode.GOING_AWAY)
        if self._runner is not None:
            await self._runner.cleanup()
        if self._client is not None:
            await self._client.close()

    def _forwarded_headers(self, request: web.Request, skip: set[str]) -> list[tuple[str, str]]:
        """The client's headers minus hop-by-hop ones, plus what a router adds."""
        client_ip = request.headers.get(CLIENT_HEADER) or request.remote or "unknown"
        headers = [
            (name, value)
            for name, value in request.headers.items()
            if name.lower() not in skip and not name.lower().startswith("x-forwarded-")
        ]
        if not self.keep_host:
            headers = [(name, value) for name, value in headers if name.lower() != "host"]
        # Like Heroku's router: append to whatever X-Forwarded-For the client sent; set Proto and Host.
        earlier = ", ".join(request.headers.getall("X-Forwarded-For", []))
        headers.append(("X-Forwarded-For", f"{earlier}, {client_ip}" if earlier else client_ip))
        headers.append(("X-Forwarded-Proto", "https"))
        headers.append(("X-Forwarded-Host", request.host))
        return headers

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        if request.headers.get("Upgrade", "").lower() == "websocket":
            return await self._websocket(request)
        headers = self._forwarded_headers(request, HOP_BY_HOP)
        async with self._client.request(
            request.method,
            self.target + request.rel_url.raw_path_qs,
            headers=CIMultiDict(headers),
            data=await request.read() if request.can_read_body else None,
            allow_redirects=False,
        ) as upstream:
            response = web.StreamResponse(status=upstream.status, reason=upstream.reason)
            for name, value in upstream.headers.items():
                if name.lower() not in HOP_BY_HOP:
                    response.headers.add(name, value)
            await response.prepare(request)
            try:
                async for chunk in upstream.content.iter_chunked(65536):
                    await response.write(chunk)
                await response.write_eof()
            except ConnectionError:  # the browser went away mid-download (e.g. its page was closed)
                pass
            return response

    async def _websocket(self, request: web.Request) -> web.StreamResponse:
        headers = self._forwarded_headers(request, HOP_BY_HOP | WS_HANDSHAKE)
        try:
            upstream = await self._client.ws_connect(
                self.target + request.rel_url.raw_path_qs,
                headers=CIMultiDict(headers),
                compress=0,
                autoclose=False,
                autoping=True,
            )
        except aiohttp.WSServerHandshakeError as exc:
            # The app refused the handshake (e.g. 403 for a foreign Origin): the client sees the same status.
            return web.Response(status=exc.status, text=f"refused by the app: {exc.message}")
        client = web.WebSocketResponse(compress=False, autoclose=False, autoping=True)
        await client.prepare(request)
        self._sockets.add(client)
        try:
            await asyncio.gather(_pump(client, upstream), _pump(upstream, client))
        finally:
            self._sockets.discard(client)
            await upstream.close()
            await client.close()
        return client


async def _pump(source, sink) -> None:
    """Text and binary frames from `source` to `sink`; a close from `source` is passed on with its code and reason."""
    while True:
        message = await source.receive()
        if message.type == WSMsgType.TEXT:
            if not sink.closed:
                await sink.send_str(message.data)
        elif message.type == WSMsgType.BINARY:
            if not sink.closed:
                await sink.send_bytes(message.data)
        elif message.type == WSMsgType.CLOSE:
            code = (
                message.data
                if isinstance(message.data, int) and 1000 <= message.data < 5000 and message.data not in (1005, 1006)
                else 1000
            )
            reason = (message.extra or "").encode()
            if not source.closed:
                await source.close(code=code, message=reason)  # answer the close on this side
            if not sink.closed:
                await sink.close(code=code, message=reason)
            return
        else:  # CLOSING, CLOSED, ERROR: the other side went away without a close frame
            if not sink.closed:
                await sink.close(code=aiohttp.WSCloseCode.GOING_AWAY)
            return

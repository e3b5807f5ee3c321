"""Serving HTTP: aiohttp's connection handler with a deadline on request heads, on a TCP port, until a signal.

aiohttp 3.x has no header-read time-out: a connection that sends its request line and headers a byte at a
time, or stops half-way, is held until the keep-alive time-out (75 s under `web.run_app`, an hour in a bare
`AppRunner`). `ConnectionHandler` closes it once HEAD_TIMEOUT_SECONDS have passed without a whole head. It is
aiohttp's own `RequestHandler`, so it has to be created by our own site (`web.TCPSite` always makes the
plain one) and run by `run` in place of `web.run_app`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from http import HTTPStatus

from aiohttp import web

from .security import ERROR_HEADERS

log = logging.getLogger(__name__)

HEAD_TIMEOUT_SECONDS = 10.0
# Idle keep-alive connections: web.run_app's value. A proxy in front that keeps idle connections to the
# server longer (Heroku's router: 90 s) may now and then send a request on one this side just closed.
KEEPALIVE_SECONDS = 75.0


class ConnectionHandler(web.RequestHandler):
    """aiohttp's per-connection protocol, plus: a request's head must be whole within `head_timeout` seconds,
    counted from the connection's start for its first request and from the first byte of each later one, or
    the connection is closed. Errors aiohttp answers itself (a request it cannot parse) get our shapes."""

    __slots__ = ("_head_deadline", "_head_timeout", "_heads_before")

    def __init__(self, manager: web.Server, *, head_timeout: float = HEAD_TIMEOUT_SECONDS, **kwargs):
        super().__init__(manager, **kwargs)
        self._head_timeout = head_timeout
        self._head_deadline: asyncio.TimerHandle | None = None
        self._heads_before = 0

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        super().connection_made(transport)
        self._start_head_clock()

    def data_received(self, data: bytes) -> None:
        # Between requests aiohttp awaits `_waiter` for the next head (its keep-alive timer asks the same);
        # while a request or a WebSocket is being served, the bytes are its body and no clock runs.
        if self._head_deadline is None and self._waiter is not None and not self._waiter.done():
            self._start_head_clock()
        super().data_received(data)
        if self._head_deadline is not None and self._request_count != self._heads_before:  # a whole head came
            self._head_deadline.cancel()
            self._head_deadline = None

    def connection_lost(self, exc: BaseException | None) -> None:
        if self._head_deadline is not None:
            self._head_deadline.cancel()
            self._head_deadline = None
        super().connection_lost(exc)

    def _start_head_clock(self) -> None:
        self._heads_before = self._request_count
        self._head_deadline = asyncio.get_running_loop().call_later(self._head_timeout, self._head_too_slow)

    def _head_too_slow(self) -> None:
        self._head_deadline = None
        peer = self.transport.get_extra_info("peername") if self.transport is not None else None
        # Debug only: a slow-request flood would otherwise write a line per connection.
        log.debug("closed a connection from %s: no whole request head within %g s", peer, self._head_timeout)
        self.force_close()

    def handle_error(
        self, request: web.BaseRequest, status: int = 500, exc: BaseException | None = None, message: str | None = None
    ) -> web.StreamResponse:
        """aiohttp's answer when it cannot parse a request (or a failure escaped every middleware): our error
        shape and headers, one log line, and nothing of the request echoed back."""
        if status >= 500:
            log.error("%s %.200r failed: %s: %.300r", request.method, request.path, type(exc).__name__, str(exc))
        else:
            log.debug("unreadable request from %s: %.300r", request.remote, str(exc))
        if request.writer.output_size > 0:  # as aiohttp's own: an answer has begun, the connection is broken
            raise ConnectionError("response already begun, cannot send the error")
        reason = HTTPStatus(status).phrase
        if request.path.startswith("/api/"):
            response = web.json_response({"error": reason.lower()}, status=status, headers=ERROR_HEADERS)
        else:
            response = web.Response(status=status, text=f"{status}: {reason}", headers=ERROR_HEADERS)
        response.force_close()
        return response


class Site(web.BaseSite):
    """A TCP listener like `web.TCPSite`, whose connections are ConnectionHandlers."""

    __slots__ = ("_head_timeout", "_host", "_keepalive", "_port")

    def __init__(
        self,
        runner: web.BaseRunner,
        host: str,
        port: int,
        *,
        head_timeout: float = HEAD_TIMEOUT_SECONDS,
        keepalive: float = KEEPALIVE_SECONDS,
    ):
        super().__init__(runner)
        self._host, self._port = host, port
        self._head_timeout, self._keepalive = head_timeout, keepalive

    @property
    def port(self) -> int:
        """The port listened on (the one the system chose, for port 0)."""
        return self._server.sockets[0].getsockname()[1] if self._server and self._server.sockets else self._port

    @property
    def name(self) -> str:
        return f"http://{self._host}:{self.port}"

    async def start(self) -> None:
        await super().start()
        loop = asyncio.get_running_loop()
        manager = self._runner.server

        def handler() -> ConnectionHandler:
            return ConnectionHandler(
                manager, loop=loop, head_timeout=self._head_timeout, keepalive_timeout=self._keepalive
            )

        self._server = await loop.create_server(handler, self._host, self._port, reuse_address=True)


def run(
    app: web.Application,
    host: str,
    port: int,
    loop: asyncio.AbstractEventLoop,
    shutdown_timeout: float = 5,
    head_timeout: float = HEAD_TIMEOUT_SECONDS,
) -> None:
    """Serve `app` until SIGINT or SIGTERM, then shut it down as `web.run_app` does (sockets closed by its
    on_shutdown hooks, requests given `shutdown_timeout` seconds, leftover tasks cancelled)."""

    async def serve() -> None:
        runner = web.AppRunner(app, handle_signals=True, shutdown_timeout=shutdown_timeout)
        await runner.setup()
        try:
            await Site(runner, host, port, head_timeout=head_timeout).start()
            await asyncio.Event().wait()  # until a signal raises GracefulExit
        finally:
            await runner.cleanup()

    asyncio.set_event_loop(loop)
    main = loop.create_task(serve())
    try:
        loop.run_until_complete(main)
    except (web.GracefulExit, KeyboardInterrupt):
        pass
    finally:
        if not main.done():  # a signal: let serve() clean up (a failed start has raised already)
            main.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                loop.run_until_complete(main)
        leftover = asyncio.all_tasks(loop)
        for task in leftover:
            task.cancel()
        loop.run_until_complete(asyncio.gather(*leftover, return_exceptions=True))
        loop.run_until_complete(loop.shutdown_asyncgens())
        loop.close()

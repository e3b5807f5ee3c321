"""The application factory: wires config, store, hub, routes and templates. No I/O at import."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable

import aiohttp_jinja2
import jinja2
from aiohttp import web

from . import admin, api, errors, logs, metrics_endpoint, pages, security, ws
from .lti import tool as lti_tool
from .assets import Assets
from .config import Config
from .hub import Hub
from .keys import (
    ASSETS,
    CONFIG,
    HUB,
    INSTANCE_NAME,
    LIMITS,
    LOOP_MONITOR,
    METRICS,
    PROBLEMS,
    SESSIONS,
    STORE,
    STORE_HEALTH,
)
from .instance_status import new_instance_name, write_status_while_serving
from .limits import AddressLimits
from .loop_monitor import LoopMonitor, run_while_serving
from .metrics import Metrics
from .problems import load_problems
from .sessions import SessionRegistry
from .store import SessionStore, make_store
from .store_health import StoreHealth

log = logging.getLogger(__name__)

SWEEP_INTERVAL_SECONDS = 60


@web.middleware
async def static_headers(request: web.Request, handler) -> web.StreamResponse:
    """Let the cross-origin-isolated editor page (COEP require-corp) load our own static files."""
    response = await handler(request)
    if request.path.startswith("/static/"):
        response.headers["Cross-Origin-Resource-Policy"] = "same-origin"
        # Worker scripts take their own embedder policy from their response.
        response.headers["Cross-Origin-Embedder-Policy"] = "require-corp"
    return response


def create_app(
    config: Config | None = None, store: SessionStore | None = None, clock: Callable[[], float] = time.time
) -> web.Application:
    """Build the aiohttp application for one server instance (the store opens at start-up)."""
    config = config or Config(store="memory")
    # Outermost first: every answer, errors included, gets the security headers; errors take their one shape.
    app = web.Application(
        middlewares=[logs.request_ids, security.security_headers, errors.errors, security.allowed_hosts, static_headers]
    )
    app[CONFIG] = config
    app[STORE] = store or make_store(config.store_kind, config.data_dir, config.redis_url, config.database_url)
    app[STORE_HEALTH] = StoreHealth(app[STORE])
    app[METRICS] = Metrics(app[STORE].name)
    app[HUB] = Hub(count_sent=app[METRICS].sent)
    app[SESSIONS] = SessionRegistry(
        app[STORE],
        app[HUB],
        config.session_ttl,
        clock,
        max_document_bytes=config.max_document_bytes,
        version_rate=config.version_rate,
        board_rate=config.board_rate,
        observe_commit=app[METRICS].commit,
    )
    app[METRICS].watch(app[SESSIONS].live_count, app[HUB].connection_count, lambda: app[STORE_HEALTH].up)
    app[LIMITS] = AddressLimits(
        config.sockets_per_ip,
        config.sessions_per_ip,
        byte_rate=config.byte_rate,
        byte_burst=8 * config.max_message_bytes,
    )
    aiohttp_jinja2.setup(
        app,
        loader=jinja2.FileSystemLoader(config.templates_dir),
        autoescape=True,
        context_processors=[security.template_context],
    )
    app[PROBLEMS] = {}
    app.on_startup.append(_load_problems)
    app.add_routes(api.routes)
    app.add_routes(pages.routes)
    app.add_routes(ws.routes)
    app.add_routes(metrics_endpoint.routes)
    app.add_routes(admin.routes)
    lti_tool.setup(app, config)
    app[INSTANCE_NAME] = new_instance_name()
    # /static/: hashed names, precompressed copies, caching (assets.py); templates get asset_url().
    app[ASSETS] = Assets(config.static_dir)
    app[ASSETS].setup(app, aiohttp_jinja2.get_env(app))
    app.cleanup_ctx.append(_store_ctx)
    app.cleanup_ctx.append(_sweeper_ctx)
    app[LOOP_MONITOR] = LoopMonitor(on_sample=app[METRICS].loop_lag)
    app.cleanup_ctx.append(lambda app: run_while_serving(app[LOOP_MONITOR]))
    if config.admin_token:  # the dashboard shows every instance sharing the store: each writes its status
        app.cleanup_ctx.append(write_status_while_serving)
    app.on_shutdown.append(ws.close_all)
    return app


async def _load_problems(app: web.Application) -> None:
    """The starter problems: built-in ones and the operator's (PROBLEMS_DIR)."""
    app[PROBLEMS].update(load_problems(app[CONFIG].problems_dir or None))
    log.info("%d starter problems available", len(app[PROBLEMS]))


async def _store_ctx(app: web.Application):
    """Open the store before serving, watch that it answers while serving (store_health.py); flush and close it
    last."""
    await app[STORE].open()
    log.info("sessions are stored in %s", app[STORE].name)
    config = app[CONFIG]
    if config.database_url and config.redis_url:  # one store carries both storage and fan-out (docs/STORAGE.md)
        log.warning("both DATABASE_URL and REDIS_URL are set: %s is used, the other is not", app[STORE].name)
    probing = asyncio.create_task(app[STORE_HEALTH].run())
    yield
    probing.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await probing
    await app[SESSIONS].tasks.close()  # relays, announcements and compactions still running
    await app[HUB].writer.tasks.close()
    await app[STORE].close()


async def _sweeper_ctx(app: web.Application):
    """Delete idle sessions in the background."""

    async def sweep_forever() -> None:
        while True:
            await asyncio.sleep(SWEEP_INTERVAL_SECONDS)
            try:
                await app[SESSIONS].sweep()
            except Exception:
                log.exception("sweeping idle sessions failed")

    task = asyncio.create_task(sweep_forever())
    yield
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task

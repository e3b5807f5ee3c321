"""The application factory: wires config, store, hub, routes and templates. No I/O at import."""

from __future__ import annotations

import mimetypes
from pathlib import Path

import aiohttp_jinja2
import jinja2
from aiohttp import web

from . import api, pages, ws
from .config import Config
from .hub import Hub
from .keys import CONFIG, HUB, SESSIONS, STORE
from .sessions import SessionRegistry
from .store import MemoryStore, SessionStore

# Pyodide refuses to start unless its module and wasm files carry these types.
mimetypes.add_type("application/wasm", ".wasm")
mimetypes.add_type("text/javascript", ".mjs")
mimetypes.add_type("text/javascript", ".js")


@web.middleware
async def static_headers(request: web.Request, handler) -> web.StreamResponse:
    """Let the cross-origin-isolated editor page (COEP require-corp) load our own static files."""
    response = await handler(request)
    if request.path.startswith("/static/"):
        response.headers["Cross-Origin-Resource-Policy"] = "same-origin"
        # Worker scripts take their own embedder policy from their response.
        response.headers["Cross-Origin-Embedder-Policy"] = "require-corp"
    return response


def create_app(config: Config | None = None, store: SessionStore | None = None) -> web.Application:
    """Build the aiohttp application for one server instance."""
    config = config or Config()
    app = web.Application(middlewares=[api.api_errors, static_headers])
    app[CONFIG] = config
    app[STORE] = store or MemoryStore()
    app[HUB] = Hub()
    app[SESSIONS] = SessionRegistry(app[STORE], app[HUB])
    aiohttp_jinja2.setup(app, loader=jinja2.FileSystemLoader(config.templates_dir), autoescape=True)
    app.add_routes(api.routes)
    app.add_routes(pages.routes)
    app.add_routes(ws.routes)
    static_dir = Path(config.static_dir)
    if static_dir.is_dir():
        app.router.add_static("/static/", static_dir, name="static")
    app.on_shutdown.append(ws.close_all)
    app.on_cleanup.append(_close_store)
    return app


async def _close_store(app: web.Application) -> None:
    await app[STORE].close()

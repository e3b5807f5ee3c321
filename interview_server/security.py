"""Security headers on every response, the host allow-list (DNS rebinding), and the Origin check that stops
cross-site WebSocket hijacking and cross-site session creation."""

from __future__ import annotations

import re
import secrets
from urllib.parse import urlsplit

from aiohttp import web

from .config import Config
from .keys import CONFIG

CSP_NONCE = web.RequestKey("csp_nonce", str)  # this response's nonce
# Origins a page may post a form to besides its own (the LTI deep-linking return to the LMS): set by its handler.
FORM_TARGETS = web.RequestKey("form_targets", tuple)

# Worker scripts get their own policy: a worker follows the CSP of its own response, not the page's.
PYTHON_WORKER_CSP = (
    "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; connect-src 'self'; object-src 'none'; base-uri 'none'"
)
# The JavaScript runner evaluates the user's code (so 'unsafe-eval') and may load or reach nothing at all.
JS_WORKER_CSP = "default-src 'none'; script-src 'unsafe-eval'; base-uri 'none'"
# The TypeScript runner is the JavaScript runner with a type stripper bundled in: the same policy.
TS_WORKER_CSP = JS_WORKER_CSP
# The SQL runner compiles SQLite's wasm, fetched from this server (static/dist/), and runs no script of the user's.
SQL_WORKER_CSP = "default-src 'none'; script-src 'wasm-unsafe-eval'; connect-src 'self'; base-uri 'none'"
# The Lua runner likewise: Lua's wasm from this server; the user's Lua runs inside it, never as a script.
LUA_WORKER_CSP = SQL_WORKER_CSP
# The code tools (format and lint) import their chunks and fetch their wasm (Ruff, Lua) from this server; they run
# formatters and linters over the text, never the text itself.
CODE_TOOLS_WORKER_CSP = "default-src 'none'; script-src 'self' 'wasm-unsafe-eval'; connect-src 'self'; base-uri 'none'"
WORKER_CSP = {
    "python-worker": PYTHON_WORKER_CSP,
    "js-worker": JS_WORKER_CSP,
    "ts-worker": TS_WORKER_CSP,
    "sql-worker": SQL_WORKER_CSP,
    "lua-worker": LUA_WORKER_CSP,
    "code-tools-worker": CODE_TOOLS_WORKER_CSP,
}
# Their built names carry a content hash (static/build.mjs): /static/dist/python-worker-3FZK2QXA.js
WORKER_SCRIPT = re.compile(
    r"/static/dist/(python-worker|js-worker|ts-worker|sql-worker|lua-worker|code-tools-worker)(?:-[A-Z0-9]+)?\.js"
)
# A request aiohttp could not even parse is answered before the application: a bare text, nothing to load or frame.
ERROR_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; base-uri 'none'; frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}


def worker_csp(path: str) -> str | None:
    """The policy of a worker script at `path`, or None for any other path."""
    match = WORKER_SCRIPT.fullmatch(path)
    return WORKER_CSP[match[1]] if match else None


def page_csp(config: Config, nonce: str, form_targets: tuple[str, ...] = ()) -> str:
    """The pages' policy: our own scripts, styles and sockets only; Pyodide's wasm; framing from configuration.
    `nonce` admits the <style> element CodeMirror writes (the page hands it over in <meta name="csp-nonce">);
    `form_targets`: origins one page may post a form to besides this one."""
    ancestors = " ".join(["'self'", *config.frame_ancestors.split()])
    form_actions = " ".join(["'self'", *form_targets])
    # style-src-attr: the browser's own contenteditable editing writes style attributes into the editor's
    # lines as one types (CodeMirror then redraws them); they carry no script.
    return (
        f"default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self' 'nonce-{nonce}'; "
        "style-src-attr 'unsafe-inline'; "
        "img-src 'self' data:; "
        "font-src 'self'; connect-src 'self'; worker-src 'self'; object-src 'none'; base-uri 'none'; "
        f"form-action {form_actions}; frame-ancestors {ancestors}"
    )


@web.middleware
async def security_headers(request: web.Request, handler) -> web.StreamResponse:
    """CSP, nosniff and Referrer-Policy on every response, errors included."""
    request[CSP_NONCE] = secrets.token_urlsafe(16)
    try:
        response = await handler(request)
    except web.HTTPException as exc:
        _add_headers(request, exc)
        raise
    _add_headers(request, response)
    return response


def _add_headers(request: web.Request, response: web.StreamResponse) -> None:
    if response.prepared:  # a WebSocket or streamed response: its headers are gone already
        return
    headers = response.headers
    headers["Content-Security-Policy"] = worker_csp(request.path) or page_csp(
        request.app[CONFIG], request[CSP_NONCE], request.get(FORM_TARGETS, ())
    )
    headers["X-Content-Type-Options"] = "nosniff"
    # No page address (session ids, later host secrets) ever leaks to another site through Referer.
    headers["Referrer-Policy"] = "no-referrer"


async def template_context(request: web.Request) -> dict:
    """aiohttp-jinja2 context processor: every page gets its CSP nonce."""
    return {"csp_nonce": request.get(CSP_NONCE, "")}


@web.middleware
async def allowed_hosts(request: web.Request, handler) -> web.StreamResponse:
    """With ALLOWED_HOSTS set, answer only requests for those hosts (and loopback), before any other work.

    A DNS-rebinding page is served from the attacker's name, now resolving to this server: its requests name
    that host, and its Origin matches that Host, so only a list of our own names can tell it apart.
    """
    names = request.app[CONFIG].host_names
    if names and host_name(request_host(request, request.app[CONFIG].trust_proxy)) not in names:
        raise web.HTTPBadRequest(
            text="unknown host: this server answers only to the host names in its ALLOWED_HOSTS setting"
        )
    return await handler(request)


def host_name(host: str) -> str:
    """A Host header's name without its port: pad.example.org:8443 -> pad.example.org, [::1]:8080 -> [::1]."""
    if host.startswith("["):
        return host[: host.find("]") + 1]
    return host.partition(":")[0].rstrip(".")


def request_host(request: web.Request, trust_proxy: int) -> str:
    """The host the client asked for (X-Forwarded-Host only behind a trusted proxy)."""
    forwarded = request.headers.get("X-Forwarded-Host", "") if trust_proxy > 0 else ""
    return (forwarded.split(",")[-1].strip() or request.host).lower()


def request_scheme(request: web.Request, trust_proxy: int) -> str:
    """http or https as the client sees it (X-Forwarded-Proto only behind a trusted proxy)."""
    forwarded = request.headers.get("X-Forwarded-Proto", "") if trust_proxy > 0 else ""
    scheme = forwarded.split(",")[-1].strip().lower()
    return scheme if scheme in ("http", "https") else request.scheme


def own_url(request: web.Request, path: str, trust_proxy: int) -> str:
    """This server's absolute address for `path`, as the client reached it (behind trusted proxies: as they say)."""
    return f"{request_scheme(request, trust_proxy)}://{request_host(request, trust_proxy)}{path}"


def origin_allowed(request: web.Request, config: Config) -> bool:
    """A browser's socket may come from a page of this server or of a configured origin.

    Clients that send no Origin (scripts, the load generator) are not browsers and cannot be
    hijacked this way: they are let through.
    """
    origin = request.headers.get("Origin")
    if origin is None:
        return True
    origin = origin.strip().lower()
    if origin in (allowed.lower() for allowed in config.extra_origins):
        return True
    parts = urlsplit(origin)
    if parts.scheme not in ("http", "https") or parts.netloc != request_host(request, config.trust_proxy):
        return False
    # Behind a trusted proxy the scheme is known too: an http:// page may not open the https:// site's sockets.
    return config.trust_proxy <= 0 or parts.scheme == request_scheme(request, config.trust_proxy)

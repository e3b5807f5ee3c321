"""Real Chromium (Playwright, async API) against a real server process on a real port.

The server runs as `python -m interview_server` in a subprocess; every test shares one session-wide
event loop (setup.cfg), so the browser fixture lives for the whole run. Every page's requests are
recorded: none may leave localhost.

A session page starts its Python worker while it loads, and booting Pyodide costs seconds of CPU. So
every context holds the requests for Pyodide's files (as a very slow network would: the worker waits
and costs nothing) until the test lets that context's pages boot Python with `allow_python`, which
`wait_python_ready` calls; only tests marked `python` may. A page that only shows what someone else
ran never boots it. Make browser contexts with `new_context` so the rule applies.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import pytest_asyncio
from playwright.async_api import async_playwright

from ..support.server_process import ROOT, ServerProcess, free_port
from .proxy import CuttableProxy

ARTIFACTS = ROOT / "test-artifacts"  # screenshots (named after their test)
NAME_KEY = "interview-pad:name"  # where the page remembers the display name (static/src/presence.js)
# Every page reports a Content-Security-Policy violation as a console error, which fails its test.
CSP_REPORTER = """document.addEventListener("securitypolicyviolation", (e) => console.error(
  `CSP violation: ${e.effectiveDirective} blocked ${e.blockedURI || "inline code"} at ${e.sourceFile}:${e.lineNumber}` +
  ` on ${e.target?.nodeName ?? ""} ${(e.target?.outerHTML ?? "").slice(0, 160)}`));"""
LOCAL_HOSTS = {"127.0.0.1", "localhost", "[::1]", "::1"}
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-default-apps",
    "--disable-extensions",
    # Without this Chromium looks up Google hosts at start even with the flags above.
    "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1",
]


PYODIDE_FILES = "**/static/pyodide/**"  # what python-worker.js loads (INDEX_URL)


class PythonGate:
    """Which contexts' pages may boot Pyodide in the running test."""

    allowed = False  # the test is marked `python`
    held: dict = {}  # context -> its requests for Pyodide's files, held; gone once the context may boot it


async def new_context(browser, **options):
    """A browser context whose pages boot Pyodide only once `allow_python` lets them.

    Its pages prefer reduced motion (unless `reduced_motion` says otherwise): a status that pulses forever
    (as "Loading Python…" does while Pyodide's files are held) would keep the renderer busy every frame.
    """
    context = await browser.new_context(**{"reduced_motion": "reduce", **options})
    PythonGate.held[context] = []

    async def hold(route) -> None:
        held = PythonGate.held.get(context)
        if held is None:
            await route.continue_()
        else:
            held.append(route)

    await context.route(PYODIDE_FILES, hold)
    return context


async def allow_python(page) -> None:
    """Let the pages of `page`'s context boot Pyodide: what they asked for so far goes through now."""
    assert PythonGate.allowed, "this test runs Python: mark it @pytest.mark.python"
    for route in PythonGate.held.pop(page.context, None) or []:
        await route.continue_()


@pytest_asyncio.fixture(autouse=True, loop_scope="session")
async def python_gate(request):
    PythonGate.allowed = request.node.get_closest_marker("python") is not None
    yield
    held, PythonGate.held = PythonGate.held, {}
    for route in (route for routes in held.values() for route in routes):
        try:  # their pages are closed by now: this only lets Playwright's handler tasks finish
            await route.abort()
        except Exception:
            pass


class Logs:
    """The servers' logs of this run: in pytest's temporary folder, one per run and per xdist worker (pytest keeps
    the last three runs'), so parallel workers, or two runs in one checkout, never read each other's log."""

    folder: Path = ARTIFACTS

    @classmethod
    def path(cls, name: str) -> Path:
        return cls.folder / name


@pytest.fixture(scope="session", autouse=True)
def server_logs(tmp_path_factory) -> Path:
    Logs.folder = tmp_path_factory.mktemp("server-logs")
    return Logs.folder


def chromium_path() -> str | None:
    """CHROMIUM_PATH if set, else Debian's Chromium, else Playwright's own download."""
    return os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.fixture(scope="session")
def host_origin() -> str:
    """The origin of `host_page`, an LMS-like site the servers let frame their pages (FRAME_ANCESTORS)."""
    return f"http://127.0.0.1:{free_port()}"


@pytest.fixture(scope="session")
def server_url(tmp_path_factory, host_origin, server_logs):
    """Start `python -m interview_server` (SQLite in a temporary folder) and wait until it answers."""
    if not (ROOT / "static" / "dist" / "manifest.json").is_file():
        pytest.fail("static assets are not built: run `make test` (it runs npm ci && npm run build)")
    ARTIFACTS.mkdir(exist_ok=True)
    server = ServerProcess(
        "--data-dir",
        str(tmp_path_factory.mktemp("data")),
        "--frame-ancestors",
        host_origin,
        log_path=Logs.path("server.log"),
    )
    server.start()
    yield server.url
    server.terminate()


SHORT_TIME_LIMIT_SECONDS = 2


@pytest.fixture(scope="module")
def short_limit_url(tmp_path_factory, request, server_logs):
    """A server of the module's own whose runs may take SHORT_TIME_LIMIT_SECONDS at most."""
    name = request.module.__name__.rpartition(".")[2]
    server = ServerProcess(
        "--data-dir",
        str(tmp_path_factory.mktemp("limit")),
        "--run-time-limit",
        str(SHORT_TIME_LIMIT_SECONDS),
        log_path=Logs.path(f"server-limit-{name}.log"),
    )
    server.start()
    yield server.url
    server.terminate()


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def browser():
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=chromium_path(), headless=True, args=CHROMIUM_ARGS)
        yield browser
        await browser.close()


class Pages:
    """Opens pages (in one shared browser context, or one context per person) and records every
    request and console error."""

    def __init__(self, browser, context):
        self.browser = browser
        self.context = context
        self.contexts = [context]
        self.requests: list[str] = []
        self.console_errors: list[str] = []
        self._record(context)

    def _record(self, context) -> None:
        context.on("request", lambda request: self.requests.append(request.url))

    async def new(self, url: str | None = None, name: str | None = "Tester", context=None):
        """A new page; `name` is remembered as the display name first (None: the page asks for one)."""
        page = await (context or self.context).new_page()
        await page.add_init_script(CSP_REPORTER)
        if name is not None:
            await page.add_init_script(
                f"if (!localStorage.getItem({NAME_KEY!r})) localStorage.setItem({NAME_KEY!r}, {json.dumps(name)});"
            )
        page.on("console", lambda msg: msg.type == "error" and self.console_errors.append(f"{page.url}: {msg.text}"))
        page.on("pageerror", lambda exc: self.console_errors.append(f"{page.url}: {exc}"))
        if url:
            await page.goto(url)
        return page

    async def person(self, url: str | None = None, name: str | None = "Tester", **context_options):
        """A page in a browser context of its own (its own storage, so its own remembered name)."""
        context = await new_context(self.browser, viewport={"width": 1280, "height": 800}, **context_options)
        self.contexts.append(context)
        self._record(context)
        return await self.new(url, name=name, context=context)

    @property
    def all_pages(self):
        return [page for context in self.contexts for page in context.pages]

    def outside_requests(self) -> list[str]:
        return [
            url
            for url in self.requests
            if urlsplit(url).scheme not in ("data", "blob", "about") and urlsplit(url).hostname not in LOCAL_HOSTS
        ]


@pytest_asyncio.fixture(loop_scope="session")
async def pages(browser, request):
    """Fresh browser contexts; after the test, no request may have left localhost."""
    context = await new_context(browser, viewport={"width": 1280, "height": 800})
    recorder = Pages(browser, context)
    yield recorder
    if request.node.rep_call.failed if hasattr(request.node, "rep_call") else False:
        for index, page in enumerate(recorder.all_pages):
            await page.screenshot(path=str(ARTIFACTS / f"{request.node.name}-{index}.png"))
    for context in recorder.contexts:
        await context.close()
    assert recorder.outside_requests() == [], "requests left localhost"


@pytest.hookimpl(tryfirst=True, hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    setattr(item, "rep_" + report.when, report)


@pytest_asyncio.fixture(loop_scope="session")
async def proxy(server_url):
    """A cuttable TCP proxy in front of the server."""
    proxy = CuttableProxy(urlsplit(server_url).port)
    await proxy.start()
    yield proxy
    await proxy.close()


class PageSite:
    """A local origin serving pages a test writes (an LMS page that iframes the pad, a foreign site)."""

    def __init__(self, port: int):
        self.port = port
        self.bodies: dict[str, str] = {}
        self.runner = None

    async def start(self) -> PageSite:
        from aiohttp import web

        async def serve(request):
            body = self.bodies.get(request.match_info["name"])
            if body is None:
                raise web.HTTPNotFound()
            return web.Response(
                text=f'<!doctype html><html><head><link rel="icon" href="data:,"></head><body>{body}</body></html>',
                content_type="text/html",
            )

        app = web.Application()
        app.router.add_get("/{name}", serve)
        self.runner = web.AppRunner(app)
        await self.runner.setup()
        await web.TCPSite(self.runner, "127.0.0.1", self.port).start()
        return self

    def page_with(self, body: str) -> str:
        """Serve a page with this body; returns its URL."""
        name = f"page{len(self.bodies)}"
        self.bodies[name] = body
        return f"http://127.0.0.1:{self.port}/{name}"

    async def stop(self) -> None:
        await self.runner.cleanup()


@pytest_asyncio.fixture(loop_scope="session", scope="session")
async def host_page(host_origin):
    """The origin the test servers let frame their pages (FRAME_ANCESTORS): page_with(body) -> URL."""
    site = await PageSite(urlsplit(host_origin).port).start()
    yield site.page_with
    await site.stop()


def create_session_links(base_url: str, **fields) -> dict:
    """Create a session through the public API (`fields` as POST /api/sessions takes them: language, problem,
    title); its answer: session_id, join_url, host_url."""
    request = urllib.request.Request(
        base_url + "/api/sessions",
        data=json.dumps(fields).encode(),
        method="POST",
        headers={"Content-Type": "application/json"},
    )
    return json.loads(urllib.request.urlopen(request, timeout=5).read())


def create_session(base_url: str) -> str:
    """Create a Python session through the public API; returns its id."""
    return create_session_links(base_url, language="python")["session_id"]


async def wait_for(predicate, timeout: float = 15, interval: float = 0.05, message: str = "condition"):
    """Poll an async predicate until it is truthy."""
    deadline = time.monotonic() + timeout
    while True:
        value = await predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {message}")
        await asyncio.sleep(interval)

"""Security in real Chromium: every page works under the server's Content-Security-Policy, the
JavaScript sandbox reaches nothing, user text never becomes markup, the participant and document
caps as people meet them, and sockets from other sites are refused."""

from __future__ import annotations

import asyncio
import json
import re
import time
import urllib.parse
import urllib.request
import uuid

import aiohttp
import pytest
from aiohttp import web
from playwright.async_api import Page, expect

from ..support.server_process import ServerProcess, free_port
from .conftest import ARTIFACTS, wait_for
from .helpers import editor, output, set_code, settled, wait_python_ready

CAP = 2  # participants per session on the capped server
DOCUMENT_CAP = 4096  # UTF-8 bytes per document on the small-document server
# Markup in user text: an image whose error handler would run, and a script element.
IMG = '<img src=x onerror="window.__xss=1">'
SCRIPT = "<script>window.__xss=1</script>"
# What injected markup would leave in a page (the CSP would block the handler, so the DOM is what tells).
INJECTED_JS = """() => ({
  images: document.querySelectorAll('img[src="x"], img[src$="/x"]').length,
  handlers: document.querySelectorAll("[onerror]").length,
  scripts: [...document.scripts].filter((s) => !s.src || !new URL(s.src).pathname.startsWith("/static/dist/")).length,
  xss: typeof window.__xss,
})"""
NOTHING_INJECTED = {"images": 0, "handlers": 0, "scripts": 0, "xss": "undefined"}


def new_session(base_url: str, language: str = "python") -> str:
    request = urllib.request.Request(base_url + "/api/sessions", data=json.dumps({"language": language}).encode(),
                                     method="POST", headers={"Content-Type": "application/json"})
    return json.loads(urllib.request.urlopen(request, timeout=5).read())["session_id"]


@pytest.fixture(scope="module")
def capped_url(tmp_path_factory):
    """A server that lets two connections into a session."""
    server = ServerProcess("--data-dir", str(tmp_path_factory.mktemp("capped")), "--max-participants", str(CAP),
                           log_path=ARTIFACTS / "server-capped.log")
    server.start()
    yield server.url
    server.terminate()


@pytest.fixture(scope="module")
def small_document_url(tmp_path_factory):
    """A server whose documents may hold 4 KiB of UTF-8."""
    server = ServerProcess("--data-dir", str(tmp_path_factory.mktemp("small")), "--max-document-bytes",
                           str(DOCUMENT_CAP), log_path=ARTIFACTS / "server-small-document.log")
    server.start()
    yield server.url
    server.terminate()


def connection(page: Page):
    return page.get_by_role("status", name="Connection")


def people(page: Page):
    return page.get_by_role("list", name="Participants")


def chat_log(page: Page):
    return page.get_by_role("log", name="Chat messages")


async def join_as(pages, base_url: str, session_id: str, name: str | None) -> Page:
    """Open the session in a browser of one's own (`name` remembered; None: asked for on arrival)."""
    page = await pages.person(f"{base_url}/session/{session_id}", name=name)
    await expect(connection(page)).to_have_text("Connected", timeout=15_000)
    await expect(editor(page)).to_be_visible()
    return page


async def run(page: Page, code: str) -> None:
    await set_code(page, code)
    await settled(page)
    await page.get_by_role("button", name="Run").click()


async def say(page: Page, text: str) -> None:
    box = page.get_by_role("textbox", name="Chat message")
    await box.fill(text)
    await box.press("Enter")


async def switch_to_javascript(page: Page) -> None:
    await page.get_by_role("combobox", name="Language").select_option(label="JavaScript")
    await expect(page.get_by_role("status", name="JavaScript")).to_have_text("JavaScript ready", timeout=15_000)


def csp_of(response) -> str:
    return response.headers.get("content-security-policy", "")


def status_logged(url: str, status: int, reason: str) -> str:
    """The console error Chromium logs for a page served with an error status (the page's own doing, no fault)."""
    return f"{url}: Failed to load resource: the server responded with a status of {status} ({reason})"


# --- 1. Every page works under its policy ---------------------------------------------------------


async def test_landing_and_session_pages_work_under_the_csp(pages, server_url):
    page = await pages.new()
    response = await page.goto(server_url + "/")
    assert "default-src 'self'" in csp_of(response) and "script-src 'self' 'wasm-unsafe-eval'" in csp_of(response)
    worker_policies = {}
    page.on("response", lambda r: r.url.endswith("-worker.js") and worker_policies.update({r.url.rsplit("/", 1)[1]: csp_of(r)}))
    async with page.expect_response(re.compile(r"/session/[0-9a-f-]{36}$")) as session_response:
        await page.get_by_role("button", name="Create session").click()
    assert "default-src 'self'" in csp_of(await session_response.value)
    await expect(connection(page)).to_have_text("Connected", timeout=15_000)

    # The editor takes typing and sends it.
    await editor(page).click()
    await page.keyboard.press("ControlOrMeta+End")
    await page.keyboard.type("\n# typed under the policy")
    await expect(editor(page)).to_contain_text("# typed under the policy")
    text, _ = await settled(page)
    assert text.endswith("# typed under the policy")

    await wait_python_ready(page)
    await run(page, "print(1)\n")
    await expect(output(page).locator(".stdout").last).to_have_text("1\n", timeout=20_000)
    await expect(output(page).locator(".system").last).to_contain_text("finished in")

    await switch_to_javascript(page)
    await run(page, "console.log(2);\n")
    await expect(output(page).locator(".stdout").last).to_have_text("2\n", timeout=10_000)
    await expect(output(page).locator(".system").last).to_contain_text("finished in")
    # Both workers ran under their own, stricter policies.
    assert worker_policies.get("python-worker.js", "").startswith("default-src 'self'"), worker_policies
    assert worker_policies.get("js-worker.js", "").startswith("default-src 'none'"), worker_policies
    assert pages.console_errors == []


async def test_the_not_found_page_works_under_the_csp(pages, server_url):
    page = await pages.new()
    url = f"{server_url}/session/{uuid.uuid4()}"
    response = await page.goto(url)
    assert response.status == 404
    assert "default-src 'self'" in csp_of(response)
    await expect(page.get_by_role("heading", name="This session does not exist")).to_be_visible()
    # Its script works: the button makes a session and opens it.
    await page.get_by_role("button", name="Create session").click()
    await expect(page).to_have_url(re.compile(r"/session/[0-9a-f-]{36}$"))
    await expect(connection(page)).to_have_text("Connected", timeout=15_000)
    assert pages.console_errors == [status_logged(url, 404, "Not Found")]


async def test_the_session_full_page_works_under_the_csp(pages, capped_url):
    session_id = new_session(capped_url, "javascript")
    ws_url = capped_url.replace("http", "ws") + f"/ws/{session_id}"
    async with aiohttp.ClientSession() as client:
        sockets = [await client.ws_connect(ws_url) for _ in range(CAP)]  # scripts count as connections too
        for socket in sockets:
            assert (await socket.receive_json(timeout=5))["type"] == "session_state"
        page = await pages.new()
        url = f"{capped_url}/session/{session_id}"
        response = await page.goto(url)
        assert response.status == 409
        assert "default-src 'self'" in csp_of(response)
        await expect(page.get_by_role("heading", name="This session is full")).to_be_visible()
        await expect(page.get_by_role("link", name="Try again now")).to_be_visible()
        for socket in sockets:
            await socket.close()
    assert pages.console_errors == [status_logged(url, 409, "Conflict")]


# --- 2. The JavaScript sandbox under its worker policy -------------------------------------------


async def test_javascript_code_reaches_no_network(pages, server_url):
    probe = f"sandbox-probe-{uuid.uuid4().hex}"  # in every address the code tries: the server's log must never see it
    page = await join_as(pages, server_url, new_session(server_url, "javascript"), "Ada")
    await expect(page.get_by_role("status", name="JavaScript")).to_have_text("JavaScript ready", timeout=15_000)
    messages = []
    page.on("console", lambda msg: messages.append((msg.type, msg.text, msg.location.get("url", ""))))
    attempts = {
        "fetch": f"await fetch('/api/health?{probe}');",
        "import data": "await import('data:text/javascript,export default 1');",
        "import same origin": f"await import('/static/dist/{probe}.js');",
        "WebSocket": "new WebSocket('ws://127.0.0.1:1');",
        "importScripts": f"importScripts('/static/dist/{probe}.js');",
        "XMLHttpRequest": f"const x = new XMLHttpRequest(); x.open('GET', '/{probe}'); x.send();",
        "EventSource": f"new EventSource('/{probe}');",
        "FontFace": f"await new FontFace('f', 'url(/{probe}.woff)').load();",
        "prototype fetch": f"await WorkerGlobalScope.prototype.fetch.call(self, '/{probe}');",
    }
    panel = output(page)
    for what, code in attempts.items():
        await run(page, f"{code}\nconsole.log('reached');\n")
        await expect(panel.locator(".system").last).to_contain_text("error", timeout=10_000)
        print(what, repr(await panel.locator(".stderr").last.text_content()))
    print(messages)
    print(pages.console_errors)

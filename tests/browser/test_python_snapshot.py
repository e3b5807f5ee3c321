"""Python starts from the snapshot made at build time (static/build-snapshot.mjs), as if it had started the normal
way; a missing, stale or broken snapshot falls back to a normal start and Python still runs."""

from __future__ import annotations

import json
import struct
import urllib.request

import pytest
from playwright.async_api import expect

from .conftest import create_session
from .helpers import output, set_code, wait_python_ready

pytestmark = pytest.mark.python

SNAPSHOT = "**/static/pyodide/pyodide-snapshot.bin"
ZONE = "Asia/Kolkata"  # +05:30 all year, not the build's UTC
# What a program can see of how Python started: the same whichever way it did.
PORTRAIT = """import os, sys, time
print(sys.executable, sys.argv, sys.path)
print(sorted(os.environ.items()))
print(time.timezone, time.altzone, time.daylight, time.tzname, time.localtime().tm_zone, time.strftime("%z"))
print(sorted(name for name in sys.modules if not name.startswith("_interview_pad")))
"""


async def python_page(pages, server_url, route=None, responses: list | None = None):
    """A page of a new session, in a context of its own in ZONE, once Python is ready. `route` serves the snapshot;
    `responses` gets every response the context receives."""
    page = await pages.person(timezone_id=ZONE)
    if route:
        await page.context.route(SNAPSHOT, route)
    if responses is not None:
        page.context.on("response", lambda response: responses.append(response))
    await page.goto(f"{server_url}/session/{create_session(server_url)}")
    await wait_python_ready(page)
    return page


async def how_python_started(page) -> dict:
    """What the worker said when it was ready: {"start": "snapshot" | "normal", "why": why not the snapshot}."""
    worker = next(worker for worker in page.workers if "python-worker" in worker.url)
    return await worker.evaluate("performance.getEntriesByName('python-started')[0].detail")


async def run(page, code: str) -> list[str]:
    """Run `code`; the lines it printed."""
    await page.get_by_role("button", name="Clear output").click()
    await set_code(page, code)
    await page.get_by_role("button", name="Run").click()
    await expect(output(page).locator(".system")).to_contain_text("finished", timeout=15_000)
    return "".join(await output(page).locator(".stdout").all_inner_texts()).splitlines()


def served_snapshot(server_url: str) -> bytes:
    with urllib.request.urlopen(f"{server_url}/static/pyodide/pyodide-snapshot.bin", timeout=10) as response:
        return response.read()


def with_header(snapshot: bytes, **changes) -> bytes:
    """The snapshot with its header's fields changed (layout: static/src/python-snapshot.js)."""
    (length,) = struct.unpack_from("<I", snapshot, 4)
    header = json.loads(snapshot[8 : 8 + length]) | changes
    encoded = json.dumps(header).encode()
    return snapshot[:4] + struct.pack("<I", len(encoded)) + encoded + snapshot[8 + length :]


def with_other_build_id(snapshot: bytes) -> bytes:
    """Pyodide's own image follows the header; its build id (of the wasm) is at bytes 16-48 of that image."""
    (length,) = struct.unpack_from("<I", snapshot, 4)
    at = 8 + length + 16
    return snapshot[:at] + bytes(b ^ 0xFF for b in snapshot[at : at + 4]) + snapshot[at + 4 :]


async def test_python_starts_from_the_snapshot_as_a_normal_start_would(pages, server_url):
    responses = []
    page = await python_page(pages, server_url, responses=responses)
    assert await how_python_started(page) == {"start": "snapshot"}
    (snapshot,) = [response for response in responses if response.url.endswith("/pyodide-snapshot.bin")]
    headers = await snapshot.all_headers()
    assert snapshot.status == 200
    assert (headers["content-encoding"], headers["content-type"]) == ("br", "application/octet-stream")
    from_snapshot = await run(page, PORTRAIT)
    assert from_snapshot[2] == "-19800 -19800 0 ('UTC+0530', 'UTC+0530') UTC+0530 +0530"  # the page's zone, not UTC

    normal = await python_page(pages, server_url, lambda route: route.fulfill(status=404))
    assert (await how_python_started(normal))["start"] == "normal"
    assert await run(normal, PORTRAIT) == from_snapshot
    assert pages.console_errors == []


async def test_each_start_from_the_snapshot_has_its_own_random_numbers(pages, server_url):
    numbers = []
    for _ in range(2):
        page = await python_page(pages, server_url)
        assert (await how_python_started(page))["start"] == "snapshot"
        numbers.append(await run(page, "import random, uuid\nprint(random.random(), uuid.uuid4())\n"))
    assert numbers[0] != numbers[1]


@pytest.mark.parametrize(
    ("broken", "why"),
    [
        ("missing", "no start-up snapshot (HTTP 404)"),
        ("cut short", "the start-up snapshot is cut short"),
        ("made for another wasm", "Snapshot build id mismatch"),
        ("made with another standard library", "the snapshot was made with another standard library"),
        ("made with another environment", "the snapshot has another environment"),
    ],
)
async def test_a_snapshot_that_does_not_fit_falls_back_to_a_normal_start(pages, server_url, broken, why):
    snapshot = served_snapshot(server_url)
    body = {
        "missing": None,
        "cut short": snapshot[: len(snapshot) // 2],
        "made for another wasm": with_other_build_id(snapshot),
        "made with another standard library": with_header(snapshot, stdlib="0" * 64),
        "made with another environment": with_header(snapshot, env={"PYTHONHASHSEED": "0"}),
    }[broken]

    async def serve(route):
        if body is None:
            await route.fulfill(status=404)
        else:
            await route.fulfill(body=body, content_type="application/octet-stream")

    page = await python_page(pages, server_url, serve)
    assert await how_python_started(page) == {"start": "normal", "why": why}
    assert await run(page, "import json\nprint(json.dumps({'answer': 6 * 7}))\n") == ['{"answer": 42}']
    assert pages.console_errors == []

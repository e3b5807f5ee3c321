"""Running Python in the browser: output, tracebacks, Stop, Ctrl-Enter, output cap."""

from __future__ import annotations

import pytest
from playwright.async_api import expect

from .conftest import allow_python, create_session
from .helpers import open_session, output, set_code, wait_python_ready

pytestmark = pytest.mark.python  # every test here runs Python, or checks how its loading fails


async def _ready_page(pages, server_url):
    page = await open_session(pages, server_url, create_session(server_url))
    await wait_python_ready(page)
    return page


async def test_run_prints_output_in_order(pages, server_url):
    page = await _ready_page(pages, server_url)
    await set_code(page, 'import sys\nprint("first")\nprint("oops", file=sys.stderr)\nprint("last")\n')
    await page.get_by_role("button", name="Run").click()
    panel = output(page)
    await expect(panel.locator(".system")).to_contain_text("finished")
    await expect(panel.locator(".stdout").first).to_contain_text("first")
    await expect(panel.locator(".stderr")).to_have_text("oops\n")
    text = await panel.locator("pre").inner_text()
    assert text.index("first") < text.index("oops") < text.index("last")
    assert pages.console_errors == []


async def test_each_run_starts_from_a_fresh_namespace(pages, server_url):
    page = await _ready_page(pages, server_url)
    await set_code(page, 'try:\n    counter += 1\nexcept NameError:\n    counter = 1\nprint("counter", counter)\n')
    run = page.get_by_role("button", name="Run")
    for runs in (1, 2):  # each run's output before the next click (Run is enabled again only a moment after it)
        await run.click()
        await expect(output(page).locator(".stdout")).to_have_count(runs)
        await expect(run).to_be_enabled()
    await expect(output(page).locator(".stdout")).to_have_text(["counter 1\n", "counter 1\n"])


async def test_exception_shows_a_clean_traceback(pages, server_url):
    page = await _ready_page(pages, server_url)
    await set_code(page, "def divide(a, b):\n    return a / b\n\ndivide(1, 0)\n")
    await page.keyboard.press("ControlOrMeta+Enter")
    stderr = output(page).locator(".stderr")
    await expect(stderr).to_contain_text("ZeroDivisionError: division by zero")
    traceback = await stderr.inner_text()
    assert "Traceback (most recent call last)" in traceback
    assert "line 2, in divide" in traceback
    assert "_pyodide" not in traceback and "_base.py" not in traceback


async def test_stop_interrupts_an_endless_loop_and_the_next_run_works(pages, server_url):
    page = await _ready_page(pages, server_url)
    run, stop = page.get_by_role("button", name="Run"), page.get_by_role("button", name="Stop")
    await expect(stop).to_be_disabled()
    await set_code(page, "while True:\n    pass\n")
    await run.click()
    await expect(stop).to_be_enabled()
    await page.wait_for_timeout(300)
    await stop.click()
    await expect(output(page).locator(".system").last).to_contain_text("stopped", timeout=10_000)
    await wait_python_ready(page)
    await set_code(page, 'print("alive")\n')
    await run.click()
    await expect(output(page).locator(".stdout").last).to_have_text("alive\n")


async def run_then_stop(page, code: str) -> None:
    """Run a program that does not end by itself, press Stop, and wait for '— stopped —'."""
    await set_code(page, code)
    await page.get_by_role("button", name="Run").click()
    await page.wait_for_timeout(300)
    await page.get_by_role("button", name="Stop").click()
    await expect(output(page).locator(".system").last).to_contain_text("stopped", timeout=10_000)


async def test_stop_ends_a_sleeping_program(pages, server_url):
    page = await _ready_page(pages, server_url)
    await run_then_stop(page, "import time\ntime.sleep(1000)\n")
    await wait_python_ready(page)
    await set_code(page, 'print("after sleep")\n')
    await page.get_by_role("button", name="Run").click()
    await expect(output(page).locator(".stdout").last).to_have_text("after sleep\n")


async def test_huge_output_is_capped_with_a_note(pages, server_url):
    page = await _ready_page(pages, server_url)
    await set_code(page, 'for i in range(100000):\n    print("line", i)\n')
    await page.get_by_role("button", name="Run").click()
    panel = output(page)
    await expect(panel).to_contain_text("output truncated", timeout=20_000)
    assert len(await panel.locator("pre").inner_text()) < 300_000


async def test_in_an_iframe_without_isolation_stop_terminates_and_respawns(pages, server_url, host_page):
    """As inside an LMS iframe: not cross-origin isolated, so no interrupt buffer; Stop must still work."""
    session_url = f"{server_url}/session/{create_session(server_url)}"
    page = await pages.new(
        host_page(f'<h1>Course page</h1><iframe src="{session_url}" width="1000" height="600"></iframe>')
    )
    await allow_python(page)
    pad = page.frame_locator("iframe")
    await expect(pad.get_by_role("status", name="Connection")).to_have_text("Connected", timeout=15_000)
    assert await page.frames[1].evaluate("crossOriginIsolated") is False
    await expect(pad.get_by_role("status", name="Python")).to_have_text("Python ready", timeout=60_000)
    await pad.get_by_role("textbox", name="Code editor").click()
    await page.keyboard.press("ControlOrMeta+a")
    await page.keyboard.insert_text("while True:\n    pass\n")
    await pad.get_by_role("button", name="Run").click()
    await page.wait_for_timeout(300)
    await pad.get_by_role("button", name="Stop").click()
    await expect(pad.get_by_role("region", name="Output").locator(".system").last).to_contain_text(
        "stopped", timeout=5_000
    )
    await expect(pad.get_by_role("status", name="Python")).to_have_text("Python ready", timeout=60_000)
    await pad.get_by_role("textbox", name="Code editor").click()
    await page.keyboard.press("ControlOrMeta+a")
    await page.keyboard.insert_text('print("fresh worker")\n')
    await pad.get_by_role("button", name="Run").click()
    await expect(pad.get_by_role("region", name="Output").locator(".stdout").last).to_have_text("fresh worker\n")


async def test_python_that_cannot_load_says_so(pages, server_url):
    page = await pages.new()
    await allow_python(page)  # the rest of Pyodide loads, as it would
    await page.route("**/static/pyodide/pyodide.asm.wasm", lambda route: route.abort())
    await page.goto(f"{server_url}/session/{create_session(server_url)}")
    status = page.get_by_role("status", name="Python")
    await expect(status).to_contain_text("Python failed to load", timeout=30_000)
    await expect(page.get_by_role("button", name="Run")).to_be_disabled()
    pages.console_errors.clear()  # the aborted download is logged, as it should be


async def test_an_error_after_huge_output_still_shows_its_traceback(pages, server_url):
    page = await _ready_page(pages, server_url)
    await set_code(page, 'for i in range(100000):\n    print(i)\nraise ValueError("after all that")\n')
    await page.get_by_role("button", name="Run").click()
    panel = output(page)
    await expect(panel.locator(".system").last).to_contain_text(
        "error", timeout=60_000
    )  # a deadline, not a speed claim: 100,000 prints take ~5 s alone, longer beside a parallel suite
    await expect(panel).to_contain_text("output truncated")
    await expect(panel.locator(".stderr").last).to_contain_text("ValueError: after all that")


async def test_stop_shows_no_traceback_noise(pages, server_url):
    page = await _ready_page(pages, server_url)
    await run_then_stop(page, "while True:\n    pass\n")
    assert await output(page).locator(".stderr").count() == 0


async def test_a_missing_python_runtime_is_reported_at_once(pages, server_url):
    """An operator who skipped the build (no Pyodide copy) gets a clear message, not a 60 s wait."""
    page = await pages.new()
    await allow_python(page)  # the rest of Pyodide loads, as it would
    await page.route("**/static/pyodide/pyodide.asm.wasm", lambda route: route.fulfill(status=404, body="not here"))
    await page.goto(f"{server_url}/session/{create_session(server_url)}")
    await expect(page.get_by_role("status", name="Python")).to_contain_text(
        "the Python runtime is missing on the server (HTTP 404)", timeout=15_000
    )
    pages.console_errors.clear()

"""input() and prompt() from the Input box, interactive input() while a run waits, the run time
limit, and JavaScript runs: console output, errors with their line, await and timers, Stop, no network."""

from __future__ import annotations

import json
import urllib.request

import pytest
from playwright.async_api import expect

from .conftest import SHORT_TIME_LIMIT_SECONDS, allow_python, create_session
from .helpers import editor, open_session, output, set_code, settled, wait_python_ready

TIME_LIMIT_SECONDS = SHORT_TIME_LIMIT_SECONDS  # the short_limit_url server's (conftest)


def create_js_session(base_url: str) -> str:
    request = urllib.request.Request(
        base_url + "/api/sessions",
        data=b'{"language": "javascript"}',
        method="POST",
        headers={"Content-Type": "application/json"},
    )
    return json.loads(urllib.request.urlopen(request, timeout=5).read())["session_id"]


async def js_page(pages, base_url):
    page = await open_session(pages, base_url, create_js_session(base_url))
    await expect(page.get_by_role("status", name="JavaScript")).to_have_text("JavaScript ready", timeout=15_000)
    return page


async def run(page, code):
    await set_code(page, code)
    await settled(page)
    await page.get_by_role("button", name="Run").click()


@pytest.mark.python
async def test_the_input_box_feeds_input(pages, server_url):
    page = await open_session(pages, server_url, create_session(server_url))
    await wait_python_ready(page)
    await page.get_by_text("Input", exact=True).click()
    await page.get_by_role("textbox", name="Program input").fill("Ada\n3")
    # A filled box is read like a file: it ends where the box ends (no prompt).
    await run(
        page,
        'name = input("Name? ")\ntimes = int(input())\nprint(name * times)\nimport sys\nprint(sys.stdin.read() == "")\n',
    )
    await expect(output(page).locator(".stdout").last).to_have_text("Name? AdaAdaAda\nTrue\n", timeout=20_000)
    await expect(output(page).locator(".system").last).to_contain_text("finished in")
    await expect(page.get_by_role("textbox", name="Input for the program")).to_be_hidden()


@pytest.mark.python
async def test_input_waits_for_a_typed_line_that_everyone_sees(pages, server_url):
    session_id = create_session(server_url)
    page = await open_session(pages, server_url, session_id)
    watcher = await open_session(pages, server_url, session_id)
    await wait_python_ready(page)
    assert await page.evaluate("crossOriginIsolated") is True
    await run(page, 'n = int(input("Your number: "))\nprint("double", n * 2)\n')
    field = page.get_by_role("textbox", name="Input for the program")
    await expect(field).to_be_focused(timeout=20_000)
    await expect(output(page).locator(".stdout").last).to_have_text("Your number: ")
    await page.wait_for_timeout(300)  # waiting for a person is not "running": no time-out, no output
    await field.fill("21")
    await field.press("Enter")
    await expect(field).to_be_hidden()
    for seen_by in (page, watcher):
        await expect(output(seen_by).locator(".stdout").last).to_have_text(
            "Your number: 21\ndouble 42\n", timeout=10_000
        )
        await expect(output(seen_by).locator(".system").last).to_contain_text("finished in")


@pytest.mark.python
async def test_typed_input_ends_with_end_of_input(pages, server_url):
    page = await open_session(pages, server_url, create_session(server_url))
    await wait_python_ready(page)
    await run(page, 'import sys\nlines = sys.stdin.read().splitlines()\nprint(len(lines), "lines:", lines)\n')
    field = page.get_by_role("textbox", name="Input for the program")
    for line in ("one", "two"):
        await expect(field).to_be_focused(timeout=20_000)
        await field.fill(line)
        await field.press("Enter")
    await expect(field).to_be_focused()
    await page.get_by_role("button", name="End of input").click()
    await expect(output(page).locator(".stdout").last).to_contain_text("2 lines: ['one', 'two']", timeout=10_000)


@pytest.mark.python
async def test_stop_while_input_waits(pages, server_url):
    page = await open_session(pages, server_url, create_session(server_url))
    await wait_python_ready(page)
    await run(page, 'input("never answered: ")\nprint("not reached")\n')
    await expect(page.get_by_role("textbox", name="Input for the program")).to_be_visible(timeout=20_000)
    await page.get_by_role("button", name="Stop").click()
    await expect(output(page).locator(".system").last).to_have_text("— stopped —", timeout=5_000)
    await expect(page.get_by_role("textbox", name="Input for the program")).to_be_hidden()
    assert await output(page).locator(".stderr").count() == 0
    await expect(page.get_by_role("status", name="Python")).to_have_text("Python ready")


@pytest.mark.python
async def test_outside_isolation_input_reads_the_box_and_says_when_it_ran_out(pages, server_url, host_page):
    session_url = f"{server_url}/session/{create_session(server_url)}"
    page = await pages.new(host_page(f'<iframe src="{session_url}" width="1100" height="700"></iframe>'))
    pad = page.frame_locator("iframe")
    await allow_python(page)
    await expect(pad.get_by_role("status", name="Python")).to_have_text("Python ready", timeout=60_000)
    assert await page.frames[1].evaluate("crossOriginIsolated") is False
    await pad.get_by_text("Input", exact=True).click()
    await pad.get_by_role("textbox", name="Program input").fill("only line")
    await pad.get_by_role("textbox", name="Code editor").click()
    await page.keyboard.press("ControlOrMeta+a")
    await page.keyboard.insert_text("print(input())\nprint(input())\n")
    await pad.get_by_role("button", name="Run").click()
    panel = pad.get_by_role("region", name="Output")
    await expect(panel.locator(".stdout").first).to_have_text("only line\n", timeout=20_000)
    await expect(panel).to_contain_text("input() read past the last line of the Input box")
    await expect(panel).to_contain_text("needs the pad open in its own tab")
    await expect(panel.locator(".stderr").last).to_contain_text("EOFError")


@pytest.mark.python
async def test_the_time_limit_stops_a_runaway_python_program(pages, short_limit_url):
    page = await open_session(pages, short_limit_url, create_session(short_limit_url))
    await wait_python_ready(page)
    await run(page, 'print("spinning")\nwhile True:\n    pass\n')
    panel = output(page)
    await expect(panel.locator(".stdout").last).to_have_text("spinning\n", timeout=20_000)
    await expect(panel).to_contain_text(
        f"the run took longer than {TIME_LIMIT_SECONDS} s (the time limit)", timeout=10_000
    )
    await expect(panel.locator(".system").last).to_have_text(f"— stopped: over the {TIME_LIMIT_SECONDS} s time limit —")
    await expect(page.get_by_role("status", name="Python")).to_have_text("Python ready", timeout=30_000)


async def test_the_time_limit_stops_a_runaway_javascript_program(pages, short_limit_url):
    page = await js_page(pages, short_limit_url)
    await run(page, "console.log('spinning');\nwhile (true) {}\n")
    panel = output(page)
    await expect(panel.locator(".system").last).to_have_text(
        f"— stopped: over the {TIME_LIMIT_SECONDS} s time limit —", timeout=10_000
    )
    await expect(panel.locator(".stdout").last).to_have_text("spinning\n")
    await expect(page.get_by_role("status", name="JavaScript")).to_have_text("JavaScript ready")


async def test_javascript_console_output_await_and_timers(pages, server_url):
    page = await js_page(pages, server_url)
    await run(
        page,
        "\n".join(
            [
                "console.log('object', { n: 1, list: [1, 'two'] });",
                "console.error('to stderr');",
                "await new Promise((resolve) => setTimeout(resolve, 50));",
                "console.log('after await');",
                "setTimeout(() => console.log('timer ran'), 150);",
                "console.log(typeof fetch, typeof WebSocket, typeof XMLHttpRequest, typeof indexedDB);",
            ]
        )
        + "\n",
    )
    panel = output(page)
    await expect(panel.locator(".system").last).to_contain_text("finished in", timeout=10_000)
    await expect(panel.locator(".stdout")).to_have_text(
        [
            "object { n: 1, list: [ 1, 'two' ] }\n",
            "after await\nundefined undefined undefined undefined\ntimer ran\n",
        ]
    )
    await expect(panel.locator(".stderr")).to_have_text("to stderr\n")


async def test_javascript_errors_name_the_line(pages, server_url):
    page = await js_page(pages, server_url)
    await run(page, "const a = 1;\nconsole.log('before');\nnull.boom;\n")
    panel = output(page)
    await expect(panel.locator(".stderr").last).to_contain_text("TypeError", timeout=10_000)
    await expect(panel.locator(".stderr").last).to_contain_text("main.js:3")
    await expect(panel.locator(".system").last).to_contain_text("error")


async def test_stop_ends_a_javascript_loop_and_the_next_run_works(pages, server_url):
    page = await js_page(pages, server_url)
    await run(page, "while (true) {}\n")
    await page.wait_for_timeout(300)
    await page.get_by_role("button", name="Stop").click()
    await expect(output(page).locator(".system").last).to_have_text("— stopped —", timeout=5_000)
    await expect(page.get_by_role("status", name="JavaScript")).to_have_text("JavaScript ready")
    await editor(page).click()
    await run(page, "console.log(prompt('Name?'));\n")
    await expect(output(page).locator(".stdout").last).to_have_text("Name? null\n", timeout=10_000)

"""Lua in real Chromium: a run (reading the Input box with io.read) is seen by every participant, an error shows
its line, an endless loop is stopped by Stop and by the time limit (and the next run works), and a problem's
Lua checks pass with the reference solution and fail with the starter, and its Lua hidden checks run in the
interviewer's browser on the candidate's code. No request leaves localhost (`pages`)."""

from __future__ import annotations

import os
import time
import urllib.request
from pathlib import Path

import pytest
from playwright.async_api import expect

from ..support.server_process import ROOT, ServerProcess
from .conftest import Logs, create_session_links
import re

from .helpers import connected, open_tab, output, set_code, settled, side_tab, language_page, run_code

TIME_LIMIT_SECONDS = 2
RUNAWAY = "local n = 0\nwhile true do\n  n = n + 1\nend\n"
PROGRAM = """local name = io.read()
local a, b = io.read("n", "n")
local counts = {}
for word in ("the cat and the hat"):gmatch("%a+") do
  counts[word] = (counts[word] or 0) + 1
end
print(("Hello, %s! %d + %d = %d"):format(name, a, b, a + b))
print("the", counts.the, 7 // 2, 7 / 2, math.type(2^53))
io.write("no newline")
"""
ERROR = """local function area(shape)
  return shape.width * shape.height
end

print("before")
print(area({ width = 2 }))
"""
SHOTS = Path(os.environ.get("LUA_SHOTS_DIR", "/tmp/shots20-lua"))


def create(base_url: str, **fields) -> str:
    """A Lua session (unless `fields` say otherwise); its id."""
    return create_session_links(base_url, **{"language": "lua", **fields})["session_id"]


@pytest.fixture(scope="module")
def short_limit_url(tmp_path_factory):
    """A server whose runs may take 2 s at most."""
    server = ServerProcess(
        "--data-dir",
        str(tmp_path_factory.mktemp("lua-limit")),
        "--run-time-limit",
        str(TIME_LIMIT_SECONDS),
        log_path=Logs.path("server-lua-limit.log"),
    )
    server.start()
    yield server.url
    server.terminate()


async def lua_page(pages, base_url, session_id, person=False):
    return await language_page(pages, f"{base_url}/session/{session_id}", "Lua", person)


run = run_code


async def test_a_run_reads_the_input_box_both_pages_see_it_and_an_error_shows_its_line(pages, server_url):
    session = create(server_url)
    page = await lua_page(pages, server_url, session)
    other = await lua_page(pages, server_url, session, person=True)
    # The starter is Lua, highlighted by the Lua mode (loaded when the language was chosen).
    await expect(page.locator(".cm-line").first).to_have_text("local function greet(name)")
    await expect(page.locator(".cm-line").first.locator("span").first).to_have_text("local")

    # The worker runs under its own policy: Lua's wasm from this server, nothing else (as SQL's).
    worker_url = await page.evaluate("document.querySelector('main[data-session-id]').dataset.workerLua")
    with urllib.request.urlopen(server_url + worker_url, timeout=5) as response:
        assert response.headers["Content-Security-Policy"] == (
            "default-src 'none'; script-src 'wasm-unsafe-eval'; connect-src 'self'; base-uri 'none'"
        )

    await page.get_by_text("Input", exact=True).click()
    box = page.get_by_role("textbox", name="Program input")
    await expect(box).to_have_attribute("placeholder", "Lines typed here are read by io.read, one per call.")
    await box.fill("Ada\n20 22")
    await run(page, PROGRAM)
    expected = "Hello, Ada! 20 + 22 = 42\nthe\t2\t3\t3.5\tfloat\nno newline"
    for viewer in (page, other):
        await expect(output(viewer).locator(".run").last.locator(".stdout")).to_have_text(expected, timeout=10_000)
        await expect(output(viewer).locator(".run").last.locator(".system").last).to_contain_text("— finished in")

    await run(page, ERROR)
    for viewer in (page, other):
        last = output(viewer).locator(".run").last
        await expect(last.locator(".stdout")).to_have_text("before\n", timeout=10_000)
        await expect(last.locator(".stderr")).to_have_text(
            "main.lua:2: attempt to perform arithmetic on a nil value (field 'height')\n"
            "stack traceback:\n\tmain.lua:2: in local 'area'\n\tmain.lua:6: in main chunk\n"
        )
    await expect(output(page).locator(".run").last.locator(".system").last).to_contain_text("— error after")

    await run(page, "print(1\nlocal x = = 2\n")
    await expect(output(other).locator(".run").last.locator(".stderr")).to_have_text(
        "main.lua:2: ')' expected (to close '(' at line 1) near 'local'\n", timeout=10_000
    )
    await run(page, PROGRAM)
    await expect(output(page).locator(".run").last.locator(".stdout")).to_have_text(expected, timeout=10_000)
    await screenshots(page, "lua-output")


async def test_an_endless_loop_is_stopped_by_stop_and_the_next_run_works(pages, server_url):
    page = await lua_page(pages, server_url, create(server_url))
    await run(page, RUNAWAY)
    stop = page.get_by_role("button", name="Stop")
    await expect(stop).to_be_enabled()
    await page.wait_for_timeout(300)  # well into the loop
    await stop.click()
    stopped = time.monotonic()
    await expect(output(page).locator(".run").last.locator(".system").last).to_have_text("— stopped —")
    await expect(page.get_by_role("status", name="Lua")).to_have_text("Lua ready", timeout=5_000)
    assert time.monotonic() - stopped < 2, "a fresh Lua worker is ready within a moment"
    await run(page, "print(6 * 7)")
    await expect(output(page).locator(".run").last.locator(".stdout")).to_have_text("42\n", timeout=10_000)


async def test_an_endless_loop_is_stopped_by_the_time_limit(pages, short_limit_url):
    page = await lua_page(pages, short_limit_url, create(short_limit_url))
    await run(page, RUNAWAY)
    last = output(page).locator(".run").last
    await expect(last.locator(".system").last).to_have_text(
        f"— stopped: over the {TIME_LIMIT_SECONDS} s time limit —", timeout=10_000
    )
    await expect(page.get_by_role("status", name="Lua")).to_have_text("Lua ready", timeout=5_000)
    await run(page, 'print("again")')
    await expect(output(page).locator(".run").last.locator(".stdout")).to_have_text("again\n", timeout=10_000)


async def test_a_problem_s_lua_checks_pass_the_reference_and_fail_the_starter(pages, server_url):
    page = await lua_page(pages, server_url, create(server_url, problem="valid-parentheses"))
    await expect(page.locator(".cm-content")).to_contain_text("function is_valid(s)")
    checks = page.get_by_role("button", name="Run checks")
    await checks.click()
    last = output(page).locator(".run").last
    await expect(last).to_contain_text("Passed 0 of 8 checks.", timeout=10_000)
    await expect(last).to_contain_text('✗ is_valid("(]") returned nil, expected false')

    solution = (ROOT / "tests" / "fixtures" / "solutions" / "valid-parentheses.lua").read_text(encoding="utf-8")
    await set_code(page, solution)
    await settled(page)
    await checks.click()
    last = output(page).locator(".run").last
    await expect(last).to_contain_text("Passed 8 of 8 checks.", timeout=10_000)
    await expect(last).to_contain_text('✓ is_valid("([)]") == false')
    await screenshots(page, "lua-problem")

    # A problem without a Lua version refuses the switch, and the toast says why.
    other = await connected(
        await pages.new(f"{server_url}/session/{create(server_url, problem='two-sum', language='python')}")
    )
    await other.get_by_role("combobox", name="Language").select_option(label="Lua")
    await expect(other.locator("#toast")).to_contain_text("has no Lua version")


async def test_a_problem_s_lua_hidden_checks_run_in_the_interviewer_s_browser(pages, server_url):
    created = create_session_links(server_url, language="lua", problem="valid-parentheses")
    host = await connected(await pages.person(created["host_url"], name="Ada"))
    candidate = await lua_page(pages, server_url, created["session_id"])
    await expect(side_tab(host, "Tests")).to_be_visible()
    await expect(host.locator("#panel-tests .grading-status")).to_have_text("", timeout=30_000)  # worker ready

    await candidate.get_by_role("button", name="Run", exact=True).click()  # the starter: every case fails
    await expect(side_tab(host, re.compile(r"^Tests, 0\/11$"))).to_be_visible(timeout=10_000)
    await open_tab(host, "Tests")
    result = host.get_by_role("region", name="Hidden tests").get_by_role("region", name="Hidden test result")
    await expect(result.get_by_role("heading", level=3)).to_have_text("0 of 11 passed")
    cases = result.get_by_role("list", name="Hidden test cases").get_by_role("listitem")
    await expect(cases).to_have_count(11)
    await expect(cases.filter(has_text="every type nested")).to_contain_text("returned null, expected true")

    solution = (ROOT / "tests" / "fixtures" / "solutions" / "valid-parentheses.lua").read_text(encoding="utf-8")
    await set_code(candidate, solution.replace("function is_valid", "local function is_valid"))  # locals are seen
    await settled(candidate)
    await candidate.get_by_role("button", name="Run", exact=True).click()
    await expect(side_tab(host, re.compile(r"^Tests, 11\/11$"))).to_be_visible(timeout=10_000)


async def test_the_landing_page_creates_a_lua_session_with_a_lua_problem(pages, server_url):
    page = await pages.new(server_url + "/")
    await page.get_by_role("button", name="Browse problems…").click()
    dialog = page.get_by_role("dialog", name="Choose a problem")
    await dialog.get_by_role("combobox", name="Language").select_option(label="Lua")
    # Only the problems with a Lua starter are offered.
    await expect(dialog.get_by_label("Problem", exact=True).locator("option")).to_have_count(4)
    await dialog.get_by_label("Problem", exact=True).select_option(label="Merge Intervals")
    await dialog.get_by_role("button", name="Choose problem").click()
    await page.get_by_role("combobox", name="Language").select_option(label="Lua")
    await page.get_by_role("button", name="Create session").click()
    await expect(page.get_by_role("status", name="Lua")).to_have_text("Lua ready", timeout=15_000)
    await expect(page.locator(".cm-content")).to_contain_text("function merge_intervals(intervals)")


async def screenshots(page, name):
    """Light, dark and phone-width screenshots, for people to look at (LUA_SHOTS_DIR, /tmp/shots20-lua)."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    for scheme in ("light", "dark"):
        await page.emulate_media(color_scheme=scheme)
        await page.wait_for_timeout(100)
        await page.screenshot(path=str(SHOTS / f"{name}-{scheme}.png"))
    await page.emulate_media(color_scheme="light")
    size = page.viewport_size
    await page.set_viewport_size({"width": 390, "height": 844})
    await page.wait_for_timeout(200)
    await page.screenshot(path=str(SHOTS / f"{name}-phone.png"))
    await page.set_viewport_size(size)

"""Grading in real Chromium (issue 19): the interviewer's hidden tests run in the interviewer's own browser after
each candidate run while the candidate sees only the count; scorecards by two hosts; the shared timer; the report
printed; the question bank's search, filters and preview."""

from __future__ import annotations

import json
import re
import time
import urllib.request

import pytest
from playwright.async_api import Page, expect

from .conftest import new_context
from .helpers import editor, open_tab, output, set_code, settled, side_tab, wait_python_ready

WRONG = (  # only looks at neighbours: fails the hidden cases whose pair is apart
    "def two_sum(nums, target):\n"
    "    for i in range(len(nums) - 1):\n"
    "        if nums[i] + nums[i + 1] == target:\n"
    "            return [i, i + 1]\n"
    "    return [0, 1]\n"
)
RIGHT = (
    "def two_sum(nums, target):\n"
    "    seen = {}\n"
    "    for i, n in enumerate(nums):\n"
    "        if target - n in seen:\n"
    "            return [seen[target - n], i]\n"
    "        seen[n] = i\n"
    "    return []\n"
)
# Text of Two Sum's hidden checks and of what they report, none of which a candidate may receive.
HIDDEN_TEXTS = [
    "negative numbers only",
    "half the target appears once",
    "_evens",
    "grade(",
    "hidden-checks",
    "expected [2, 4]",
    "Run hidden tests on version",
    "hidden-case",
]


def create(base_url: str, **fields) -> dict:
    request = urllib.request.Request(
        base_url + "/api/sessions",
        data=json.dumps(fields).encode(),
        method="POST",
        headers={"Content-Type": "application/json"},
    )
    return json.loads(urllib.request.urlopen(request, timeout=5).read())


async def connected(page: Page) -> Page:
    await expect(page.get_by_role("status", name="Connection")).to_have_text("Connected", timeout=15_000)
    await expect(editor(page)).to_be_visible()
    return page


async def watched_candidate(pages, url: str, name: str = "Bo"):
    """A candidate's page in its own context, recording every frame it receives and every script it loads."""
    context = await new_context(pages.browser, viewport={"width": 1280, "height": 800})
    pages.contexts.append(context)
    page = await pages.new(None, name=name, context=context)
    frames: list[str] = []
    scripts: list = []
    page.on("websocket", lambda ws: ws.on("framereceived", lambda payload: frames.append(str(payload))))
    context.on(
        "response",
        lambda response: (
            scripts.append(response)
            if response.request.resource_type == "script" or response.url.endswith(".js")
            else None
        ),
    )
    await page.goto(url)
    return await connected(page), frames, scripts


async def run_and_wait(page: Page) -> float:
    """Clicks Run and waits for the run's end in the page's own output; returns when it ended (monotonic)."""
    ends = await output(page).get_by_text(re.compile("— finished in")).count()
    await page.get_by_role("button", name="Run", exact=True).click()
    await expect(output(page).get_by_text(re.compile("— finished in"))).to_have_count(ends + 1, timeout=30_000)
    return time.monotonic()


@pytest.mark.python
async def test_hidden_tests_run_in_the_interviewers_browser_and_the_candidate_sees_only_the_count(pages, server_url):
    created = create(server_url, language="python", problem="two-sum")
    host = await connected(await pages.person(created["host_url"], name="Ada"))
    candidate, frames, scripts = await watched_candidate(pages, created["join_url"])

    # The host has the Tests tab (the candidate has none); its worker boots while the candidate writes code.
    await expect(side_tab(host, "Tests")).to_be_visible()
    await expect(side_tab(candidate, "Tests")).to_have_count(0)
    await expect(side_tab(candidate, "Scorecard")).to_have_count(0)
    await wait_python_ready(host)
    await open_tab(host, "Tests")
    tests = host.get_by_role("region", name="Hidden tests")
    await expect(tests.get_by_role("checkbox", name="Run after each candidate run")).to_be_checked()
    await expect(host.locator("#panel-tests .grading-status")).to_have_text("", timeout=60_000)  # worker ready
    await open_tab(host, "Output")

    await set_code(candidate, WRONG)
    await settled(candidate)
    await wait_python_ready(candidate)
    ended = await run_and_wait(candidate)
    # Within 2 s of the run's end the host's tab shows the count, with an attention badge while another tab is open.
    await expect(side_tab(host, re.compile(r"^Tests, [0-7]\/8$"))).to_be_visible(timeout=2_000)
    assert time.monotonic() - ended < 2.5
    await open_tab(host, "Tests")
    result = tests.get_by_role("region", name="Hidden test result")
    await expect(result.get_by_role("heading", level=3)).to_have_text(re.compile(r"^[0-7] of 8 passed$"))
    cases = result.get_by_role("list", name="Hidden test cases").get_by_role("listitem")
    await expect(cases).to_have_count(8)
    failing = cases.filter(has_text="negative numbers only")
    await expect(failing).to_contain_text("failed")
    await expect(failing).to_contain_text("expected [2, 4]")
    # The candidate sees how many passed, not which.
    summary = candidate.get_by_role("status", name="Hidden tests")
    await expect(summary).to_have_text(re.compile(r"^Hidden tests: [0-7] of 8 passed \(version \d+\)$"))

    # Fixed: the panel turns green.
    await set_code(candidate, RIGHT)
    await settled(candidate)
    await run_and_wait(candidate)
    await expect(side_tab(host, "Tests, 8/8")).to_be_visible(timeout=5_000)
    await open_tab(host, "Tests")  # a run opens the Output tab ("Open Output when code runs")
    await expect(result.get_by_role("heading", level=3)).to_have_text("8 of 8 passed")
    await expect(cases.filter(has_text="failed")).to_have_count(0)
    await expect(summary).to_have_text(re.compile(r"^Hidden tests: 8 of 8 passed \(version \d+\)$"))
    # Earlier results stay to pick from.
    await expect(tests.get_by_label("Results").locator("option")).to_have_count(2)

    # On demand: the current version, by the button that names it.
    version = await host.evaluate("window.pad.getVersion()")
    await tests.get_by_role("button", name=f"Run hidden tests on version {version}").click()
    await expect(tests.get_by_label("Results").locator("option")).to_have_count(3, timeout=10_000)

    # Nothing of the checks or their results reached the candidate: not a frame, not a script.
    assert frames, "the candidate's frames were recorded"
    for frame in frames:
        kind = json.loads(frame).get("type")
        assert kind not in ("grading", "hidden_results", "scorecard"), frame[:200]
        for text in HIDDEN_TEXTS:
            assert text not in frame, (text, frame[:200])
    assert any(json.loads(frame).get("type") == "hidden_summary" for frame in frames)
    bodies = [await response.text() for response in scripts]
    assert len(bodies) > 3
    for body in bodies:
        for text in HIDDEN_TEXTS:
            assert text not in body, text

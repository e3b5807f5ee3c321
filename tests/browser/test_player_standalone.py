"""The offline export's player: one HTML file with the built export-player.js/.css and a session's history
inlined, opened from file:// with no server, driven by accessible names (play, pause, scrub, jump to run)."""

from __future__ import annotations

import json
import re

import jinja2
import pytest
from playwright.async_api import expect

from interview_server import export
from interview_server.assets import Assets

from ..support.server_process import ROOT
from .conftest import ARTIFACTS
from .helpers import open_in_own_context

DIST = ROOT / "static" / "dist"
SAMPLE = json.loads((ROOT / "tests" / "fixtures" / "history-sample.json").read_text(encoding="utf-8"))


def export_html(history: dict) -> str:
    """The export of `history` exactly as the server writes it (interview_server/export.py)."""
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(ROOT / "templates"), autoescape=True)
    return export.render(history, Assets(ROOT / "static"), env)


@pytest.fixture
def export_url(tmp_path):
    if not (DIST / "manifest.json").is_file():
        pytest.fail("static assets are not built: run `npm run build`")
    path = tmp_path / "interview.html"
    path.write_text(export_html(SAMPLE), encoding="utf-8")
    return path.as_uri()


async def open_export(browser, url, **options):
    """A page of its own context at `url`; returns (page, context, requests, errors)."""
    return await open_in_own_context(browser, url, **options)


async def test_offline_export_plays_scrubs_and_jumps_to_runs(browser, export_url):
    page, context, requests, errors = await open_export(browser, export_url)
    player = page.get_by_role("region", name="Playback")
    position = player.get_by_role("status", name="Playback position")
    play = player.get_by_role("button", name="Play")
    timeline = player.get_by_role("slider", name="Timeline")
    output = player.get_by_role("log", name="Run output")
    chat = player.get_by_role("list", name="Chat at this point")
    code = player.get_by_role("textbox", name="Code at this point")

    await expect(page.get_by_role("heading", name="Two Sum — Ada")).to_be_visible()
    await expect(position).to_contain_text("Version 0 of 214")
    await expect(position).to_contain_text("0:00 / 14:10")
    await expect(code).to_have_text(re.compile(r"^def two_sum\(nums, target\):\s+pass"))
    await expect(output).to_have_text("No run yet at this point.")
    legend = player.get_by_role("list", name="Participants")
    await expect(legend.get_by_role("listitem")).to_have_text([re.compile("^Ada"), re.compile("^Bo"), "Someone"])
    assert await player.get_by_role("button", name="Run this version").count() == 0  # no runCode offline

    # Jump to the first run: the text as it was run, the run started but not yet ended.
    runs = player.get_by_role("list", name="Runs")
    await expect(runs.get_by_role("listitem")).to_have_count(5)
    await expect(runs.get_by_role("listitem").first).to_contain_text("Ada ran version 117 · 2:03")
    await player.get_by_role("button", name="Jump to run 1 (Ada, version 117)").click()
    await expect(position).to_contain_text("Version 117 of 214")
    await expect(position).to_contain_text("2:03 / 14:10")
    await expect(timeline).to_have_attribute("aria-valuetext", "Version 117 · 2:03 of 14:10")
    await expect(code).to_contain_text("print(two_sm([2, 7, 11, 15], 9))")
    await expect(output).to_contain_text("Ada ran version 117 · 2:03")
    await expect(output).not_to_contain_text("NameError")
    await expect(chat.get_by_role("listitem")).to_have_count(2)
    await expect(chat).to_contain_text("I'll start with the brute force, then improve it 🙂")

    # One step on the slider's own keys: past the run's end, its output and status appear.
    await timeline.focus()
    await page.keyboard.press("ArrowRight")
    await expect(output).to_contain_text("NameError: name 'two_sm' is not defined")
    await expect(output).to_contain_text("— error after 840 ms —")
    await page.keyboard.press("ArrowLeft")
    await expect(output).not_to_contain_text("NameError")

    # Scrub to the end: the final text, every chat message as plain text, the last run's output.
    await timeline.fill(str(await timeline.get_attribute("max")))
    await expect(position).to_contain_text("Version 214 of 214")
    await expect(position).to_contain_text("14:10 / 14:10")
    await expect(code).to_contain_text("seen = {}  # value -> index 🚀")
    assert await page.evaluate("window.playback.view.state.doc.toString()") == SAMPLE["text"]
    await expect(chat.get_by_role("listitem")).to_have_count(7)
    await expect(chat).to_contain_text("What about an empty list, or <b>no answer</b>?")
    assert await chat.locator("b").count() == 0
    await expect(output).to_contain_text("Bo ran version 214")
    await expect(output).to_contain_text("— stopped after 3.00 s —")

    # Each person's surviving text is tinted in their colour; the start text is not.
    tint = await page.evaluate("""() => {
      const spans = [...document.querySelectorAll('.pb-author')];
      const of = (text) => spans.filter((s) => s.textContent.includes(text)).map((s) => getComputedStyle(s).backgroundColor);
      return { bo: of('Return the indices'), ada: of('enumerate'), someone: of('[3, 3]'), start: of('def two_sum') };
    }""")
    assert tint["bo"] and tint["ada"] and tint["someone"] and tint["start"] == []
    assert len({tint["bo"][0], tint["ada"][0], tint["someone"][0]}) == 3

    # Play at the end starts again from the beginning; at 16x the playhead moves; Pause stops it.
    await player.get_by_role("combobox", name="Speed").select_option("16")
    await play.click()
    pause = player.get_by_role("button", name="Pause")
    await expect(pause).to_be_visible()
    await expect(position).to_contain_text(re.compile(r"Version (\d|[1-9]\d) of 214"))
    await expect(position).not_to_contain_text("Version 0 of 214")  # the playhead has moved on
    await pause.click()
    await expect(play).to_be_visible()
    paused_at = await position.inner_text()
    assert "Version 0 of 214" not in paused_at
    await page.wait_for_timeout(400)  # 6 s of the recording at 16x: a playhead still moving would show it
    assert await position.inner_text() == paused_at

    # Space in the player toggles playing; at the end it stops by itself and offers Play again.
    await player.get_by_role("button", name="Jump to run 5 (Bo, version 214)").click()
    await timeline.focus()
    await page.keyboard.press("Space")
    await expect(pause).to_be_visible()
    await expect(play).to_be_visible(timeout=10_000)
    await expect(position).to_contain_text("14:10 / 14:10")

    await page.screenshot(path=str(ARTIFACTS / "playback-export-light.png"))
    assert errors == []
    assert all(url.startswith(("file:", "data:")) for url in requests), requests
    await context.close()


async def test_rerun_and_dark_mode(browser, export_url):
    """With runCode, "Run this version" runs the text at the playhead; the page follows a dark OS scheme."""
    page, context, _requests, errors = await open_export(browser, export_url, color_scheme="dark")
    await page.get_by_role("button", name="Jump to run 2 (Ada, version 118)").click()
    await page.get_by_role("slider", name="Timeline").press("ArrowRight")
    await expect(page.get_by_role("log", name="Run output")).to_contain_text("[0, 1]")
    await page.screenshot(path=str(ARTIFACTS / "playback-export-dark.png"))
    background = await page.evaluate("getComputedStyle(document.body).backgroundColor")
    assert background == "rgb(22, 24, 29)"

    # A second player with a runCode, mounted as the host page does (the export's instance is window.playback).
    await page.evaluate("""() => {
      const root = document.createElement('div');
      root.id = 'second';
      document.body.replaceChildren(root);
      const history = JSON.parse(document.getElementById('session-data')?.textContent ?? 'null') ?? window.playback.history;
      window.playback.destroy();
      window.calls = [];
      window.second = new window.playback.constructor({ root, history, runCode: (job) => {
        window.calls.push(job.language);
        job.onOutput('stdout', `${job.code.split('\\n').length} lines\\n`);
        job.onOutput('stderr', 'warning\\n');
        setTimeout(() => job.onEnd('ok'), 50);
      }});
      window.second.seekVersion(118);
    }""")
    player = page.get_by_role("region", name="Playback")
    await expect(player.get_by_role("status", name="Playback position")).to_contain_text("Version 118 of 214")
    lines = await page.evaluate("window.second.timeline.textAt(118).split('\\n').length")
    await player.get_by_role("button", name="Run this version").click()
    output = player.get_by_role("log", name="Run output")
    await expect(output).to_contain_text("Re-run of version 118")
    await expect(output).to_contain_text(f"{lines} lines\n")
    await expect(output).to_contain_text("warning")
    await expect(output).to_contain_text("— ok in")
    assert await page.evaluate("window.calls") == ["python"]
    assert errors == []
    await context.close()


async def test_the_hosts_export_shows_hidden_test_results_and_timer_marks_at_their_times(browser, tmp_path):
    origin = SAMPLE["created_at"]
    from datetime import datetime

    start = int(datetime.fromisoformat(origin.replace("Z", "+00:00")).timestamp() * 1000)
    case = {"name": "negative numbers", "passed": False, "ms": 0.4, "message": "returned [0, 0], expected [0, 2]"}
    history = {
        **SAMPLE,
        "hidden_results": [
            {
                "id": "r1",
                "version": 117,
                "language": "python",
                "run_id": None,
                "by": "h",
                "name": "Ada",
                "at": start + 3 * 60_000,
                "cases": [case, {**case, "name": "empty", "passed": True, "message": ""}],
                "passed": 1,
                "total": 2,
            },
        ],
        "timer_marks": [
            {
                "action": "start",
                "at": start + 60_000,
                "by": "h",
                "name": "Ada",
                "timer": {"duration_ms": 2_700_000, "elapsed_ms": 0, "started_at": start + 60_000},
            }
        ],
    }
    path = tmp_path / "graded.html"
    path.write_text(export_html(history), encoding="utf-8")
    page, context, _requests, errors = await open_export(browser, path.as_uri())
    player = page.get_by_role("region", name="Playback")
    grading = player.get_by_label("Hidden tests and timer at this point")
    await expect(grading).to_contain_text("No hidden-test result yet at this point.")
    await player.get_by_role("slider", name="Timeline").press("End")
    await expect(grading).to_contain_text("Hidden tests: 1 of 2 passed on version 117 (run by Ada)")
    await expect(grading).to_contain_text("negative numbers: returned [0, 0], expected [0, 2]")
    await expect(grading).to_contain_text("1:00 · timer start (45 min) by Ada")
    await page.screenshot(path=str(ARTIFACTS / "export-grading.png"))
    assert errors == []
    await context.close()


async def test_playback_shows_who_was_in_the_call_when(browser, tmp_path):
    """history.calls (join, mute, leave) are lanes under the timeline and a line naming who is in the call."""
    start = 1795950000000  # the sample's creation (2026-11-29T11:00:00Z)
    calls = [
        {"participant": "3f2a9c1d", "in_call": True, "audio": True, "video": True, "at": start + 60_000},
        {"participant": "7b1e04aa", "in_call": True, "audio": True, "video": False, "at": start + 90_000},
        {"participant": "3f2a9c1d", "in_call": True, "audio": False, "video": True, "at": start + 100_000},
        {"participant": "3f2a9c1d", "in_call": False, "audio": False, "video": False, "at": start + 300_000},
    ]
    path = tmp_path / "call.html"
    path.write_text(export_html({**SAMPLE, "calls": calls}), encoding="utf-8")
    page, context, requests, errors = await open_export(browser, path.as_uri())
    call = page.get_by_role("region", name="Playback").get_by_role("region", name="Call")
    now = call.get_by_role("status", name="In the call at this point")
    await expect(now).to_have_text("Nobody in the call at this point")
    await expect(call.get_by_role("img", name="Ada in the call 1:00–5:00")).to_be_visible()
    await expect(call.get_by_role("img", name="Bo in the call 1:30–14:10")).to_be_visible()
    # Run 1 (2:03): both in the call, Ada muted, Bo without a camera.
    await page.get_by_role("button", name="Jump to run 1 (Ada, version 117)").click()
    await expect(now).to_have_text("In the call: Ada (muted), Bo (camera off)")
    await page.get_by_role("slider", name="Timeline").press("End")
    await expect(now).to_have_text("In the call: Bo (camera off)")
    await page.screenshot(path=str(ARTIFACTS / "playback-call-lanes.png"))
    assert errors == []
    await context.close()

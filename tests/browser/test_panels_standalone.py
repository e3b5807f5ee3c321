"""The problem panel and the hosts' notes panel on a page of their own: bundled with esbuild beside a fake
connection (an EventTarget whose send() records frames), driven by accessible names as a person would."""

from __future__ import annotations

import json
import re
import socket
import subprocess
import sys
import time

import pytest
from playwright.async_api import expect

from ..support.server_process import ROOT, free_port
from .conftest import ARTIFACTS
from .helpers import open_in_own_context

SRC = ROOT / "static" / "src"
ENTRY = f"""
import "{SRC / "style.css"}";
import {{ NotesPanel }} from "{SRC / "ui" / "notes.js"}";
import {{ ProblemPanel }} from "{SRC / "ui" / "problem-panel.js"}";

class FakeConnection extends EventTarget {{
  constructor() {{ super(); this.isOpen = true; this.frames = []; }}
  send(text) {{ if (!this.isOpen) return false; this.frames.push(JSON.parse(text)); return true; }}
  deliver(type, data) {{ this.dispatchEvent(new CustomEvent("message", {{ detail: {{ type, data }} }})); }}
  open() {{ this.isOpen = true; this.dispatchEvent(new Event("open")); }}
  close() {{ this.isOpen = false; this.dispatchEvent(new CustomEvent("close", {{ detail: {{ code: 1006, reason: "" }} }})); }}
}}

const connection = new FakeConnection();
const notes = new NotesPanel({{ root: document.querySelector("#notes"), connection, debounceMs: 150 }});
const problem = new ProblemPanel({{ root: document.querySelector("#problem") }});
const events = [];
problem.addEventListener("run-checks", (event) => events.push(event.detail));
Object.assign(window, {{ connection, notes, problem, events }});
"""
PAGE = """<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Panels</title>
<link rel="icon" href="data:,"><link rel="stylesheet" href="out/entry.css"><link rel="stylesheet" href="demo.css">
</head><body><main class="demo"><div class="side"><section id="problem"></section><section id="notes"></section></div>
</main><script type="module" src="out/entry.js"></script></body></html>"""
# The side pane's shape on the editor page: a column, the problem on top, the notes filling the rest.
DEMO_CSS = """.demo { padding: 24px; }
.side { display: flex; flex-direction: column; width: 440px; height: 720px; border: 1px solid var(--border);
        background: var(--surface); }
#notes { flex: 1; }
.side.narrow { width: 340px; }"""
TWO_SUM = {
    "id": "two-sum",
    "title": "Two Sum",
    "prompt": "Given an array of integers `nums` and an integer `target`, return the **indices** of the two "
    "numbers that add up to `target`.\n\n# Example\n\n```python\ntwo_sum([2, 7, 11, 15], 9)  # -> [0, 1]\n"
    "```\n\n## Constraints\n\n- `2 <= len(nums) <= 10^4`\n- Exactly one answer exists\n"
    "  - you may not use the same element twice\n- Aim for better than O(n²)\n\n"
    "> Think aloud: say which trade-offs you make. <b>not bold</b>",
    "checks": {"python": "assert two_sum([2, 7, 11, 15], 9) == [0, 1]\n"},
}


@pytest.fixture(scope="module")
def panels_url(tmp_path_factory):
    """Bundles the test entry with esbuild and serves the folder on a local port."""
    folder = tmp_path_factory.mktemp("panels")
    (folder / "entry.js").write_text(ENTRY, encoding="utf-8")
    (folder / "index.html").write_text(PAGE, encoding="utf-8")
    (folder / "demo.css").write_text(DEMO_CSS, encoding="utf-8")
    subprocess.run(
        [
            str(ROOT / "node_modules" / ".bin" / "esbuild"),
            "entry.js",
            "--bundle",
            "--format=esm",
            "--outdir=out",
            "--log-level=warning",
        ],
        cwd=folder,
        check=True,
        timeout=60,
    )
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1", "--directory", str(folder)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 10
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            if time.monotonic() > deadline:
                server.kill()
                raise
            time.sleep(0.05)
    yield f"http://127.0.0.1:{port}/index.html"
    server.terminate()
    server.wait(timeout=10)


async def open_panels(browser, url, **options):
    """A page of its own context; returns (page, context, requests, errors)."""
    page, context, requests, errors = await open_in_own_context(browser, url, **options)
    await page.wait_for_function("window.notes && window.problem")
    return page, context, requests, errors


async def frames(page):
    return await page.evaluate("connection.frames")


async def deliver_notes(page, text, version, participant="p-other"):
    await page.evaluate(
        "([text, version, participant]) => connection.deliver('notes', {text, version, participant})",
        [text, version, participant],
    )


async def wait_frames(page, count):
    await page.wait_for_function(f"connection.frames.length >= {count}")
    return await frames(page)


async def test_problem_panel_shows_prompt_checks_and_collapses(browser, panels_url):
    page, context, requests, errors = await open_panels(browser, panels_url)
    panel = page.get_by_role("region", name="Problem")
    await expect(panel).to_be_hidden()

    await page.evaluate("([data]) => { problem.setLanguage('python'); problem.show(data); }", [TWO_SUM])
    await expect(panel).to_be_visible()
    await expect(panel.get_by_role("heading", name="Two Sum", level=2)).to_be_visible()
    await expect(panel.get_by_role("heading", name="Example", level=3)).to_be_visible()
    await expect(panel.locator("pre code")).to_have_text("two_sum([2, 7, 11, 15], 9)  # -> [0, 1]")
    await expect(panel.get_by_role("listitem")).to_have_count(4)  # three items, one nested
    await expect(panel).to_contain_text("<b>not bold</b>")  # raw HTML stays text
    assert await panel.locator("b").count() == 0
    assert await panel.locator("[style]").count() == 0

    run_checks = panel.get_by_role("button", name="Run checks")
    await run_checks.click()
    assert await page.evaluate("events") == [{"language": "python", "checks": TWO_SUM["checks"]["python"]}]
    await page.evaluate("problem.setLanguage('javascript')")  # no JavaScript checks
    await expect(run_checks).to_be_hidden()
    await page.evaluate("problem.setLanguage('python')")
    await expect(run_checks).to_be_visible()

    hide = panel.get_by_role("button", name="Hide problem")
    await expect(hide).to_have_attribute("aria-expanded", "true")
    await hide.click()
    show = panel.get_by_role("button", name="Show problem")
    await expect(show).to_have_attribute("aria-expanded", "false")
    await expect(panel.locator("pre")).to_be_hidden()
    await expect(run_checks).to_be_hidden()
    await show.click()
    await expect(panel.locator("pre")).to_be_visible()

    # A long prompt scrolls inside the panel, which stays within its cap.
    long_prompt = "\n\n".join(f"Paragraph {n}: " + "words " * 40 for n in range(30))
    await page.evaluate("([prompt]) => problem.show({id: 'long', title: 'Long', prompt, checks: {}})", [long_prompt])
    sizes = await page.evaluate("""() => { const prompt = document.querySelector('.problem-prompt');
      return {scroll: prompt.scrollHeight, client: prompt.clientHeight, body: prompt.parentElement.offsetHeight,
              viewport: innerHeight}; }""")
    assert sizes["scroll"] > sizes["client"] and sizes["body"] <= sizes["viewport"] * 0.45 + 1, sizes  # 45vh
    await expect(panel.get_by_role("button", name="Run checks")).to_be_hidden()

    await page.evaluate("problem.show(null)")
    await expect(panel).to_be_hidden()
    assert errors == []
    assert all(url.startswith(("http://127.0.0.1:", "data:")) for url in requests), requests
    await context.close()


async def test_notes_autosave_one_at_a_time(browser, panels_url):
    page, context, _requests, errors = await open_panels(browser, panels_url)
    notes = page.get_by_role("textbox", name="Private notes")
    status = page.get_by_role("status", name="Notes status")
    await expect(page.get_by_role("region", name="Private notes")).to_contain_text("Only hosts see these")
    await expect(status).to_have_text("Loading…")
    await deliver_notes(page, "", 0)
    await expect(status).to_have_text("Saved")

    await notes.press_sequentially("Strong on complexity")
    await expect(status).to_have_text("Saving…")
    assert await wait_frames(page, 1) == [{"type": "set_notes", "data": {"text": "Strong on complexity", "version": 0}}]
    # While that save is in flight, more typing waits for its answer.
    await notes.press_sequentially(".")
    await page.wait_for_timeout(450)
    assert len(await frames(page)) == 1
    await deliver_notes(page, "Strong on complexity", 1, participant="p-me")
    second = (await wait_frames(page, 2))[1]
    assert second == {"type": "set_notes", "data": {"text": "Strong on complexity.", "version": 1}}
    await expect(status).to_have_text("Saving…")
    await deliver_notes(page, "Strong on complexity.", 2, participant="p-me")
    await expect(status).to_have_text("Saved")
    await page.wait_for_timeout(300)
    assert len(await frames(page)) == 2  # nothing more to save
    assert errors == []
    await context.close()


async def test_notes_merge_keep_caret_and_survive_offline(browser, panels_url):
    page, context, _requests, errors = await open_panels(browser, panels_url)
    notes = page.get_by_role("textbox", name="Private notes")
    status = page.get_by_role("status", name="Notes status")
    await deliver_notes(page, "Strong on complexity", 1)
    await expect(notes).to_have_value("Strong on complexity")

    # I type at the end while another host's save (a heading at the top) arrives: both survive, my caret stays.
    await notes.click()
    await page.keyboard.press("Control+End")
    await page.keyboard.insert_text("\n- Asked about empty input")
    await deliver_notes(page, "## Summary\nStrong on complexity", 2)
    merged = "## Summary\nStrong on complexity\n- Asked about empty input"
    await expect(notes).to_have_value(merged)
    # One insertion: typed key by key on a loaded machine, the panel's debounced save could go out between the
    # keys and then wait for its answer (this test answers saves by hand), so the last frame would be a prefix.
    await page.keyboard.insert_text(" 👍")
    merged += " 👍"
    await expect(notes).to_have_value(merged)
    await page.wait_for_function(f"connection.frames.at(-1)?.data.text === {json.dumps(merged)}")
    assert (await frames(page))[-1]["data"]["version"] == 2
    await deliver_notes(page, merged, 3, participant="p-me")
    await expect(status).to_have_text("Saved")

    # My save was stale: the server answers with the current notes only; I merge and save on top of them.
    await page.keyboard.insert_text("\n- Tests first")
    await page.wait_for_function("connection.frames.at(-1)?.data.text.endsWith('Tests first')")
    current = merged.replace("## Summary", "## Summary (Ada)")
    await deliver_notes(page, current, 4)
    await page.wait_for_function("connection.frames.at(-1)?.data.version === 4")
    assert (await frames(page))[-1]["data"]["text"] == current + "\n- Tests first"

    # Offline: what I type stays, the status says so, nothing is sent; on reconnect it merges and saves.
    await deliver_notes(page, current + "\n- Tests first", 5, participant="p-me")
    await expect(status).to_have_text("Saved")
    sent = len(await frames(page))
    await page.evaluate("connection.close()")
    await page.keyboard.insert_text("\n- Follow up: recursion")
    await expect(status).to_have_text("Not saved yet: offline")
    await page.wait_for_timeout(400)
    assert len(await frames(page)) == sent
    await page.evaluate("connection.open()")
    server_text = current + "\n- Tests first\n\nHire: yes"  # another host wrote while I was away
    await deliver_notes(page, server_text, 6)
    final = server_text + "\n- Follow up: recursion"  # both added at the end: theirs, then mine
    await expect(notes).to_have_value(final)
    assert (
        await page.evaluate(
            "[...'se'].map((end) => document.activeElement['selection' + (end === 's' ? 'Start' : 'End')])"
        )
        == [len(final.encode("utf-16-le")) // 2] * 2
    )  # my caret still follows my text
    await page.wait_for_function("connection.frames.at(-1)?.data.version === 6")
    assert (await frames(page))[-1]["data"]["text"] == final
    await expect(status).to_have_text("Saving…")
    await deliver_notes(page, final, 7, participant="p-me")
    await expect(status).to_have_text("Saved")
    assert await page.evaluate("notes.text") == final

    # Preview renders the Markdown instead of the box; Edit comes back to it.
    await page.get_by_role("button", name="Preview").click()
    preview = page.get_by_role("region", name="Notes preview")
    await expect(preview.get_by_role("heading", name="Summary (Ada)")).to_be_visible()
    await expect(preview.get_by_role("listitem")).to_have_count(3)
    await expect(notes).to_be_hidden()
    await page.get_by_role("button", name="Edit").click()
    await expect(notes).to_be_focused()
    await expect(preview).to_be_hidden()
    assert errors == []
    await context.close()


@pytest.mark.parametrize("scheme", ["light", "dark"])
async def test_panels_screenshots(browser, panels_url, scheme):
    page, context, _requests, errors = await open_panels(browser, panels_url, color_scheme=scheme)
    await page.evaluate("([data]) => { problem.setLanguage('python'); problem.show(data); }", [TWO_SUM])
    text = (
        "## Summary\nStrong on complexity; explained the hash map idea **before** coding.\n\n"
        "- Asked about empty input and duplicates\n- Wrote tests first 👍\n- Follow up: `O(n)` space?\n\n"
        "Hire: lean yes"
    )
    await deliver_notes(page, text, 3)
    side = page.locator(".side")
    await side.screenshot(path=str(ARTIFACTS / f"panels-{scheme}.png"))
    await page.get_by_role("button", name="Preview").click()
    await page.get_by_role("button", name="Hide problem").click()
    await side.screenshot(path=str(ARTIFACTS / f"panels-preview-{scheme}.png"))
    await page.evaluate("connection.close()")
    await page.get_by_role("button", name="Edit").click()
    await page.keyboard.press("Control+End")
    await page.keyboard.insert_text("\nOne more line")
    await expect(page.get_by_role("status", name="Notes status")).to_have_text(re.compile("offline"))
    await page.locator("#notes").screenshot(path=str(ARTIFACTS / f"panels-offline-{scheme}.png"))
    await page.evaluate("document.querySelector('.side').classList.add('narrow')")  # the side pane's min-width
    await page.locator("#notes").screenshot(path=str(ARTIFACTS / f"panels-offline-narrow-{scheme}.png"))
    assert errors == []
    await context.close()

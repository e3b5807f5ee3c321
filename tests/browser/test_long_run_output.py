"""A run whose output is too long for a joiner's `history` frame: the page shows its end, says how much came
before, and "Show all output" fetches and shows the whole of it."""

from __future__ import annotations

import json
import re

import aiohttp
from playwright.async_api import expect

from .conftest import ARTIFACTS, create_session
from .helpers import open_session, output

FIRST, LAST = "FIRST LINE <b>not bold</b>\n", "LAST LINE 😀\n"
LINES = [FIRST, *(f"line {n:06d} é\n" for n in range(9_000)), LAST]  # ~135,000 characters
CHUNK_CHARS = 60_000


async def run_by_a_protocol_client(server_url: str, session_id: str) -> None:
    """Ada runs something that prints LINES (as her page would report it) and the run ends."""
    text = "".join(LINES)
    async with aiohttp.ClientSession() as http:
        ws = await http.ws_connect(f"{server_url.replace('http', 'ws')}/ws/{session_id}")
        await ws.receive_json()
        await ws.send_json({"type": "hello", "data": {"name": "Ada"}})
        await ws.send_json({"type": "run_start", "data": {"version": 0, "language": "python"}})
        for start in range(0, len(text), CHUNK_CHARS):
            await ws.send_str(
                json.dumps(
                    {"type": "run_output", "data": {"stream": "stdout", "text": text[start : start + CHUNK_CHARS]}},
                    ensure_ascii=False,
                )
            )
        await ws.send_json({"type": "run_end", "data": {"status": "ok", "duration_ms": 5}})
        while (await ws.receive_json(timeout=10))["type"] != "run_finished":
            pass
        await ws.close()


async def test_show_all_output_fetches_the_whole_of_a_long_run_from_history(pages, server_url):
    session_id = create_session(server_url)
    await run_by_a_protocol_client(server_url, session_id)
    page = await open_session(pages, server_url, session_id)
    panel = output(page)
    await expect(panel).to_contain_text("Ada ran version 0")
    await expect(panel).to_contain_text(LAST)
    await expect(panel).to_contain_text("— finished in 5 ms —")
    note = panel.get_by_text("Earlier output not shown")
    await expect(note).to_have_text(re.compile(r"^Earlier output not shown \([\d,]+ characters\)"))
    shown = await panel.locator("pre").inner_text()
    omitted = int(shown.split("Earlier output not shown (")[1].split(" characters")[0].replace(",", ""))
    assert FIRST not in shown and 0 < omitted < len("".join(LINES))

    show_all = panel.get_by_role("button", name="Show all output")
    await show_all.scroll_into_view_if_needed()
    await page.screenshot(path=str(ARTIFACTS / "long-run-output.png"))
    await show_all.click()
    await expect(panel).to_contain_text(FIRST)
    await expect(show_all).to_have_count(0)
    await expect(panel.get_by_text("Earlier output not shown")).to_have_count(0)
    whole = await panel.locator(".run .stdout").inner_text()
    assert whole == "".join(LINES)  # every line once, in order, as text (no <b> element made)
    assert await panel.locator("b").count() == 0
    await expect(panel.locator(".system", has_text="— finished in 5 ms —")).to_have_count(1)
    assert pages.console_errors == []

"""The player (offline export, from file://) when the log was compacted before version 100 and a person renamed
themselves midway: the recording starts at version 100 and says so, and names are those of the moment."""

from __future__ import annotations

import copy
import re

from playwright.async_api import expect

from interview_server.changes import Text

from .conftest import ARTIFACTS
from .helpers import open_in_own_context
from .test_player_standalone import DIST, SAMPLE, export_html

ADA, START = "3f2a9c1d", 100
RENAMED_AT = SAMPLE["updates"][150]["at"]  # between Ada's first runs (2:03, 2:11) and her third (4:32)


def compacted_and_renamed() -> dict:
    history = copy.deepcopy(SAMPLE)
    text = Text.from_str(history["start"]["text"])
    for update in history["updates"][:START]:
        text = text.apply(update["changes"])
    history.update(
        start={"version": START, "text": str(text)}, updates=history["updates"][START:], compacted_before=START
    )
    history["participants"][ADA].update(
        name="Ada L.", names=[{"name": "Ada", "at": SAMPLE["updates"][0]["at"]}, {"name": "Ada L.", "at": RENAMED_AT}]
    )
    for run in history["runs"]:  # the server stamps a run with the name its runner had then
        if run["participant"] == ADA and run["started_at"] > "2026-11-29T11:04":
            run["name"] = "Ada L."
    return history


async def test_a_compacted_recording_starts_at_its_version_and_shows_names_as_they_were(browser, tmp_path):
    assert (DIST / "manifest.json").is_file(), "static assets are not built: run `npm run build`"
    history = compacted_and_renamed()
    path = tmp_path / "interview.html"
    path.write_text(export_html(history), encoding="utf-8")
    page, context, requests, errors = await open_in_own_context(browser, path.as_uri())
    player = page.get_by_role("region", name="Playback")
    position = player.get_by_role("status", name="Playback position")
    code = player.get_by_role("textbox", name="Code at this point")
    legend = player.get_by_role("list", name="Participants")

    await expect(player.get_by_role("note")).to_have_text(
        "Recording starts at version 100: earlier edits were compacted"
    )
    await expect(position).to_contain_text("Version 100 of 214")
    assert await page.evaluate("window.playback.view.state.doc.toString()") == history["start"]["text"]
    await expect(page.get_by_role("banner")).to_contain_text("Ada → Ada L. (candidate)")
    await expect(legend.get_by_role("listitem")).to_have_text([re.compile("^Ada"), re.compile("^Bo"), "Someone"])
    await expect(legend.get_by_role("listitem").first).to_have_text(re.compile(r"^Ada(?! L\.)"))

    await page.screenshot(path=str(ARTIFACTS / "playback-compacted.png"))

    # Before the rename: her edits and her legend entry carry the name she had.
    await player.get_by_role("button", name="Jump to run 1 (Ada, version 117)").click()
    await expect(position).to_contain_text("Version 117 of 214")
    await expect(legend.get_by_role("listitem").first).to_have_text(re.compile(r"^Ada(?! L\.)"))
    assert await page.locator(".pb-caret").get_attribute("title") == "Ada's last edit"

    # After it: the new name.
    await player.get_by_role("button", name="Jump to run 3 (Ada L., version 201)").click()
    await expect(position).to_contain_text("Version 201 of 214")
    await expect(legend.get_by_role("listitem").first).to_have_text(re.compile(r"^Ada L\."))
    await page.evaluate("window.playback.seekVersion(160)")  # an edit of hers after the rename
    await expect(position).to_contain_text("Version 160 of 214")
    assert await page.locator(".pb-caret").get_attribute("title") == "Ada L.'s last edit"

    # Back to the start, then to the end: the final text.
    timeline = player.get_by_role("slider", name="Timeline")
    await timeline.fill("0")
    await expect(legend.get_by_role("listitem").first).to_have_text(re.compile(r"^Ada(?! L\.)"))
    await timeline.fill(str(await timeline.get_attribute("max")))
    await expect(position).to_contain_text("Version 214 of 214")
    await expect(code).to_contain_text("seen = {}  # value -> index 🚀")
    assert await page.evaluate("window.playback.view.state.doc.toString()") == SAMPLE["text"]
    assert errors == []
    assert all(url.startswith(("file:", "data:")) for url in requests), requests
    await context.close()

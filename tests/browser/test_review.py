"""Comments on ranges and integrity signals in real Chromium (issue 23): a thread stays on its text while another
page types above it, on both pages and after a reload; resolve, reply and edit; hosts-only threads never reach a
candidate; a candidate's paste and time away show on the interviewer's timeline and summary, never on the
candidate's page; the candidate is told; the embed with ?integrity=off records nothing."""

from __future__ import annotations

import asyncio
import json

import pytest
from playwright.async_api import Page, expect

from .conftest import ARTIFACTS, create_session_links, wait_for
from .test_accessibility import violations
from .helpers import connected, editor, open_tab, set_code, settled, text_of

CODE = "def add(a, b):\n    return a - b\n"
NOTE = "Pastes and time away from this tab are recorded for the interviewer."


def frames(page: Page, direction: str = "framereceived") -> list[dict]:
    """Every WebSocket message the page receives (or sends: "framesent") from now on, decoded."""
    seen: list[dict] = []

    def keep(payload) -> None:
        try:
            seen.append(json.loads(payload))
        except (TypeError, ValueError):
            pass

    page.on("websocket", lambda ws: ws.on(direction, keep))
    return seen


async def anchors(page: Page) -> list[dict]:
    return await page.evaluate("window.pad.commentAnchors()")


async def eventually(value, check) -> bool:
    return check(await value)


async def on_text(page: Page, texts: list[str]) -> bool:
    """The page's threads are anchored on exactly these texts."""
    return sorted(anchor["text"] for anchor in await anchors(page)) == sorted(texts)


async def select_line(page: Page, number: int) -> None:
    """Select the text of line `number` (after its indentation), with the keyboard, as a person would."""
    await editor(page).click()
    await page.keyboard.press("ControlOrMeta+Home")
    for _ in range(number - 1):
        await page.keyboard.press("ArrowDown")
    await page.keyboard.press("End")
    await page.keyboard.press("Home")  # the line's text, after its indentation
    await page.keyboard.press("Shift+End")


async def open_signals(page: Page):
    """The interviewer's Signals (the toolbar's button; on a phone, in the menu); returns the summary list."""
    menu = page.get_by_role("button", name="Menu")
    if await menu.is_visible():
        await menu.click()
    await page.get_by_role("button", name="Signals").click()
    signals = page.get_by_role("dialog", name="Signals")
    await expect(signals).to_be_visible()
    return signals.get_by_role("list", name="Summary per person")


async def two_people(pages, server_url: str) -> tuple[Page, Page, list[dict], list[dict]]:
    """Ada (the host link) and Bo (the candidate's link), each in a browser context of their own; with every
    message Bo's page receives and sends."""
    links = create_session_links(server_url, language="python")
    ada = await connected(await pages.person(links["host_url"], name="Ada"))
    bo = await pages.person(None, name="Bo")
    received, sent = frames(bo), frames(bo, "framesent")
    await bo.goto(links["join_url"])
    return ada, await connected(bo), received, sent


async def test_a_thread_stays_on_its_text_while_someone_types_above_it_and_after_a_reload(pages, server_url):
    ada, bo, _, _ = await two_people(pages, server_url)
    await set_code(ada, CODE)
    await settled(ada)
    await wait_for(lambda: eventually(text_of(bo), CODE.__eq__), message="Bo's text")

    # Bo starts a comment on `return a - b` (Ctrl+Alt+M) while Ada types lines above it.
    await select_line(bo, 2)
    await bo.keyboard.press("Control+Alt+m")
    comment_box = bo.get_by_role("textbox", name="Comment", exact=True)
    await expect(comment_box).to_be_focused()
    await expect(bo.get_by_text("Hosts only")).to_be_hidden()  # a candidate cannot start a hosts-only thread
    await comment_box.fill("Should this be a + b?")
    await editor(ada).click()
    await ada.keyboard.press("ControlOrMeta+Home")
    typing = asyncio.ensure_future(ada.keyboard.insert_text("# adds two numbers\n"))
    await bo.get_by_role("button", name="Add comment").click()
    await typing
    await ada.keyboard.insert_text("# more\n")
    await settled(ada)
    await settled(bo)

    for page in (ada, bo):
        await wait_for(lambda page=page: on_text(page, ["return a - b"]), message="the thread on its text")
        await expect(page.locator(".cm-commentRange")).to_have_text("return a - b")
    await open_tab(ada, "Comments")
    await expect(ada.get_by_role("list", name="Open threads")).to_contain_text("Should this be a + b?")

    # Ada replies; Bo edits his own comment (he has Edit; Ada has none on his, only Delete as a host).
    thread_ada = ada.get_by_role("list", name="Open threads").get_by_role("listitem").first
    await thread_ada.get_by_role("textbox", name="Reply").fill("Yes, good catch.")
    await thread_ada.get_by_role("button", name="Reply").click()
    await expect(bo.get_by_role("list", name="Open threads")).to_contain_text("Yes, good catch.")
    await expect(thread_ada.get_by_role("button", name="Edit your comment: Should")).to_have_count(0)

    # After a reload Bo's comment is still his own (hello.author_key), and the anchor is still on its text.
    await bo.reload()
    await connected(bo)
    await wait_for(lambda: on_text(bo, ["return a - b"]), message="the thread on its text after a reload")
    await open_tab(bo, "Comments")
    await bo.get_by_role("button", name="Edit your comment: Should this be a + b?").click()
    edit_box = bo.get_by_role("textbox", name="Edit comment")
    await edit_box.fill("Is it a + b?")
    await bo.get_by_role("button", name="Save").click()
    await expect(ada.get_by_role("list", name="Open threads")).to_contain_text("Is it a + b?")
    await expect(ada.get_by_role("list", name="Open threads")).to_contain_text("edited")

    # Ada resolves it: both see it among the resolved threads, and its range is no longer highlighted.
    await thread_ada.get_by_role("button", name="Resolve").click()
    for page in (ada, bo):
        await expect(page.get_by_text("Resolved (1)")).to_be_visible()
        await expect(page.locator(".cm-commentRange")).to_have_count(0)
        await expect(page.get_by_text("No open threads.")).to_be_visible()


async def test_a_hosts_only_thread_never_reaches_the_candidate(pages, server_url):
    ada, bo, bo_frames, _ = await two_people(pages, server_url)
    await set_code(ada, CODE)
    await settled(ada)
    await select_line(ada, 1)
    await ada.get_by_role("button", name="Comment", exact=True).click()
    await ada.get_by_label("Hosts only").check()
    await ada.get_by_role("textbox", name="Comment", exact=True).fill("PRIVATE: ask about overflow")
    await ada.get_by_role("button", name="Add comment").click()
    await expect(ada.get_by_role("list", name="Open threads")).to_contain_text("PRIVATE: ask about overflow")
    await expect(ada.get_by_role("list", name="Open threads")).to_contain_text("Hosts only")
    await expect(ada.locator(".cm-commentRange-hosts")).to_have_text("def add(a, b):")

    # Then an everyone thread, so that the candidate has certainly heard all that was sent before it.
    await select_line(ada, 2)
    await ada.keyboard.press("Control+Alt+m")
    await ada.get_by_role("textbox", name="Comment", exact=True).fill("Public remark")
    await ada.get_by_role("button", name="Add comment").click()
    await wait_for(lambda: on_text(bo, ["return a - b"]), message="the public thread only")
    await open_tab(bo, "Comments")
    await expect(bo.get_by_role("list", name="Open threads")).to_contain_text("Public remark")
    assert "PRIVATE" not in await bo.content()
    assert not [f for f in bo_frames if "PRIVATE" in json.dumps(f)]
    assert [f for f in bo_frames if "Public remark" in json.dumps(f)]  # the recording works
    # A reload brings the candidate only the thread it may see.
    await bo.reload()
    await connected(bo)
    await wait_for(lambda: on_text(bo, ["return a - b"]), message="the public thread only, after a reload")
    assert not [f for f in bo_frames if "PRIVATE" in json.dumps(f)]


PASTE = """(text) => {
  const data = new DataTransfer();
  data.setData("text/plain", text);
  document.querySelector(".cm-content").dispatchEvent(new ClipboardEvent("paste", {clipboardData: data, bubbles: true, cancelable: true}));
}"""
# The tab hidden, and shown again, as the browser says it when another tab is in front.
HIDE = """(hidden) => {
  Object.defineProperty(document, "hidden", {configurable: true, get: () => hidden});
  Object.defineProperty(document, "visibilityState", {configurable: true, get: () => (hidden ? "hidden" : "visible")});
  document.dispatchEvent(new Event("visibilitychange"));
}"""


async def test_a_paste_and_time_away_show_on_the_interviewers_timeline_and_summary_only(pages, server_url):
    ada, bo, bo_received, bo_sent = await two_people(pages, server_url)
    await expect(bo.get_by_role("note")).to_have_text(NOTE)  # the candidate is told
    await expect(ada.get_by_role("note")).to_be_hidden()  # the interviewer's page records nothing
    await editor(bo).click()
    await bo.evaluate(PASTE, "x = 1  # " + "a" * 490 + "\n")  # 500 characters from outside the pad
    await wait_for(lambda: eventually(text_of(ada), lambda text: "aaaa" in text), message="the paste to arrive")
    # Copied in the editor and pasted back: from inside the pad.
    await bo.keyboard.press("ControlOrMeta+a")
    await bo.keyboard.press("ControlOrMeta+c")
    await bo.keyboard.press("End")
    await bo.evaluate(PASTE, await text_of(bo))
    await bo.evaluate(HIDE, True)
    await asyncio.sleep(3)
    await bo.evaluate(HIDE, False)
    await settled(bo)

    sent = [f["data"] for f in bo_sent if f.get("type") == "integrity_event"]
    assert sent[0] == {"kind": "paste", "chars": 500, "external": True}
    assert sent[1] == {"kind": "paste", "chars": sent[1]["chars"], "external": False}
    assert sent[2]["kind"] == "away" and sent[2]["reason"] == "hidden" and 2900 <= sent[2]["ms"] <= 4000

    # The interviewer's Signals sum it up.
    person = (await open_signals(ada)).get_by_role("listitem").filter(has_text="Bo").first
    await expect(person).to_contain_text("2 pastes (1 from outside the pad), largest")
    await expect(person).to_contain_text("Away 3 s in 1 span")
    await ada.get_by_role("dialog", name="Signals").get_by_role("button", name="Close").click()

    # The interviewer's timeline: a paste marker with its size, and an away span of about 3 s.
    await ada.get_by_role("button", name="Playback").click()
    player = ada.get_by_role("region", name="Playback")
    await expect(player).to_be_visible()
    paste = player.locator(".pb-marker-paste").first
    await expect(paste).to_have_attribute("title", "Paste: 500 characters from outside the pad")
    away = player.locator(".pb-marker-away")
    await expect(away).to_have_count(1)
    assert 2900 <= int(await away.get_attribute("data-ms")) <= 4000
    await expect(away).to_have_attribute("title", "Away 3 s (tab hidden)")
    signals = player.get_by_role("list", name="Signals")
    await expect(signals).to_contain_text("Bo: Paste: 500 characters from outside the pad")
    await expect(signals).to_contain_text("Bo: Away 3 s (tab hidden)")
    await ada.screenshot(path=str(ARTIFACTS / "review-playback-signals.png"))

    # The candidate's page: no integrity frame, no Signals, no marker.
    assert not [f for f in bo_received if f.get("type") in ("integrity", "integrity_events")]
    await expect(bo.get_by_role("button", name="Signals")).to_be_hidden()
    assert await bo.evaluate("document.querySelector('#signals-popover').textContent") == ""  # never filled
    assert await bo.locator(".pb-marker-paste, .pb-marker-away").count() == 0


async def test_the_embed_with_integrity_off_records_nothing_and_says_nothing(pages, server_url):
    links = create_session_links(server_url, language="python")
    page = await pages.new()
    sent = frames(page, "framesent")
    await page.goto(f"{server_url}/embed/{links['session_id']}?integrity=off")
    await connected(page)
    await expect(page.get_by_text(NOTE)).to_have_count(0)
    await editor(page).click()
    await page.evaluate(PASTE, "print('pasted from elsewhere')\n")
    await page.evaluate(HIDE, True)
    await asyncio.sleep(1.5)
    await page.evaluate(HIDE, False)
    await settled(page)
    assert "pasted from elsewhere" in await text_of(page)
    assert not [f for f in sent if f.get("type") == "integrity_event"]
    # The embed without the setting records, and says so.
    other = await pages.new()
    other_sent = frames(other, "framesent")
    await other.goto(f"{server_url}/embed/{links['session_id']}")
    await connected(other)
    await expect(other.get_by_role("note")).to_have_text(NOTE)
    await editor(other).click()
    await other.evaluate(PASTE, "y = 2\n")
    await wait_for(
        lambda: eventually(
            asyncio.sleep(0, other_sent), lambda seen: any(f.get("type") == "integrity_event" for f in seen)
        ),
        message="the embed to record a paste",
    )


@pytest.mark.parametrize("scheme", ["light", "dark"])
async def test_screenshots_of_the_comments_and_the_signals(pages, server_url, scheme):
    """Screenshots (test-artifacts/review-*.png) of the Comments tab, the editor's ranges and the Signals, on a
    desktop and at phone width, light and dark."""
    links = create_session_links(server_url, language="python")
    ada = await connected(await pages.person(links["host_url"], name="Ada", color_scheme=scheme))
    bo = await connected(await pages.person(links["join_url"], name="Bo", color_scheme=scheme))
    await set_code(ada, "def add(a, b):\n    return a - b\n\n\nprint(add(2, 3))\n")
    await settled(ada)
    await select_line(bo, 2)
    await bo.get_by_role("button", name="Comment", exact=True).click()
    await bo.get_by_role("textbox", name="Comment", exact=True).fill("Should this be a + b? The name says add.")
    await bo.get_by_role("button", name="Add comment").click()
    await open_tab(ada, "Comments")
    thread = ada.get_by_role("list", name="Open threads").get_by_role("listitem").first
    await thread.get_by_role("textbox", name="Reply").fill("Good question: what do you expect add(2, 3) to print?")
    await thread.get_by_role("button", name="Reply").click()
    await select_line(ada, 5)
    await ada.keyboard.press("Control+Alt+m")
    await ada.get_by_label("Hosts only").check()
    await ada.get_by_role("textbox", name="Comment", exact=True).fill("Did not test with negative numbers.")
    await ada.get_by_role("button", name="Add comment").click()
    await expect(ada.locator(".cm-commentRange")).to_have_count(2)
    await editor(bo).click()
    await bo.keyboard.press("ControlOrMeta+End")
    await bo.evaluate(PASTE, "# " + "b" * 1238 + "\n")
    await bo.evaluate(HIDE, True)
    await asyncio.sleep(1.2)
    await bo.evaluate(HIDE, False)
    await settled(bo)
    await open_tab(bo, "Comments")
    await expect(bo.get_by_role("list", name="Open threads")).to_contain_text("what do you expect")
    # axe, as tests/browser/test_accessibility.py runs it: the Comments tab with threads, and the Signals.
    assert await violations(ada) == []
    assert await violations(bo) == []
    for width, label in ((1280, "desktop"), (390, "phone")):
        for page in (ada, bo):
            await page.set_viewport_size({"width": width, "height": 800 if width > 400 else 844})
        await ada.screenshot(path=str(ARTIFACTS / f"review-comments-host-{label}-{scheme}.png"))
        await bo.screenshot(path=str(ARTIFACTS / f"review-comments-candidate-{label}-{scheme}.png"))
        person = (await open_signals(ada)).get_by_role("listitem").filter(has_text="Bo").first
        await expect(person).to_contain_text("1 paste (1 from outside the pad), largest 1,241 characters")
        await ada.screenshot(path=str(ARTIFACTS / f"review-signals-{label}-{scheme}.png"))
        if label == "desktop":
            assert await violations(ada) == []
        await ada.get_by_role("dialog", name="Signals").get_by_role("button", name="Close").click()
    # Playback: the threads at the end, with their ranges in the player's editor.
    await ada.set_viewport_size({"width": 1280, "height": 800})
    await ada.get_by_role("button", name="Playback").click()
    player = ada.get_by_role("region", name="Playback")
    await player.get_by_role("slider", name="Timeline").focus()
    await ada.keyboard.press("End")
    comments = player.get_by_role("list", name="Comments at this point")
    await expect(comments).to_contain_text("Bo: Should this be a + b? The name says add.")
    await expect(comments).to_contain_text("hosts only")
    await expect(player.locator(".pb-comment-range")).to_have_text(["return a - b", "print(add(2, 3))"])
    await ada.keyboard.press("Home")
    await expect(comments).to_contain_text("No comments yet at this point.")
    await ada.keyboard.press("End")
    await ada.screenshot(path=str(ARTIFACTS / f"review-playback-{scheme}.png"))

"""The workspace a person arranges, in real Chromium, driven by accessible names: splitters moved with the keyboard
and remembered, panes folded and brought back, the side column's tabs (shortcuts, badges, a run bringing Output
forward, a panel added through the registry), names that fit, the phone layout and remote carets' name tags."""

from __future__ import annotations

import re

from playwright.async_api import Page, expect

from .conftest import create_session_links, new_context, wait_for
from .helpers import connected, editor, open_tab, output, set_code, settled, side_tab


def create(base_url: str, **body) -> dict:
    """A Python session unless `body` says otherwise ({"problem": "two-sum"}, {"language": "javascript"}…): its links."""
    return create_session_links(base_url, **{"language": "python", **body})


async def join(pages, url: str, name: str, **context_options) -> Page:
    """A person in a browser of their own (1280x800 unless `viewport` says otherwise), connected."""
    context = await new_context(pages.browser, **{"viewport": {"width": 1280, "height": 800}, **context_options})
    pages.contexts.append(context)
    pages._record(context)
    return await connected(await pages.new(url, name=name, context=context))


async def width(page: Page, selector: str) -> float:
    return await page.locator(selector).evaluate("(element) => element.getBoundingClientRect().width")


async def say(page: Page, text: str) -> None:
    await open_tab(page, "Chat")
    box = page.get_by_role("textbox", name="Chat message")
    await box.fill(text)
    await box.press("Enter")


async def test_splitters_move_with_the_keyboard_and_the_sizes_survive_a_reload(pages, server_url):
    links = create(server_url, problem="two-sum")
    page = await join(pages, links["join_url"], "Ada")
    side = page.get_by_role("separator", name="Resize side panels")
    problem = page.get_by_role("separator", name="Resize problem pane")
    await expect(side).to_have_attribute("aria-orientation", "vertical")
    await expect(problem).to_be_visible()

    before, side_px = int(await side.get_attribute("aria-valuenow")), await width(page, "#side")
    await side.focus()
    for _ in range(3):
        await page.keyboard.press("ArrowLeft")  # the divider moves left: the side column grows
    after = int(await side.get_attribute("aria-valuenow"))
    assert after > before, (before, after)
    assert await width(page, "#side") > side_px + 60
    problem_before = await width(page, "#problem")
    await problem.focus()
    await page.keyboard.press("ArrowRight")
    await page.keyboard.press("ArrowRight")
    grown = await width(page, "#problem")
    assert grown > problem_before + 30

    # End: as wide as it may be, and the editor keeps its minimum.
    await side.press("End")
    assert await side.get_attribute("aria-valuenow") == await side.get_attribute("aria-valuemax")
    assert await width(page, ".editor-pane") >= 259
    await side.press("Home")
    assert await side.get_attribute("aria-valuenow") == await side.get_attribute("aria-valuemin")
    for _ in range(4):
        await side.press("ArrowLeft")
    remembered = await side.get_attribute("aria-valuenow")
    side_px = await width(page, "#side")

    await page.reload()
    await expect(editor(page)).to_be_visible()
    await expect(side).to_have_attribute("aria-valuenow", remembered)
    assert abs(await width(page, "#side") - side_px) <= 2
    assert abs(await width(page, "#problem") - grown) <= 2
    assert pages.console_errors == []


async def test_panes_fold_to_a_rail_and_come_back(pages, server_url):
    links = create(server_url, problem="two-sum")
    page = await join(pages, links["join_url"], "Ada")
    side = page.get_by_role("separator", name="Resize side panels")
    open_px = await width(page, "#side")

    # The visible control folds the side column; its tabs stay on the rail, and Show brings it back.
    await page.get_by_role("button", name="Hide side panels").click()
    assert await width(page, "#side") < 60
    await expect(output(page)).to_be_hidden()
    await expect(side_tab(page, "Chat")).to_be_visible()
    await expect(page.get_by_role("button", name="Run", exact=True)).to_be_visible()  # Run stays on the rail
    await page.reload()  # remembered
    await expect(page.get_by_role("button", name="Show side panels")).to_be_visible()
    await page.get_by_role("button", name="Show side panels").click()
    await expect(output(page)).to_be_visible()
    assert abs(await width(page, "#side") - open_px) <= 2

    # Enter on the divider folds and restores too; choosing a tab on the rail opens the column at that tab.
    await side.press("Enter")
    await expect(page.get_by_role("button", name="Show side panels")).to_be_visible()
    await side_tab(page, "Chat").click()
    await expect(page.get_by_role("log", name="Chat messages")).to_be_visible()
    await side.press("Enter")
    await side.press("Enter")
    await expect(page.get_by_role("button", name="Hide side panels")).to_be_visible()

    # The problem folds with its own button (and Enter on its divider) to a rail that keeps its title.
    problem = page.get_by_role("region", name="Problem")
    await problem.get_by_role("button", name="Hide problem").click()
    assert await width(page, "#problem") < 50
    await expect(problem.get_by_role("heading", name="Two Sum")).to_be_visible()
    await page.get_by_role("separator", name="Resize problem pane").press("Enter")
    await expect(problem.get_by_role("button", name="Hide problem")).to_be_visible()
    assert await width(page, "#problem") > 150
    assert pages.console_errors == []


async def test_tabs_switch_with_their_shortcuts_and_the_arrow_keys(pages, server_url):
    links = create(server_url)
    page = await join(pages, links["join_url"], "Ada")
    tabs = page.get_by_role("tablist", name="Side panels").get_by_role("tab")
    await expect(tabs).to_have_text(["Output", "Chat"])
    await expect(side_tab(page, "Output")).to_have_attribute("aria-keyshortcuts", "Alt+Shift+1")
    await expect(side_tab(page, "Chat")).to_have_attribute("aria-keyshortcuts", "Alt+Shift+2")
    await editor(page).click()
    await page.keyboard.press("Alt+Shift+2")
    await expect(side_tab(page, "Chat")).to_have_attribute("aria-selected", "true")
    await expect(page.get_by_role("tabpanel", name="Chat")).to_be_visible()
    await expect(output(page)).to_be_hidden()
    await expect(editor(page)).to_be_focused()  # the shortcut leaves the keyboard where it was
    await page.keyboard.press("Alt+Shift+1")
    await expect(side_tab(page, "Output")).to_have_attribute("aria-selected", "true")
    await expect(output(page)).to_be_visible()

    # In the tab list: one tab stop, arrows move and choose.
    await side_tab(page, "Output").focus()
    await page.keyboard.press("ArrowRight")
    await expect(side_tab(page, "Chat")).to_be_focused()
    await expect(side_tab(page, "Chat")).to_have_attribute("aria-selected", "true")
    await page.keyboard.press("ArrowRight")  # wraps
    await expect(side_tab(page, "Output")).to_be_focused()
    await expect(side_tab(page, "Chat")).to_have_attribute("tabindex", "-1")
    assert pages.console_errors == []


async def test_chat_from_someone_else_badges_its_tab_until_it_opens(pages, server_url):
    links = create(server_url)
    ada = await join(pages, links["join_url"], "Ada")
    bo = await join(pages, links["join_url"], "Bo")
    await expect(side_tab(ada, "Output")).to_have_attribute("aria-selected", "true")
    await say(bo, "Shall we start?")
    await say(bo, "I'm ready")
    tab = ada.get_by_role("tab", name="Chat, 2 unread", exact=True)
    await expect(tab).to_be_visible()
    await expect(tab.locator(".side-tab-badge")).to_have_text("2")
    await expect(tab).to_have_attribute("aria-selected", "false")
    await tab.click()
    await expect(ada.get_by_role("tab", name="Chat", exact=True)).to_have_attribute("aria-selected", "true")
    await expect(ada.get_by_role("tab", name="Chat", exact=True).locator(".side-tab-badge")).to_be_hidden()
    # While the chat is open and at its end, a new message is read at once.
    await say(bo, "Go ahead")
    await expect(ada.get_by_role("log", name="Chat messages").locator(".chat-text").last).to_have_text("Go ahead")
    await expect(ada.get_by_role("tab", name="Chat", exact=True)).to_be_visible()
    assert pages.console_errors == []


async def test_a_run_brings_output_forward_unless_the_person_turned_that_off(pages, server_url):
    links = create(server_url, language="javascript")
    ada = await join(pages, links["join_url"], "Ada")
    bo = await join(pages, links["join_url"], "Bo")
    for page in (ada, bo):
        await expect(page.get_by_role("status", name="JavaScript")).to_have_text("JavaScript ready", timeout=15_000)
    await open_tab(ada, "Chat")
    await open_tab(bo, "Chat")
    await set_code(bo, "console.log('one')\n")
    await settled(bo)
    await bo.get_by_role("button", name="Run").click()
    for page in (ada, bo):  # mine and someone else's
        await expect(side_tab(page, "Output")).to_have_attribute("aria-selected", "true")
        await expect(output(page).locator(".stdout").last).to_have_text("one\n", timeout=15_000)

    # Turned off (and remembered): Ada stays in the chat; the Output tab says there is news.
    await ada.get_by_role("checkbox", name="Open Output when code runs").uncheck()
    await ada.reload()
    await expect(ada.get_by_role("checkbox", name="Open Output when code runs")).not_to_be_checked()
    await open_tab(ada, "Chat")
    await bo.get_by_role("button", name="Run").click()
    news = ada.get_by_role("tab", name="Output, new output", exact=True)
    await expect(news).to_be_visible(timeout=15_000)
    await expect(side_tab(ada, "Chat")).to_have_attribute("aria-selected", "true")
    await news.click()
    await expect(ada.get_by_role("tab", name="Output", exact=True)).to_have_attribute("aria-selected", "true")
    await expect(output(ada).locator(".run-header").last).to_contain_text("Bo ran version")
    assert pages.console_errors == []


async def test_a_panel_added_through_the_registry_appears_with_its_badge(pages, server_url):
    links = create(server_url)
    host = await join(pages, links["host_url"], "Ada")
    await expect(side_tab(host, "Notes")).to_be_visible()
    # A later feature joins with one entry: an element, a label and an order (Output 10, Chat 20, Notes 30).
    await host.evaluate("""() => {
      const element = document.createElement("section");
      element.textContent = "3 dummy checks";
      window.dummy = window.pad.registerPanel({ id: "dummy", label: "Dummy panel", order: 25, element });
      window.dummy.badge(3);
    }""")
    tabs = host.get_by_role("tablist", name="Side panels").get_by_role("tab")
    dummy = host.get_by_role("tab", name="Dummy panel, 3 unread", exact=True)
    await expect(dummy).to_be_visible()
    await expect(dummy.locator(".side-tab-badge")).to_have_text("3")
    names = [await tab.get_attribute("aria-label") for tab in await tabs.all()]
    position = names.index("Dummy panel, 3 unread")
    assert names.index("Output") < names.index("Chat") < position < names.index("Notes"), names
    shortcut = f"Alt+Shift+{position + 1}"  # numbered in their order
    await expect(dummy).to_have_attribute("aria-keyshortcuts", shortcut)
    await editor(host).click()
    await host.keyboard.press(shortcut)
    await expect(host.get_by_role("tabpanel", name="Dummy panel")).to_have_text("3 dummy checks")
    await host.evaluate("window.dummy.badge(0)")
    await expect(host.get_by_role("tab", name="Dummy panel", exact=True)).to_be_visible()
    await host.evaluate(
        "window.pad.registerPanel({id: 'x', label: 'Host only', hostOnly: true, element: document.createElement('div')})"
    )
    await expect(side_tab(host, "Host only")).to_be_visible()

    # A host-only panel never shows for a candidate.
    candidate = await join(pages, links["join_url"], "Bo")
    await candidate.evaluate(
        "window.pad.registerPanel({id: 'x', label: 'Host only', hostOnly: true, element: document.createElement('div')})"
    )
    await expect(side_tab(candidate, "Chat")).to_be_visible()
    await expect(side_tab(candidate, "Host only")).to_have_count(0)
    await expect(side_tab(candidate, "Notes")).to_have_count(0)
    assert await candidate.locator("#panel-x").count() == 0
    assert pages.console_errors == []


async def test_names_fit_and_my_own_chip_is_in_one_place(pages, server_url):
    links = create(server_url)
    ada = await join(pages, links["host_url"], "Ada Lovelace")
    grace = await join(pages, links["join_url"], "Grace Hopper")
    chips = grace.get_by_role("list", name="Participants")
    await expect(chips.get_by_role("listitem")).to_have_text(["Grace Hopper (you)", "Ada Lovelace host"])
    for name in ("Grace Hopper", "Ada Lovelace"):  # whole, not cut to an ellipsis
        shown = chips.locator(".participant-name", has_text=name)
        assert await shown.evaluate("(name) => name.scrollWidth <= name.clientWidth"), name
    assert await grace.get_by_text("You:").count() == 0
    await expect(grace.locator("header").get_by_text("Grace Hopper", exact=True).filter(visible=True)).to_have_count(1)

    # The count opens everyone's list: whole names, role, colour, and Follow.
    await grace.get_by_role("button", name="2 participants").click()
    everyone = grace.get_by_role("dialog", name="People in this session")
    await expect(everyone).to_be_visible()
    await expect(everyone.get_by_role("listitem")).to_have_text(
        [re.compile(r"Ada Lovelace\s*Interviewer\s*Follow"), re.compile(r"Grace Hopper\s*Candidate · you")]
    )
    follow = everyone.get_by_role("button", name="Follow Ada Lovelace")
    await follow.click()
    await expect(follow).to_have_attribute("aria-pressed", "true")
    await expect(follow).to_have_text("Following")
    await expect(chips.get_by_role("button", name="Follow Ada Lovelace")).to_have_attribute("aria-pressed", "true")
    await grace.keyboard.press("Escape")
    await expect(everyone).to_be_hidden()
    assert pages.console_errors == []
    assert ada  # the host stays connected throughout


async def test_on_a_phone_the_editor_comes_first_and_every_control_fits(pages, server_url):
    links = create(server_url, problem="two-sum")
    phone = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}
    host = await join(pages, links["host_url"], "Ada Lovelace", **phone)
    await join(pages, links["join_url"], "Grace Hopper")
    await expect(host.get_by_role("tab", name="Notes")).to_be_visible()  # welcomed as a host
    box = await editor(host).bounding_box()
    assert box["y"] >= 0 and box["y"] + 150 < 844, box  # on the first screen, with room to type
    await expect(host.get_by_role("region", name="Problem").get_by_role("heading", name="Two Sum")).to_be_visible()
    await expect(host.get_by_role("separator", name="Resize side panels")).to_have_attribute(
        "aria-orientation", "horizontal"
    )

    async def outside(scope) -> list[str]:
        return await scope.evaluate("""(root) => [...root.querySelectorAll('button, select, a, input')]
          .filter((e) => e.getClientRects().length && getComputedStyle(e).visibility !== 'hidden')
          .filter((e) => { const r = e.getBoundingClientRect();
                           return r.left < -0.5 || r.right > innerWidth + 0.5 || r.top < -0.5 || r.bottom > innerHeight + 0.5; })
          .map((e) => e.getAttribute('aria-label') || e.textContent.trim())""")

    assert await outside(host.locator("header")) == []
    # Chips are initials here; the count opens everyone's whole names.
    await host.get_by_role("button", name="2 participants").click()
    everyone = host.get_by_role("dialog", name="People in this session")
    await expect(everyone.get_by_text("Grace Hopper", exact=True)).to_be_visible()
    await expect(everyone).to_be_in_viewport(ratio=1)
    await host.keyboard.press("Escape")
    menu = host.get_by_role("button", name="Menu")
    await menu.click()
    await expect(menu).to_have_attribute("aria-expanded", "true")
    tools = host.get_by_role("navigation", name="Interviewer tools")
    for name in ("Copy invite link", "Download code"):
        await expect(host.get_by_role("button", name=name)).to_be_visible()
    for name in ("Rename", "Load problem", "Lock editing", "Copy host link", "Playback", "End interview"):
        await expect(tools.get_by_role("button", name=name)).to_be_in_viewport(ratio=1)
    await expect(host.get_by_label("Language")).to_be_in_viewport(ratio=1)
    assert await outside(host.locator("body")) == []
    await host.keyboard.press("Escape")
    await expect(menu).to_have_attribute("aria-expanded", "false")
    await expect(tools).to_be_hidden()
    # Back on a wide window the tools are in their own bar again.
    await host.set_viewport_size({"width": 1280, "height": 800})
    await expect(tools).to_be_visible()
    await expect(menu).to_be_hidden()
    assert await host.evaluate("document.querySelector('#host-tools').previousElementSibling.tagName") == "HEADER"
    assert pages.console_errors == []


CARET_JS = """([name]) => {
  const label = [...document.querySelectorAll('.cm-remoteCaret-label')].find((l) => l.textContent === name);
  if (!label) return null;
  const caret = label.parentElement.getBoundingClientRect(), tag = label.getBoundingClientRect();
  const middle = (caret.top + caret.bottom) / 2;
  const line = [...document.querySelectorAll('.cm-line')].findIndex((l) => {
    const r = l.getBoundingClientRect(); return r.top <= middle && middle <= r.bottom; });
  return {line, caretTop: caret.top, caretBottom: caret.bottom, tagTop: tag.top, tagBottom: tag.bottom,
          opacity: Number(getComputedStyle(label).opacity)};
}"""


async def test_a_remote_caret_tag_sits_off_its_line_and_fades_until_the_next_move(pages, server_url):
    links = create(server_url)
    ada = await join(pages, links["join_url"], "Ada")
    bo = await join(pages, links["join_url"], "Bo")
    await set_code(bo, "first = 1\nsecond = 2\nthird = 3\n")
    await settled(bo)

    async def tag(line: int | None = None, opacity: float | None = None):
        place = await ada.evaluate(CARET_JS, ["Bo"])
        if not place or (line is not None and place["line"] != line):
            return None
        return place if opacity is None or place["opacity"] == opacity else None

    await bo.keyboard.press("ControlOrMeta+Home")  # line 1: no room above, the tag goes under the line
    first = await wait_for(lambda: tag(line=0), message="Bo's caret on line 1")
    assert first["tagTop"] >= first["caretBottom"] - 1, first
    await bo.keyboard.press("ArrowDown")
    await bo.keyboard.press("ArrowDown")
    third = await wait_for(lambda: tag(line=2), message="Bo's caret on line 3")
    assert third["tagBottom"] <= third["caretTop"] + 1, third  # above the line, off the code Bo is on
    assert third["opacity"] == 1
    # Still for a couple of seconds: the tag fades; Bo moves: it shows again.
    await wait_for(lambda: tag(line=2, opacity=0), timeout=6, message="the tag to fade")
    await bo.keyboard.press("ArrowRight")
    await wait_for(lambda: tag(line=2, opacity=1), timeout=5, message="the tag to come back")
    assert pages.console_errors == []


async def test_on_a_phone_the_on_screen_keyboard_does_not_hide_the_line_being_typed(pages, server_url):
    """The keyboard opening resizes the visual viewport (interactive-widget=resizes-content): the line with the
    caret stays in sight."""
    links = create(server_url)
    phone = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}
    page = await join(pages, links["join_url"], "Grace Hopper", **phone)
    await set_code(page, "\n".join(f"line_{n} = {n}" for n in range(60)) + "\n")
    await page.keyboard.insert_text("typing_here = 1")
    await settled(page)
    await page.set_viewport_size({"width": 390, "height": 420})  # the on-screen keyboard takes the rest

    async def caret_in_sight() -> bool:
        return await page.evaluate("""() => {
          const caret = document.querySelector('.cm-cursor-primary, .cm-cursor');
          const line = [...document.querySelectorAll('.cm-line')].find((l) => l.textContent === 'typing_here = 1');
          const box = (line ?? caret)?.getBoundingClientRect();
          const scroller = document.querySelector('.cm-scroller').getBoundingClientRect();
          return !!box && box.top >= Math.max(0, scroller.top) - 1 && box.bottom <= Math.min(innerHeight, scroller.bottom) + 1;
        }""")

    await wait_for(caret_in_sight, timeout=5, message="the typed line in sight above the keyboard")
    await page.keyboard.insert_text("!")  # and typing goes on there
    await expect(page.locator(".cm-line", has_text="typing_here = 1!")).to_be_in_viewport()

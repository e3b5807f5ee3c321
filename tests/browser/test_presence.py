"""People on the editor page: names and colours in the list and on cursors, remote cursors that stay
on their character while others type, following someone, and the name dialog."""

from __future__ import annotations

import asyncio

from playwright.async_api import Page, expect

from .conftest import ARTIFACTS, create_session, wait_for
from .helpers import editor, settled, text_of

CODE = "first = 1\nprint('TARGET')\nlast = 2\n"


async def join_as(pages, base_url: str, session_id: str, name: str | None) -> Page:
    """Open the session in a browser of one's own (`name` remembered; None: never visited before)."""
    page = await pages.person(f"{base_url}/session/{session_id}", name=name)
    await expect(page.get_by_role("status", name="Connection")).to_have_text("Connected", timeout=15_000)
    await expect(editor(page)).to_be_visible()
    return page


def people(page: Page):
    return page.get_by_role("list", name="Participants")


def count(page: Page):
    return page.locator("#participant-count")


def label_of(page: Page, name: str):
    """The name tag on `name`'s remote caret in this page's editor."""
    return page.locator(".cm-remoteCaret-label", has_text=name)


async def put_code(page: Page, code: str) -> None:
    await editor(page).click()
    await page.keyboard.press("ControlOrMeta+a")
    await page.keyboard.insert_text(code)
    await settled(page)


async def caret_before(page: Page, line: int, column: int) -> None:
    """Put the caret on `line` (1-based) before `column` (0-based), with the keyboard."""
    await editor(page).click()
    await page.keyboard.press("ControlOrMeta+Home")
    for _ in range(line - 1):
        await page.keyboard.press("ArrowDown")
    await page.keyboard.press("Home")
    for _ in range(column):
        await page.keyboard.press("ArrowRight")


# Screen positions, measured in the page once it has drawn a frame (carets are drawn in CodeMirror's
# measure phase): the first character of `marker`, a remote caret (by its owner's name) and the local
# caret. Carets are 2px wide lines centred on the character's left edge.
GEOMETRY_JS = """
async ([marker, name]) => {
  for (let i = 0; i < 2; i++) await new Promise(requestAnimationFrame);
  const box = (r) => r && { left: r.left, top: r.top, bottom: r.bottom };
  let char = null;
  const walker = document.createTreeWalker(document.querySelector(".cm-content"), NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node && !char; node = walker.nextNode()) {
    const at = node.data.indexOf(marker);
    if (at < 0) continue;
    const range = document.createRange();
    range.setStart(node, at);
    range.setEnd(node, at + 1);
    char = box(range.getBoundingClientRect());
  }
  const caret = [...document.querySelectorAll(".cm-remoteCaret")]
    .find((el) => el.querySelector(".cm-remoteCaret-label:not([hidden])")?.textContent === name);
  const local = document.querySelector(".cm-cursor-primary");
  const centre = (el) => {
    if (!el) return null;
    const r = el.getBoundingClientRect();
    return { left: r.left + r.width / 2, top: r.top, bottom: r.bottom };
  };
  return { char, caret: centre(caret), local: centre(local) };
}
"""


async def geometry(page: Page, marker: str, name: str = "") -> dict:
    return await page.evaluate(GEOMETRY_JS, [marker, name])


def on_char(caret: dict | None, char: dict | None) -> bool:
    """A caret drawn at the left edge of a character, on its line."""
    return (
        caret is not None
        and char is not None
        and abs(caret["left"] - char["left"]) <= 2.5
        and caret["top"] < char["bottom"]
        and caret["bottom"] > char["top"]
    )


async def remote_caret_on(page: Page, name: str, marker: str) -> bool:
    """`name`'s caret is drawn at the first character of `marker` (in one of a few frames: text that
    arrives just before a measurement is laid out at once, the carets at CodeMirror's next measure, which a
    busy machine may put off by a few frames)."""
    for _ in range(10):
        spot = await geometry(page, marker, name)
        if on_char(spot["caret"], spot["char"]):
            return True
        await next_frame(page)
    return False


async def next_frame(page: Page) -> None:
    """Wait for the page's next animation frame (when CodeMirror measures and draws)."""
    await page.evaluate("() => new Promise((resolve) => requestAnimationFrame(() => resolve()))")


async def remote_head_at(page: Page, name: str, marker: str) -> bool:
    """In the editor's state (read at one instant): `name`'s cursor is right before `marker`."""
    return await page.evaluate(
        """([name, marker]) => {
      const text = window.pad.getText();
      const cursor = window.pad.remoteCursors().find((c) => c.name === name);
      return Boolean(cursor) && cursor.head === text.indexOf(marker) && cursor.anchor === cursor.head;
    }""",
        [name, marker],
    )


async def local_caret_on(page: Page, marker: str) -> bool:
    for _ in range(4):
        spot = await geometry(page, marker)
        if on_char(spot["local"], spot["char"]):
            return True
        await next_frame(page)
    return False


async def test_names_and_colours_show_in_the_list_and_on_cursors(pages, server_url):
    session_id = create_session(server_url)
    ada, bo, cy = [await join_as(pages, server_url, session_id, name) for name in ("Ada", "Bo", "Cy")]
    for page, me in ((ada, "Ada"), (bo, "Bo"), (cy, "Cy")):
        await expect(count(page)).to_have_text("3 participants")
        # My own chip first (it is the button that renames me), then the others in the order they came.
        await expect(people(page).get_by_role("listitem")).to_have_text(
            [f"{me} (you)", *(name for name in ("Ada", "Bo", "Cy") if name != me)]
        )
        await expect(page.get_by_role("button", name="Change your name")).to_have_text(f"{me} (you)")
        # A Follow button for each of the others, none for me.
        others = [name for name in ("Ada", "Bo", "Cy") if name != me]
        for name in others:
            await expect(page.get_by_role("button", name=f"Follow {name}")).to_have_attribute("aria-pressed", "false")
        await expect(page.get_by_role("button", name=f"Follow {me}")).to_have_count(0)
    dots = (
        await people(ada)
        .locator(".participant-dot")
        .evaluate_all("(dots) => dots.map((dot) => getComputedStyle(dot).backgroundColor)")
    )
    assert len(set(dots)) == 3, dots

    await put_code(ada, CODE)
    await wait_for(lambda: _same(ada, bo, cy), message="the code to reach everyone")
    await caret_before(ada, 2, 7)  # before the T of TARGET
    await caret_before(cy, 3, 0)
    for page in (bo, cy):
        await wait_for(lambda page=page: remote_caret_on(page, "Ada", "TARGET"), message="Ada's caret at TARGET")
    await wait_for(lambda: remote_caret_on(bo, "Cy", "last"), message="Cy's caret at `last` in Bo's page")
    # The tag is in the person's colour (the colour of their dot in the list), with readable text.
    ada_dot = people(bo).get_by_role("listitem").filter(has_text="Ada").locator(".participant-dot")
    ada_colour = await ada_dot.evaluate("(dot) => getComputedStyle(dot).backgroundColor")
    tag = label_of(bo, "Ada")
    await expect(tag).to_be_visible()
    assert await tag.evaluate("(tag) => getComputedStyle(tag).backgroundColor") == ada_colour
    assert await tag.evaluate("(tag) => getComputedStyle(tag).color") in ("rgb(255, 255, 255)", "rgb(17, 17, 17)")
    await expect(label_of(bo, "Cy")).to_be_visible()
    await expect(label_of(bo, "Bo")).to_have_count(0)  # never my own
    assert pages.console_errors == []


async def test_a_remote_cursor_stays_on_its_character_while_others_type(pages, server_url):
    session_id = create_session(server_url)
    ada, bo, cy = [await join_as(pages, server_url, session_id, name) for name in ("Ada", "Bo", "Cy")]
    await put_code(ada, CODE)
    await wait_for(lambda: _has(cy, "TARGET"), message="the code to reach Cy")
    await caret_before(ada, 2, 7)
    for page in (bo, cy):
        await wait_for(lambda page=page: remote_caret_on(page, "Ada", "TARGET"), message="Ada's caret at TARGET")

    # Bo types before it on its line; Cy types at the start of the document, both at once.
    await caret_before(bo, 2, 0)
    await caret_before(cy, 1, 0)

    async def type_in_chunks(page, letter):
        for _ in range(6):
            await page.keyboard.type(letter * 8, delay=15)
            # While typing: Ada's caret is still at the T, and the typist's own caret where it typed.
            assert await remote_head_at(page, "Ada", "TARGET")
            assert await remote_caret_on(page, "Ada", "TARGET")
            assert await local_caret_on(page, "print" if letter == "b" else "first")

    await asyncio.gather(type_in_chunks(bo, "b"), type_in_chunks(cy, "c"))
    for page in (ada, bo, cy):
        await settled(page)
    await wait_for(lambda: _same(ada, bo, cy), message="the three pages to converge")
    assert ("c" * 48 + "first") in await text_of(ada) and ("b" * 48 + "print('TARGET')") in await text_of(ada)
    for page in (bo, cy):
        await wait_for(lambda page=page: remote_caret_on(page, "Ada", "TARGET"), message="Ada's caret still at TARGET")
    assert await local_caret_on(ada, "TARGET")  # Ada's own caret never moved
    assert await local_caret_on(bo, "print") and await local_caret_on(cy, "first")
    # The others' carets, in Ada's page, after what they typed.
    await wait_for(lambda: remote_caret_on(ada, "Bo", "print"), message="Bo's caret after his b's")
    await wait_for(lambda: remote_caret_on(ada, "Cy", "first"), message="Cy's caret after her c's")
    await ada.screenshot(path=str(ARTIFACTS / "presence-three-people.png"))
    assert pages.console_errors == []


async def test_a_remote_cursor_stays_put_while_you_type_unconfirmed_edits(pages, server_url):
    """Cursors that arrive while my own edits are unconfirmed are mapped through them."""
    session_id = create_session(server_url)
    ada, bo = [await join_as(pages, server_url, session_id, name) for name in ("Ada", "Bo")]
    await put_code(ada, CODE)
    await wait_for(lambda: _has(bo, "TARGET"), message="the code to reach Bo")
    await caret_before(bo, 1, 0)
    await caret_before(ada, 2, 7)
    # Bo types steadily while Ada moves her caret about on the TARGET line.
    typing = asyncio.create_task(bo.keyboard.type("z" * 60, delay=20))
    for key in ("ArrowRight", "ArrowRight", "ArrowLeft", "ArrowLeft"):
        await ada.keyboard.press(key)
        await asyncio.sleep(0.15)
    await typing
    await settled(bo)
    await wait_for(lambda: remote_caret_on(bo, "Ada", "TARGET"), message="Ada's caret at TARGET in Bo's page")
    assert await local_caret_on(bo, "first")


async def test_follow_keeps_their_cursor_in_view_until_you_move(pages, server_url):
    session_id = create_session(server_url)
    ada, bo, cy = [await join_as(pages, server_url, session_id, name) for name in ("Ada", "Bo", "Cy")]
    await put_code(ada, "".join(f"line_{i} = {i}\n" for i in range(300)))
    await wait_for(lambda: _has(bo, "line_299"), message="the code to reach Bo")
    await caret_before(bo, 1, 0)
    await caret_before(ada, 1, 0)
    follow_ada = bo.get_by_role("button", name="Follow Ada")
    await follow_ada.click()
    await expect(follow_ada).to_have_attribute("aria-pressed", "true")

    await ada.keyboard.press("ControlOrMeta+End")
    await ada.keyboard.type("# Ada was here", delay=10)
    await wait_for(lambda: _caret_in_view(bo, "Ada"), message="Bo's view to follow Ada to the end")
    await ada.keyboard.press("ControlOrMeta+Home")
    await wait_for(lambda: _caret_in_view(bo, "Ada"), message="Bo's view to follow Ada back to the top")
    await caret_before(ada, 150, 0)
    await wait_for(lambda: _caret_in_view(bo, "Ada"), message="Bo's view to follow Ada to the middle")

    # Only one person is followed at a time.
    follow_cy = bo.get_by_role("button", name="Follow Cy")
    await follow_cy.click()
    await expect(follow_cy).to_have_attribute("aria-pressed", "true")
    await expect(follow_ada).to_have_attribute("aria-pressed", "false")
    await follow_ada.click()
    await expect(follow_cy).to_have_attribute("aria-pressed", "false")

    # Bo scrolls the editor himself: following stops, and Ada moving no longer scrolls his view.
    await editor(bo).hover()
    await bo.mouse.wheel(0, -200)
    await expect(follow_ada).to_have_attribute("aria-pressed", "false")
    top_before = await _settled_scroll_top(bo)
    await ada.keyboard.press("ControlOrMeta+End")
    await ada.keyboard.type(" again", delay=10)
    await wait_for(lambda: _has(bo, "# Ada was here again"), message="Ada's typing to reach Bo")
    await asyncio.sleep(0.5)
    assert await _scroll_top(bo) == top_before
    assert not await _caret_in_view(bo, "Ada")

    # Following again, then a key press in the editor stops it too.
    await follow_ada.click()
    await wait_for(lambda: _caret_in_view(bo, "Ada"), message="Bo's view to jump to Ada")
    await editor(bo).press("ArrowDown")
    await expect(follow_ada).to_have_attribute("aria-pressed", "false")
    assert pages.console_errors == []


async def test_a_first_visit_asks_for_a_name_and_remembers_it(pages, server_url):
    session_id = create_session(server_url)
    ada = await join_as(pages, server_url, session_id, "Ada")
    page = await pages.person(f"{server_url}/session/{session_id}", name=None)
    dialog = page.get_by_role("dialog", name="What's your name?")
    await expect(dialog).to_be_visible()
    await dialog.get_by_role("textbox", name="Your name").fill("  Grace   Hopper ")
    await dialog.get_by_role("button", name="Join").click()
    await expect(dialog).to_be_hidden()
    await expect(page.get_by_role("button", name="Change your name")).to_have_text("Grace Hopper (you)")
    await expect(people(page).get_by_role("listitem")).to_have_text(["Grace Hopper (you)", "Ada"])
    await expect(people(ada).get_by_role("listitem")).to_have_text(["Ada (you)", "Grace Hopper"])

    # Remembered: after a reload the page does not ask again.
    await page.reload()
    await expect(page.get_by_role("button", name="Change your name")).to_have_text("Grace Hopper (you)")
    await expect(page.get_by_role("dialog")).to_be_hidden()
    await expect(people(ada).get_by_role("listitem")).to_have_text(["Ada (you)", "Grace Hopper"])

    # Renaming: the dialog opens prefilled; everyone sees the new name, on the list and on the cursor.
    await caret_before(page, 1, 0)
    await wait_for(lambda: _visible(label_of(ada, "Grace Hopper")), message="Grace's caret in Ada's page")
    await page.get_by_role("button", name="Change your name").click()
    box = dialog.get_by_role("textbox", name="Your name")
    await expect(box).to_have_value("Grace Hopper")
    await box.fill("Grace")
    await box.press("Enter")
    await expect(people(ada).get_by_role("listitem")).to_have_text(["Ada (you)", "Grace"])
    await expect(label_of(ada, "Grace")).to_have_text("Grace")
    assert await page.evaluate("localStorage.getItem('interview-pad:name')") == "Grace"
    assert pages.console_errors == []


async def test_escape_on_the_name_dialog_keeps_guest(pages, server_url):
    session_id = create_session(server_url)
    page = await pages.person(f"{server_url}/session/{session_id}", name=None)
    dialog = page.get_by_role("dialog", name="What's your name?")
    await expect(dialog).to_be_visible()
    await page.keyboard.press("Escape")
    await expect(dialog).to_be_hidden()
    await expect(people(page).get_by_role("listitem")).to_have_text(["Guest (you)"])
    await expect(count(page)).to_have_text("1 participant")
    assert await page.evaluate("localStorage.getItem('interview-pad:name')") is None


async def test_names_are_shown_as_text_never_as_html(pages, server_url):
    session_id = create_session(server_url)
    name = "<img src=x onerror=window.pwned=1>"
    ada = await join_as(pages, server_url, session_id, "Ada")
    mallory = await join_as(pages, server_url, session_id, name)
    await caret_before(mallory, 1, 0)
    await expect(people(ada).get_by_role("listitem")).to_have_text(["Ada (you)", name])
    await expect(label_of(ada, "<img")).to_have_text(name)
    await expect(ada.get_by_role("button", name=f"Follow {name}")).to_be_visible()
    assert await ada.evaluate("document.querySelectorAll('main img, header img, .cm-editor img').length") == 0
    assert await ada.evaluate("window.pwned") is None


async def test_someone_leaving_takes_their_name_and_cursor_away(pages, server_url):
    session_id = create_session(server_url)
    ada, bo, cy = [await join_as(pages, server_url, session_id, name) for name in ("Ada", "Bo", "Cy")]
    await caret_before(cy, 1, 3)
    await expect(label_of(ada, "Cy")).to_be_visible()
    await cy.close()
    await expect(count(ada)).to_have_text("2 participants")
    await expect(people(ada).get_by_role("listitem")).to_have_text(["Ada (you)", "Bo"])
    await expect(label_of(ada, "Cy")).to_have_count(0)
    await expect(bo.get_by_role("button", name="Follow Cy")).to_have_count(0)


async def test_after_a_reconnect_names_and_standing_cursors_come_back(pages, server_url, proxy):
    session_id = create_session(server_url)
    ada = await join_as(pages, f"http://127.0.0.1:{proxy.port}", session_id, "Ada")
    bo = await join_as(pages, server_url, session_id, "Bo")
    await put_code(ada, CODE)
    await wait_for(lambda: _has(bo, "TARGET"), message="the code to reach Bo")
    await caret_before(ada, 2, 7)
    await caret_before(bo, 3, 0)
    await wait_for(lambda: remote_caret_on(ada, "Bo", "last"), message="Bo's caret in Ada's page")
    await wait_for(lambda: remote_caret_on(bo, "Ada", "TARGET"), message="Ada's caret in Bo's page")

    proxy.cut()
    await expect(ada.get_by_role("status", name="Connection")).not_to_have_text("Connected")
    await expect(people(bo).get_by_role("listitem")).to_have_text(["Bo (you)"])
    await expect(label_of(bo, "Ada")).to_have_count(0)
    # While Ada is away, Bo types, then puts his caret elsewhere: she learns both after the reconnect.
    await bo.keyboard.type("x" * 30, delay=5)
    await caret_before(bo, 1, 0)
    await settled(bo)
    proxy.restore()
    await expect(ada.get_by_role("status", name="Connection")).to_have_text("Connected", timeout=15_000)
    await expect(people(bo).get_by_role("listitem")).to_have_text(["Bo (you)", "Ada"])
    await expect(people(ada).get_by_role("listitem")).to_have_text(["Ada (you)", "Bo"])
    # Nobody moved since, yet each sees where the other's cursor is now.
    await wait_for(lambda: remote_caret_on(ada, "Bo", "first"), message="Bo's caret in Ada's page again")
    await wait_for(lambda: remote_caret_on(bo, "Ada", "TARGET"), message="Ada's caret back in Bo's page")
    assert await remote_head_at(ada, "Bo", "first") and await remote_head_at(bo, "Ada", "TARGET")
    assert "x" * 30 + "last" in await text_of(ada)


async def test_composing_text_with_an_ime_is_not_disturbed_by_remote_cursors(pages, server_url):
    session_id = create_session(server_url)
    ada, bo = [await join_as(pages, server_url, session_id, name) for name in ("Ada", "Bo")]
    await put_code(ada, CODE)
    await wait_for(lambda: _has(bo, "TARGET"), message="the code to reach Bo")
    await caret_before(bo, 3, 0)
    cdp = await bo.context.new_cdp_session(bo)
    # Bo composes (as with a Japanese IME) while Ada moves her caret and types elsewhere.
    await cdp.send("Input.imeSetComposition", {"text": "に", "selectionStart": 1, "selectionEnd": 1})
    await caret_before(ada, 1, 0)
    for step in ("ほ", "にほ", "にほん"):
        await ada.keyboard.type("a", delay=20)
        await asyncio.sleep(0.12)  # Ada's cursor reaches Bo's page meanwhile
        await cdp.send(
            "Input.imeSetComposition", {"text": step, "selectionStart": len(step), "selectionEnd": len(step)}
        )
    await wait_for(lambda: remote_caret_on(bo, "Ada", "first"), message="Ada's caret in Bo's page during composition")
    await cdp.send("Input.insertText", {"text": "日本"})
    for page in (ada, bo):
        await settled(page)
    await wait_for(lambda: _same(ada, bo), message="both pages to converge")
    text = await text_of(bo)
    assert text == "aaafirst = 1\nprint('TARGET')\n日本last = 2\n", text
    assert pages.console_errors == []


async def _has(page: Page, needle: str) -> bool:
    return needle in await text_of(page)


async def _same(*pages_) -> bool:
    texts = [await text_of(page) for page in pages_]
    return all(text == texts[0] for text in texts)


async def _visible(locator) -> bool:
    return await locator.count() > 0 and await locator.first.is_visible()


async def _scroll_top(page: Page) -> float:
    return await page.evaluate("document.querySelector('.cm-scroller').scrollTop")


async def _settled_scroll_top(page: Page) -> float:
    """The editor's scroll position once it has stopped moving (a wheel scroll is smooth)."""
    last = None
    while (top := await _scroll_top(page)) != last:
        last = top
        await asyncio.sleep(0.2)
    return top


async def _caret_in_view(page: Page, name: str) -> bool:
    """`name`'s caret is drawn inside the visible part of the editor."""
    return await page.evaluate(
        """(name) => {
      const caret = [...document.querySelectorAll(".cm-remoteCaret")]
        .find((el) => el.querySelector(".cm-remoteCaret-label:not([hidden])")?.textContent === name);
      if (!caret) return false;
      const c = caret.getBoundingClientRect(), s = document.querySelector(".cm-scroller").getBoundingClientRect();
      return c.top >= s.top && c.bottom <= s.bottom;
    }""",
        name,
    )

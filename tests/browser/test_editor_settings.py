"""Each person's editor settings in real Chromium (issue 24): the settings dialog (Ctrl/Cmd-, and the gear
button) switches keymap, font size, indentation, wrapping, theme and completion at once, without a reload; the
settings survive a reload and are not seen by another person; Vim's `ihello<Esc>0x`, `dd` and `u` behave as in
Vim while a second person types elsewhere, and both pages end identical; `:w` harms nothing; Escape in Vim stays
with Vim."""

from __future__ import annotations

import asyncio

import pytest
from playwright.async_api import Page, expect

from .conftest import create_session_links, wait_for
from .helpers import connected, editor, set_code, settled, text_of
from .test_accessibility import violations


async def open_settings(page: Page, keyboard: bool = True):
    """The settings dialog, opened as a person would (Ctrl-, or the gear button)."""
    if keyboard:
        await page.keyboard.press("Control+Comma")
    else:
        await page.get_by_role("button", name="Editor settings").click()
    dialog = page.get_by_role("dialog", name="Editor settings")
    await expect(dialog).to_be_visible()
    return dialog


async def choose(page: Page, **choices: str) -> None:
    """Set the dialog's fields by their labels (selects by option text, checkboxes by True/False), then Done."""
    dialog = await open_settings(page, keyboard=False)
    for label, value in choices.items():
        field = dialog.get_by_label(label, exact=True)
        if isinstance(value, bool):
            await field.set_checked(value)
        else:
            await field.select_option(label=value)
    await dialog.get_by_role("button", name="Done").click()
    await expect(dialog).to_be_hidden()


def vim_status(page: Page):
    return page.locator(".cm-vim-panel")


async def start_of_line(page: Page, number: int) -> None:
    """The caret at the start of line `number` (clicking the editor, then keys a Vim user would press)."""
    await editor(page).click()
    await page.keyboard.press("Escape")
    await page.keyboard.type("gg")
    if number > 1:
        await page.keyboard.type(f"{number - 1}j")
    await page.keyboard.type("0")


@pytest.mark.asyncio(loop_scope="session")
async def test_vim_edits_like_vim_while_another_person_types(pages, server_url):
    links = create_session_links(server_url, language="python")
    url = f"{server_url}/session/{links['session_id']}"
    ana = await connected(await pages.person(url, name="Ana"))
    ben = await connected(await pages.person(url, name="Ben"))
    await set_code(ana, "first line\nsecond line\nthird line\n")
    await settled(ana)
    await wait_for(lambda: text_of(ben), message="Ben has the text")

    dialog = await open_settings(ana)  # Ctrl-, from the editor
    await dialog.get_by_label("Keys", exact=True).select_option(label="Vim")
    await page_escape_closes(ana, dialog)
    await expect(vim_status(ana)).to_contain_text("--NORMAL--")
    await expect(vim_status(ben)).to_have_count(0)  # Ana's keys only

    # Ben types at the end of the document the whole time Ana edits line 1 with Vim's keys.
    async def ben_types() -> None:
        await editor(ben).click()
        await ben.keyboard.press("ControlOrMeta+End")
        for word in ["alpha ", "beta ", "gamma ", "delta ", "epsilon"]:
            await ben.keyboard.type(word, delay=25)

    typing = asyncio.create_task(ben_types())
    await start_of_line(ana, 1)
    await ana.keyboard.type("ihello")
    await expect(vim_status(ana)).to_contain_text("--INSERT--")
    await ana.keyboard.press("Escape")
    await expect(vim_status(ana)).to_contain_text("--NORMAL--")
    await ana.keyboard.type("0x")
    await wait_for(lambda: first_line_is(ana, "ellofirst line"), message="ihello<Esc>0x on line 1")
    await ana.keyboard.type("dd")
    await wait_for(lambda: first_line_is(ana, "second line"), message="dd removed line 1")
    await ana.keyboard.type("u")
    await wait_for(lambda: first_line_is(ana, "ellofirst line"), message="u brought line 1 back")
    await typing

    ana_text, ana_version = await settled(ana)
    await wait_for(lambda: same_version(ben, ana_version), message="Ben caught up")
    assert await text_of(ben) == ana_text
    assert ana_text.startswith("ellofirst line\nsecond line\nthird line\n")
    assert ana_text.endswith("alpha beta gamma delta epsilon")

    # :w writes nothing and breaks nothing: the pad says it saves as it goes.
    await ana.keyboard.type(":w")
    await ana.keyboard.press("Enter")
    await expect(ana.get_by_role("alert")).to_contain_text("saves every change")
    assert await text_of(ana) == ana_text

    # Back to the standard keys without a reload: "i" is a letter again.
    await choose(ana, Keys="Standard")
    await expect(vim_status(ana)).to_have_count(0)
    await editor(ana).click()
    await ana.keyboard.press("ControlOrMeta+Home")
    await ana.keyboard.type("ix")
    await wait_for(lambda: first_line_is(ana, "ixellofirst line"), message="standard keys type letters")


async def page_escape_closes(page: Page, dialog) -> None:
    """Escape in the dialog closes it (as a dialog should), and focus goes back to the editor."""
    await page.keyboard.press("Escape")
    await expect(dialog).to_be_hidden()


async def first_line_is(page: Page, line: str) -> bool:
    return (await text_of(page)).split("\n", 1)[0] == line


async def same_version(page: Page, version: int) -> bool:
    return await page.evaluate("window.pad.getVersion()") >= version and await page.evaluate(
        "window.pad.pendingCount() === 0"
    )


@pytest.mark.asyncio(loop_scope="session")
async def test_escape_in_vim_stays_with_vim(pages, server_url):
    """Escape in Vim's insert mode ends insert mode and goes no further: the page's own Escape handlers (menus,
    popovers) never see it."""
    url = create_session_links(server_url, language="python")["join_url"]
    page = await connected(await pages.person(url, name="Ana"))
    await choose(page, Keys="Vim")
    await expect(vim_status(page)).to_contain_text("--NORMAL--")
    await page.evaluate(
        "window.escapes = 0; document.addEventListener('keydown', (e) => { if (e.key === 'Escape') window.escapes++; })"
    )
    await editor(page).click()
    await page.keyboard.type("i")
    await expect(vim_status(page)).to_contain_text("--INSERT--")
    await page.keyboard.press("Escape")
    await expect(vim_status(page)).to_contain_text("--NORMAL--")
    assert await page.evaluate("window.escapes") == 0


@pytest.mark.asyncio(loop_scope="session")
async def test_settings_are_each_persons_own_and_survive_a_reload(pages, server_url):
    url = create_session_links(server_url, language="python")["join_url"]
    ana = await connected(await pages.person(url, name="Ana"))
    ben = await connected(await pages.person(url, name="Ben"))
    await choose(
        ana,
        **{
            "Keys": "Emacs",
            "Font size": "18 px",
            "Indentation": "2 spaces",
            "Theme": "Dark",
            "Wrap long lines": True,
            "Suggest completions as I type": False,
        },
    )
    await expect_settings_applied(ana, font="18px", theme="dark", wrapping=True)

    # Ben's page is as it was: the settings are Ana's, in Ana's browser.
    await expect_settings_applied(ben, font="14px", theme=None, wrapping=False)
    await ana.reload()
    await connected(ana)
    await expect_settings_applied(ana, font="18px", theme="dark", wrapping=True)
    dialog = await open_settings(ana)
    await expect(dialog.get_by_label("Keys", exact=True)).to_have_value("emacs")
    await expect(dialog.get_by_label("Indentation", exact=True)).to_have_value("2")
    await expect(dialog.get_by_label("Suggest completions as I type")).not_to_be_checked()
    assert await violations(ana) == []
    await dialog.get_by_role("button", name="Done").click()

    # Ana's Tab indents by 2 spaces, Ben's by Python's 4, in the same document.
    await editor(ana).click()
    await ana.keyboard.press("ControlOrMeta+End")
    await ana.keyboard.press("Tab")
    await ana.keyboard.type("a")
    text, version = await settled(ana)
    assert text.endswith("\n  a") or text == "  a"
    await wait_for(lambda: same_version(ben, version), message="Ben has Ana's line")
    await editor(ben).click()
    await ben.keyboard.press("ControlOrMeta+End")
    await ben.keyboard.press("Enter")
    await ben.keyboard.press("Tab")
    await ben.keyboard.type("b")
    text, _ = await settled(ben)
    assert text.endswith("\n    b")

    # Completion on for Ben (the default), off for Ana (one after the other: an edit from the other page where
    # one is typing closes the list, as it should).
    await ben.keyboard.press("Enter")
    await ben.keyboard.type("pri")
    await expect(ben.get_by_role("listbox")).to_be_visible()
    await expect(ben.get_by_role("option", name="print")).to_be_visible()
    await ben.keyboard.press("Escape")
    await settled(ben)
    await ana.keyboard.press("ControlOrMeta+End")
    await ana.keyboard.press("Enter")
    await ana.keyboard.type("pri")
    await asyncio.sleep(1)
    await expect(ana.get_by_role("listbox")).to_have_count(0)


async def expect_settings_applied(page: Page, font: str, theme: str | None, wrapping: bool) -> None:
    content = page.locator(".cm-content")
    await expect(content).to_have_css("font-size", font)
    root = page.locator("html")
    if theme:
        await expect(root).to_have_attribute("data-theme", theme)
    else:
        await expect(root).not_to_have_attribute("data-theme", "dark")
    await expect(page.locator(".cm-content.cm-lineWrapping")).to_have_count(1 if wrapping else 0)
    background = await page.evaluate("getComputedStyle(document.body).backgroundColor")
    if theme == "dark":
        assert background == "rgb(22, 24, 29)", background


@pytest.mark.asyncio(loop_scope="session")
async def test_settings_on_a_phone_and_in_the_embed(pages, server_url):
    """The gear is in the phone's menu; the embed view has it in its bar."""
    links = create_session_links(server_url, language="python")
    phone = await pages.person(name="Ana")
    await phone.set_viewport_size({"width": 390, "height": 800})
    await connected(await phone.goto(links["join_url"]) and phone)
    await phone.get_by_role("button", name="Menu").click()
    await open_settings(phone, keyboard=False)
    embed = await connected(await pages.person(f"{server_url}/embed/{links['session_id']}", name="Ben"))
    await open_settings(embed, keyboard=False)


@pytest.mark.asyncio(loop_scope="session")
async def test_emacs_keys(pages, server_url):
    """C-a, C-k and C-y as in Emacs (kill the line's end, yank it back twice)."""
    url = create_session_links(server_url, language="python")["join_url"]
    page = await connected(await pages.person(url, name="Ana"))
    await set_code(page, "")
    await choose(page, Keys="Emacs")
    await editor(page).click()
    await page.keyboard.type("kept = 1  # gone")
    await wait_for(lambda: page.locator(".cm-emacsMode").count(), message="Emacs keys on")
    await page.keyboard.press("Control+a")
    for _ in range(8):
        await page.keyboard.press("Control+f")
    await page.keyboard.press("Control+k")
    text, _ = await settled(page)
    assert text == "kept = 1"
    await page.keyboard.press("Control+y")
    await page.keyboard.press("Control+y")
    text, _ = await settled(page)
    assert text == "kept = 1  # gone  # gone"


@pytest.mark.asyncio(loop_scope="session")
async def test_lint_follows_the_setting(pages, server_url):
    """Lint off: no marks, and the page asks nothing of the code-tools worker; on again: the problem is marked."""
    url = create_session_links(server_url, language="python")["join_url"]
    page = await connected(await pages.person(url, name="Ana"))
    await choose(page, **{"Underline problems in the code": False})
    await set_code(page, "import os\nprint(undefined_name)\n")
    await settled(page)
    await asyncio.sleep(1.5)  # lint's delay is 0.5 s: long enough to have marked it, were it on
    await expect(page.locator(".cm-lint-marker")).to_have_count(0)
    assert not [url for url in pages.requests if "ruff" in url or "code-tools" in url]
    await choose(page, **{"Underline problems in the code": True})
    await expect(page.locator(".cm-lint-marker-error")).to_have_count(1, timeout=20_000)  # F821 on line 2
    await expect(page.locator(".cm-lint-marker-warning")).to_have_count(1)  # F401 on line 1

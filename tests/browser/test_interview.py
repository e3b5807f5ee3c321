"""Three people in real Chromium: everyone sees every run, the language switches for all, chat with an
unread marker, and a late joiner sees the recent runs and chat."""

from __future__ import annotations

import pytest
from playwright.async_api import Page, expect

from .conftest import create_session
from .helpers import editor, open_tab, output, set_code, settled, side_tab, wait_python_ready


async def join_as(pages, base_url: str, session_id: str, name: str) -> Page:
    """Open the session in a browser of one's own, remembered as `name`, and wait until connected."""
    page = await pages.person(f"{base_url}/session/{session_id}", name=name)
    await expect(page.get_by_role("status", name="Connection")).to_have_text("Connected", timeout=15_000)
    await expect(editor(page)).to_be_visible()
    return page


def chat_log(page: Page):
    return page.get_by_role("log", name="Chat messages")


async def say(page: Page, text: str) -> None:
    await open_tab(page, "Chat")
    box = page.get_by_role("textbox", name="Chat message")
    await box.fill(text)
    await box.press("Enter")


@pytest.mark.python
async def test_a_run_in_one_page_shows_in_the_others(pages, server_url):
    session_id = create_session(server_url)
    ada, bo, cy = [await join_as(pages, server_url, session_id, name) for name in ("Ada", "Bo", "Cy")]
    await wait_python_ready(ada)
    await set_code(ada, 'print("hi from Ada")\nimport sys\nprint("careful", file=sys.stderr)\n')
    _, version = await settled(ada)
    await ada.get_by_role("button", name="Run").click()
    await expect(output(ada).locator(".run-header").last).to_contain_text(f"You ran version {version} · Python")
    for page in (bo, cy):
        panel = output(page)
        await expect(panel.locator(".run-header").last).to_contain_text(
            f"Ada ran version {version} · Python", timeout=20_000
        )
        await expect(panel.locator(".stdout").last).to_have_text("hi from Ada\n")
        await expect(panel.locator(".stderr").last).to_have_text("careful\n")
        await expect(panel.locator(".system").last).to_contain_text("finished in", timeout=20_000)


async def test_switching_language_switches_everyone_and_runs_javascript(pages, server_url):
    session_id = create_session(server_url)
    ada, bo, cy = [await join_as(pages, server_url, session_id, name) for name in ("Ada", "Bo", "Cy")]
    await ada.get_by_label("Language").select_option(label="JavaScript")
    for page in (ada, bo, cy):
        await expect(page.get_by_label("Language")).to_have_value("javascript")
        await expect(page.get_by_role("status", name="JavaScript")).to_have_text("JavaScript ready", timeout=15_000)
    await expect(bo.get_by_role("alert")).to_contain_text("Ada switched the language to JavaScript")
    await set_code(bo, "const squares = [1, 2, 3].map((n) => n * n);\nconsole.log('squares', squares);\n")
    await settled(bo)
    await bo.get_by_role("button", name="Run").click()
    for page in (ada, bo, cy):
        await expect(output(page).locator(".stdout").last).to_have_text("squares [ 1, 4, 9 ]\n", timeout=15_000)
    await expect(output(ada).locator(".run-header").last).to_contain_text("Bo ran version")
    await expect(output(ada).locator(".run-header").last).to_contain_text("JavaScript")
    # Python highlighting gives way to JavaScript's: `const` is a keyword now.
    await expect(bo.locator(".cm-content span", has_text="const").first).to_be_visible()


async def test_chat_arrives_in_order_and_html_shows_as_text(pages, server_url):
    session_id = create_session(server_url)
    ada, bo, cy = [await join_as(pages, server_url, session_id, name) for name in ("Ada", "Bo", "Cy")]
    hostile = '<img src=x onerror="window.pwned = 1"><b>bold?</b>'
    messages = ["Hi both, shall we start?", hostile, "Second line\nof a two-line message"]
    for text in messages:
        await say(ada, text)
    for page in (ada, bo, cy):
        await open_tab(page, "Chat")
        items = chat_log(page).locator(".chat-text")
        await expect(items).to_have_text(messages)
        assert await chat_log(page).locator("img, b").count() == 0
        assert await page.evaluate("window.pwned") is None
    await expect(chat_log(bo).locator(".chat-name").first).to_have_text("Ada")
    await expect(chat_log(ada).locator(".chat-name").first).to_have_text("You")
    await say(bo, "Yes!")
    await expect(chat_log(ada).locator(".chat-text").last).to_have_text("Yes!")


async def test_the_chat_tab_counts_unread_messages_while_another_tab_is_open(pages, server_url):
    session_id = create_session(server_url)
    ada, bo = [await join_as(pages, server_url, session_id, name) for name in ("Ada", "Bo")]
    await expect(side_tab(bo, "Output")).to_have_attribute("aria-selected", "true")  # the first tab, open on arrival
    await say(ada, "one")
    await say(ada, "two")
    marker = bo.get_by_role("tab", name="Chat, 2 unread", exact=True)
    await expect(marker).to_contain_text("2")
    await marker.click()
    await expect(bo.get_by_role("tab", name="Chat", exact=True)).to_have_attribute("aria-selected", "true")
    await expect(chat_log(bo).locator(".chat-divider")).to_have_text("New messages")
    await expect(chat_log(bo).locator(".chat-text")).to_have_text(["one", "two"])
    # Your own messages never count as unread.
    await say(bo, "three")
    await open_tab(bo, "Output")
    await expect(bo.get_by_role("tab", name="Chat", exact=True)).to_be_visible()


@pytest.mark.python
async def test_a_late_joiner_sees_recent_runs_and_chat(pages, server_url):
    session_id = create_session(server_url)
    ada = await join_as(pages, server_url, session_id, "Ada")
    await wait_python_ready(ada)
    await set_code(ada, "for i in range(3):\n    print('line', i)\n")
    await settled(ada)
    await ada.get_by_role("button", name="Run").click()
    await expect(output(ada).locator(".system").last).to_contain_text("finished in", timeout=20_000)
    await say(ada, "I ran it once")
    await expect(chat_log(ada).locator(".chat-text")).to_have_text(["I ran it once"])
    dee = await join_as(pages, server_url, session_id, "Dee")
    panel = output(dee)
    await expect(panel.locator(".run-header")).to_contain_text("Ada ran version")
    await expect(panel.locator(".stdout")).to_have_text("line 0\nline 1\nline 2\n")
    await expect(panel.locator(".system")).to_contain_text("finished in")
    await expect(dee.get_by_role("tab", name="Chat", exact=True)).to_be_visible()  # history is not news: no badge
    await open_tab(dee, "Chat")
    await expect(chat_log(dee).locator(".chat-text")).to_have_text(["I ran it once"])


@pytest.mark.python
async def test_after_a_reconnect_runs_and_chat_are_not_repeated_and_missed_ones_arrive(pages, server_url, proxy):
    session_id = create_session(server_url)
    ada = await join_as(pages, f"http://127.0.0.1:{proxy.port}", session_id, "Ada")
    bo = await join_as(pages, server_url, session_id, "Bo")
    await wait_python_ready(bo)
    await set_code(bo, "print('first run')\n")
    await settled(bo)
    await bo.get_by_role("button", name="Run").click()
    await expect(output(ada).locator(".system").last).to_contain_text("finished in", timeout=20_000)
    await say(bo, "before the cut")
    await open_tab(ada, "Chat")
    await expect(chat_log(ada).locator(".chat-text")).to_have_text(["before the cut"])
    proxy.cut()
    await expect(ada.get_by_role("status", name="Connection")).not_to_have_text("Connected")
    await say(bo, "while you were away")
    await set_code(bo, "print('second run')\n")
    await settled(bo)
    await bo.get_by_role("button", name="Run").click()
    await expect(output(bo).locator(".system").last).to_contain_text("finished in", timeout=20_000)
    proxy.restore()
    await expect(ada.get_by_role("status", name="Connection")).to_have_text("Connected", timeout=15_000)
    await expect(chat_log(ada).locator(".chat-text")).to_have_text(["before the cut", "while you were away"])
    await open_tab(ada, "Output")
    await expect(output(ada).locator(".run-header")).to_have_count(2)
    await expect(output(ada).locator(".stdout")).to_have_text(["first run\n", "second run\n"])

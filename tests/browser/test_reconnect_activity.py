"""A page whose socket is cut and comes back: chat merged without repeats (and still "You"), a run
streamed by someone else meanwhile shown whole and once, and no stale people while disconnected."""

from __future__ import annotations

import asyncio

import pytest
from playwright.async_api import Page, expect

from .conftest import create_session
from .helpers import editor, open_tab, output, set_code, settled, wait_python_ready


async def join_as(pages, base_url: str, session_id: str, name: str) -> Page:
    """Open the session in a browser of one's own, remembered as `name`, and wait until connected."""
    page = await pages.person(f"{base_url}/session/{session_id}", name=name)
    await expect(connection(page)).to_have_text("Connected", timeout=15_000)
    await expect(editor(page)).to_be_visible()
    return page


def connection(page: Page):
    return page.get_by_role("status", name="Connection")


def chat_log(page: Page):
    return page.get_by_role("log", name="Chat messages")


def people(page: Page):
    return page.get_by_role("list", name="Participants")


def page_errors(pages) -> list[str]:
    """Console errors, without the browser's own reports of reconnect attempts refused by the cut proxy."""
    return [error for error in pages.console_errors if "WebSocket connection to" not in error]


async def say(page: Page, text: str) -> None:
    await open_tab(page, "Chat")
    box = page.get_by_role("textbox", name="Chat message")
    await box.fill(text)
    await box.press("Enter")


async def test_chat_after_a_reconnect_keeps_older_messages_and_you_and_repeats_nothing(pages, server_url, proxy):
    session_id = create_session(server_url)
    ada = await join_as(pages, f"http://127.0.0.1:{proxy.port}", session_id, "Ada")
    bo = await join_as(pages, server_url, session_id, "Bo")
    # Ada's first message ends up beyond the last 100 that a reconnect's history carries.
    await say(ada, "mine, oldest")
    chatter = [f"Bo says {n}" for n in range(100)]
    for text in chatter:
        await say(bo, text)
    await say(ada, "mine, recent")
    before = ["mine, oldest", *chatter, "mine, recent"]
    await expect(chat_log(ada).locator(".chat-text")).to_have_text(before, timeout=20_000)

    proxy.cut()
    await expect(connection(ada)).not_to_have_text("Connected")
    await say(bo, "while you were away")
    proxy.restore()
    await expect(connection(ada)).to_have_text("Connected", timeout=15_000)
    await say(bo, "after you came back")

    everything = [*before, "while you were away", "after you came back"]
    await expect(chat_log(ada).locator(".chat-text")).to_have_text(everything)
    names = ["You", *["Bo"] * 100, "You", "Bo", "Bo"]
    await expect(chat_log(ada).locator(".chat-name")).to_have_text(names)
    await expect(chat_log(bo).locator(".chat-text")).to_have_text(everything)
    assert page_errors(pages) == []


# Bo's program prints ticks 0-1, waits at the gate "cut", prints 2-8, waits at "back", then prints 9-19. A gate is
# a blocking request from Python's worker that the test answers (a route on Bo's page), once Ada's socket is cut
# and once it is back: so some output streams before, some while and some after Ada is away, however fast.
GATED_TICKS = """import time
from js import XMLHttpRequest

def gate(name):
    time.sleep(0.01)  # the pad's sleep sends what was printed first
    request = XMLHttpRequest.new()
    request.open("GET", "/test-gate/" + name, False)
    request.send()

for i in range(20):
    print('tick', i)
    if i in (1, 8):
        gate("cut" if i == 1 else "back")
"""


@pytest.mark.python
async def test_a_run_streaming_while_the_socket_is_cut_shows_whole_and_once(pages, server_url, proxy):
    session_id = create_session(server_url)
    ada = await join_as(pages, f"http://127.0.0.1:{proxy.port}", session_id, "Ada")
    bo = await join_as(pages, server_url, session_id, "Bo")
    gates = {"cut": asyncio.Event(), "back": asyncio.Event()}

    async def gate(route):
        await gates[route.request.url.rsplit("/", 1)[1]].wait()
        await route.fulfill(status=204)

    await bo.route("**/test-gate/*", gate)
    await wait_python_ready(bo)
    await set_code(bo, GATED_TICKS)
    await settled(bo)
    await bo.get_by_role("button", name="Run").click()
    await expect(output(ada).locator(".stdout").last).to_contain_text("tick 1", timeout=20_000)

    proxy.cut()
    await expect(connection(ada)).not_to_have_text("Connected")
    gates["cut"].set()
    await expect(output(bo).locator(".stdout").last).to_contain_text("tick 8", timeout=20_000)
    proxy.restore()
    await expect(connection(ada)).to_have_text("Connected", timeout=15_000)
    gates["back"].set()
    await expect(output(bo).locator(".system").last).to_contain_text("finished in", timeout=20_000)

    ticks = "".join(f"tick {i}\n" for i in range(20))
    panel = output(ada)
    await expect(panel.locator(".system").last).to_contain_text("finished in", timeout=20_000)
    await expect(panel.locator(".run-header")).to_have_count(1)
    await expect(panel.locator(".run-header")).to_contain_text("Bo ran version")
    await expect(panel.locator(".stdout")).to_have_text([ticks])
    await expect(panel.locator(".system")).to_have_count(1)


async def test_while_disconnected_nobody_stale_is_listed_and_after_it_the_list_is_right(pages, server_url, proxy):
    session_id = create_session(server_url)
    ada = await join_as(pages, f"http://127.0.0.1:{proxy.port}", session_id, "Ada")
    bo, cy = [await join_as(pages, server_url, session_id, name) for name in ("Bo", "Cy")]
    await editor(bo).click()
    await expect(people(ada).get_by_role("listitem")).to_have_text(["Ada (you)", "Bo", "Cy"])
    await expect(ada.locator(".cm-remoteCaret-label", has_text="Bo")).to_have_count(1)

    proxy.cut()
    await expect(connection(ada)).not_to_have_text("Connected")
    # Ada cannot know who is here now: she is shown nobody, and no one's caret.
    await expect(people(ada).get_by_role("listitem")).to_have_count(0)
    await expect(ada.locator("#participant-count")).to_be_hidden()
    await expect(ada.locator(".cm-remoteCaret")).to_have_count(0)
    await cy.close()  # leaves, and Dee joins, while Ada is away
    dee = await join_as(pages, server_url, session_id, "Dee")
    await expect(people(bo).get_by_role("listitem")).to_have_text(["Bo (you)", "Dee"])

    proxy.restore()
    await expect(connection(ada)).to_have_text("Connected", timeout=15_000)
    await expect(people(ada).get_by_role("listitem")).to_have_text(["Ada (you)", "Bo", "Dee"])
    await expect(ada.locator("#participant-count")).to_have_text("3 participants")
    await expect(ada.get_by_role("button", name="Follow Cy")).to_have_count(0)
    # Bo has not moved since, yet his caret is back (he tells newcomers where it is).
    await expect(ada.locator(".cm-remoteCaret-label", has_text="Bo")).to_have_count(1)
    await expect(people(dee).get_by_role("listitem")).to_have_text(["Dee (you)", "Bo", "Ada"])
    assert page_errors(pages) == []

"""The embed view in an LMS-like page on another origin: it loads, runs code, and talks postMessage
with a host that is allowed (FRAME_ANCESTORS); a host that is not allowed cannot frame it."""

from __future__ import annotations

import asyncio
import json

import pytest
import pytest_asyncio
from playwright.async_api import expect

from ..support.server_process import free_port
from .conftest import PageSite, allow_python, create_session, wait_for
from .helpers import open_session, text_of

# An LMS page: it frames the editor, records what the editor tells it and can send it commands.
HOST_SCRIPT = """
<script>
  window.received = [];
  window.addEventListener("message", (event) => {
    if (event.data && event.data.source === "interview-pad") window.received.push({origin: event.origin, ...event.data});
  });
  window.command = (message) => document.querySelector("iframe").contentWindow.postMessage(message, %s);
</script>
"""


def embed_page(host_page, server_url: str, session_id: str) -> str:
    return host_page(
        f'<h1>Week 3: loops</h1><iframe src="{server_url}/embed/{session_id}" width="900" height="520" '
        f'title="Code editor"></iframe>' + HOST_SCRIPT % json.dumps(server_url)
    )


async def received(page, type_: str, timeout: float = 60, **matching) -> dict:
    """The first message of `type_` from the editor whose fields include `matching`."""
    deadline = asyncio.get_running_loop().time() + timeout
    while asyncio.get_running_loop().time() < deadline:
        for message in await page.evaluate("window.received"):
            if message["type"] == type_ and all(message.get(key) == value for key, value in matching.items()):
                return message
        await asyncio.sleep(0.1)
    raise AssertionError(f"no {type_} {matching} from the editor; got {await page.evaluate('window.received')}")


@pytest_asyncio.fixture(loop_scope="session")
async def foreign_host():
    """A third origin, not in FRAME_ANCESTORS: page_with(body) -> URL."""
    site = await PageSite(free_port()).start()
    yield site.page_with
    await site.stop()


@pytest.mark.python
async def test_an_allowed_host_embeds_drives_and_hears_from_the_editor(pages, server_url, host_page, host_origin):
    session_id = create_session(server_url)
    interviewer = await open_session(pages, server_url, session_id)
    lms = await pages.new(embed_page(host_page, server_url, session_id), name="Student")
    pad = lms.frame_locator("iframe")
    await expect(pad.get_by_role("status", name="Connection")).to_have_text("Connected", timeout=15_000)
    # No landing chrome: no chat, no invite button; a way out to the full editor.
    await expect(pad.get_by_role("region", name="Chat")).to_have_count(0)
    await expect(pad.get_by_role("tab")).to_have_count(0)  # only the output beside the editor: no side tabs
    await expect(pad.get_by_role("button", name="Copy invite link")).to_have_count(0)
    window_link = pad.get_by_role("link", name="Open in a new window").first
    assert await window_link.get_attribute("href") == f"/session/{session_id}"
    assert await window_link.get_attribute("target") == "_blank"
    # Framed by another site the page is not isolated, and says what that changes.
    await expect(pad.get_by_text("Stop restarts Python")).to_be_visible()

    ready = await received(lms, "ready")
    assert ready["sessionId"] == session_id and ready["language"] == "python" and "def greet" in ready["code"]
    assert ready["origin"] == server_url

    await lms.evaluate("window.command({type: 'set-code', code: 'print(6 * 7)\\n'})")
    changed = await received(lms, "code-changed", code="print(6 * 7)\n")
    assert changed["version"] >= 1
    # It is a real edit of the session: the interviewer sees it.
    await expect(interviewer.get_by_role("textbox", name="Code editor")).to_have_text("print(6 * 7)", timeout=10_000)
    assert await text_of(interviewer) == "print(6 * 7)\n"

    await allow_python(lms)
    await lms.evaluate("window.command({type: 'run'})")  # waits for Python to be ready if it is not yet
    finished = await received(lms, "run-finished", timeout=90)
    assert (finished["status"], finished["output"], finished["stdout"], finished["stderr"]) == (
        "ok",
        "42\n",
        "42\n",
        "",
    )
    assert finished["truncated"] is False and finished["durationMs"] >= 0
    # The run is shared like any other: the interviewer sees who ran it and its output.
    await expect(interviewer.get_by_role("region", name="Output")).to_contain_text("42", timeout=10_000)

    await lms.evaluate("window.command({type: 'explode'})")
    error = await received(lms, "error")
    assert "unknown command" in error["message"]
    assert await lms.evaluate("document.querySelector('iframe').contentDocument") is None  # really cross-origin
    assert pages.console_errors == []


async def test_commands_from_another_frame_are_ignored(pages, server_url, host_page, foreign_host):
    """Only the page that frames the editor may drive it: a sibling frame of another origin cannot."""
    session_id = create_session(server_url)
    sibling = foreign_host(f"""<script>
      window.attack = () => parent.frames[0].postMessage({{type: "set-code", code: "hacked"}}, {json.dumps(server_url)});
    </script>""")
    lms = await pages.new(
        host_page(
            f'<iframe src="{server_url}/embed/{session_id}" width="900" height="520"></iframe>'
            f'<iframe src="{sibling}" width="10" height="10"></iframe>' + HOST_SCRIPT % json.dumps(server_url)
        )
    )
    ready = await received(lms, "ready")
    pad, other = lms.frames[1:3] if lms.frames[1].url.endswith(f"/embed/{session_id}") else lms.frames[2:0:-1]
    # The editor has the sibling's command in hand (a listener added after the editor's own runs after it)...
    await pad.evaluate("""() => { window.hacked = new Promise((resolve) => addEventListener("message",
      (event) => event.data?.code === "hacked" && setTimeout(resolve, 0))); }""")
    await other.evaluate("window.attack()")
    await pad.evaluate("window.hacked")
    # ...and has answered a command sent after it by the page that frames it: it has handled both.
    await lms.evaluate("window.command({type: 'explode'})")
    await received(lms, "error")
    assert await pad.evaluate("window.pad.getText()") == ready["code"]
    assert not [m for m in await lms.evaluate("window.received") if m["type"] == "code-changed"]


async def test_a_host_that_is_not_allowed_cannot_frame_the_editor(pages, server_url, foreign_host):
    session_id = create_session(server_url)
    refused = []
    page = await pages.new()
    page.on("console", lambda message: "frame-ancestors" in message.text and refused.append(message.text))
    await page.goto(foreign_host(f'<iframe src="{server_url}/embed/{session_id}" width="900" height="520"></iframe>'))
    frame = page.frames[1]
    await wait_for(
        lambda: asyncio.sleep(0, bool(refused)), timeout=10, message="the browser to report the frame-ancestors refusal"
    )
    assert await frame.locator("text=Run").count() == 0  # nothing of the editor rendered
    pages.console_errors.clear()  # that refusal is the expected console error here

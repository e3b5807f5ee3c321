"""Typing costs one frame per keystroke each way: the page's cursor rides on its push and reaches the others on
the same `updates` frame, and their page moves the caret from it."""

from __future__ import annotations

import json

from .conftest import create_session, wait_for
from .helpers import editor, settled
from .test_presence import join_as


async def test_typing_sends_no_cursor_frames_and_the_caret_still_follows(pages, server_url):
    session_id = create_session(server_url)
    ada, bo = [await join_as(pages, server_url, session_id, name) for name in ("Ada", "Bo")]
    sent, received = [], []
    ada.on("websocket", lambda ws: ws.on("framesent", lambda frame: sent.append(json.loads(frame)["type"])))
    # Ada's page was connected before the listener: reload so the socket it uses is watched.
    await ada.reload()
    await wait_for(lambda: _connected(ada), message="Ada back")
    bo.on("websocket", lambda ws: ws.on("framereceived", lambda frame: received.append(json.loads(frame))))
    await bo.reload()
    await wait_for(lambda: _connected(bo), message="Bo back")
    await editor(ada).click()
    await ada.keyboard.press("ControlOrMeta+End")
    # That move's own cursor frame (sent a moment later: cursors are throttled) arrives before the count starts.
    await wait_for(lambda: _caret_at_end(bo), message="Ada's caret at the end")
    sent.clear()
    received.clear()
    for letter in "MARKER":
        await ada.keyboard.type(letter)
        await settled(ada)  # each keystroke confirmed before the next, as a person types at ~10/s or slower
    await wait_for(lambda: _after_marker(bo), message="Ada's caret after MARKER")
    pushes = sent.count("push")
    assert pushes == 6, sent
    assert sent.count("cursor") == 0, sent  # every one rode on its push
    with_cursor = [frame for frame in received if frame["type"] == "updates" and "cursor" in frame["data"]]
    assert len(with_cursor) == 6
    assert not [frame for frame in received if frame["type"] == "cursor"]
    assert pages.console_errors == []


async def _connected(page) -> bool:
    return await page.evaluate("window.pad.isConnected()")


async def _caret_at_end(page) -> bool:
    """Ada's remote caret (as this page shows it) sits at the end of the text."""
    length = await page.evaluate("window.pad.getText().length")
    return any(c["name"] == "Ada" and c["head"] == length for c in await page.evaluate("window.pad.remoteCursors()"))


async def _after_marker(page) -> bool:
    """Ada's remote caret sits at the end of the text, right after MARKER."""
    cursors = await page.evaluate("window.pad.remoteCursors()")
    text = await page.evaluate("window.pad.getText()")
    return any(
        c["name"] == "Ada" and c["head"] == len(text.encode("utf-16-le")) // 2 and text.endswith("MARKER")
        for c in cursors
    )

"""A server restart with the page open: the page says so, reconnects by itself and loses nothing."""

from __future__ import annotations

import asyncio

from playwright.async_api import expect

from ..support.server_process import ServerProcess
from .conftest import create_session
from .helpers import editor, open_session, settled, text_of


async def test_page_survives_a_graceful_restart_and_a_sigkill(pages, tmp_path):
    server = ServerProcess("--store", "sqlite", "--data-dir", str(tmp_path))
    await asyncio.to_thread(server.start)
    try:
        session_id = create_session(server.url)
        page = await open_session(pages, server.url, session_id)
        status = page.get_by_role("status", name="Connection")
        await editor(page).click()
        await page.keyboard.press("ControlOrMeta+End")
        await page.keyboard.type("before = 1\n")
        await settled(page)

        await asyncio.to_thread(server.terminate)  # SIGTERM: a deploy
        await expect(page.get_by_role("alert")).to_have_text("Server restarting, reconnecting…")
        await expect(status).to_have_text("Reconnecting…")
        await page.keyboard.type("during = 2\n")  # typed while the server is down
        await asyncio.to_thread(server.start)
        await expect(status).to_have_text("Connected", timeout=15_000)
        await settled(page)

        await page.keyboard.type("after_kill = 3\n")
        server.kill()  # SIGKILL: a crash
        await expect(status).not_to_have_text("Connected")
        await asyncio.to_thread(server.start)
        await expect(status).to_have_text("Connected", timeout=15_000)
        text, version = await settled(page)
        assert "before = 1\nduring = 2\nafter_kill = 3\n" in text

        fresh = await open_session(pages, server.url, session_id)  # what the server has
        assert await text_of(fresh) == text
    finally:
        server.kill()

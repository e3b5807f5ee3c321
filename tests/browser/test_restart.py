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


async def test_server_restored_from_an_older_backup_resyncs_and_keeps_unsent_edits(pages, tmp_path):
    """The server comes back with fewer updates than the page has seen: the page adopts the server's
    text and rebases the edits it had not sent yet on top of it."""
    import sqlite3

    data = tmp_path / "data"
    server = ServerProcess("--store", "sqlite", "--data-dir", str(data))
    await asyncio.to_thread(server.start)
    try:
        session_id = create_session(server.url)
        page = await open_session(pages, server.url, session_id)
        await editor(page).click()
        await page.keyboard.press("ControlOrMeta+End")
        await page.keyboard.type("kept = 1\n")
        await settled(page)
        backup = tmp_path / "backup.db"
        with sqlite3.connect(data / "sessions.db") as live, sqlite3.connect(backup) as copy:
            live.backup(copy)
        await page.keyboard.type("lost_with_the_server = 2\n")
        await settled(page)
        server.kill()
        for leftover in data.glob("sessions.db*"):
            leftover.unlink()
        backup.rename(data / "sessions.db")  # restore the older backup
        await page.keyboard.press("ControlOrMeta+Home")
        await page.keyboard.type("# typed while the server was away\n")
        await asyncio.to_thread(server.start)
        await expect(page.get_by_role("status", name="Connection")).to_have_text("Connected", timeout=15_000)
        text, _ = await settled(page)
        assert text.startswith("# typed while the server was away\n")
        assert "kept = 1\n" in text and "lost_with_the_server" not in text
        fresh = await open_session(pages, server.url, session_id)
        assert await text_of(fresh) == text
    finally:
        server.kill()


async def test_page_shows_saving_paused_while_postgres_is_down_and_saves_when_it_is_back(pages, tmp_path):
    """The server stays up but its PostgreSQL is killed: the page says saving is paused, keeps what is typed
    meanwhile, and saves it once PostgreSQL is back, without a reload."""
    from ..support.postgres_server import PostgresServer

    database = await asyncio.to_thread(PostgresServer)
    server = ServerProcess("--store", "postgres", "--database-url", database.url, log_path=tmp_path / "server.log")
    await asyncio.to_thread(server.start)
    try:
        session_id = create_session(server.url)
        page = await open_session(pages, server.url, session_id)
        status = page.get_by_role("status", name="Connection")
        await editor(page).click()
        await page.keyboard.press("ControlOrMeta+End")
        await page.keyboard.type("saved = 1\n")
        await settled(page)

        await asyncio.to_thread(database.kill)
        await page.keyboard.type("while_down = 2\n")
        await expect(status).to_have_text("Saving paused", timeout=10_000)
        await expect(page.get_by_role("alert")).to_contain_text("Saving paused")
        assert await page.evaluate("window.pad.pendingCount()") > 0  # kept in the page, not acknowledged

        await asyncio.to_thread(database.restart)
        await expect(status).to_have_text("Connected", timeout=15_000)
        text, _ = await settled(page)
        assert "saved = 1\nwhile_down = 2\n" in text
        fresh = await open_session(pages, server.url, session_id)  # what the server committed
        assert await text_of(fresh) == text
    finally:
        server.kill()
        await asyncio.to_thread(database.stop)

"""The landing page, the not-found page and the invite link, as a person uses them."""

from __future__ import annotations

import re
import uuid

from playwright.async_api import expect

from .conftest import create_session
from .helpers import editor, open_session


async def test_create_session_from_the_landing_page(pages, server_url):
    page = await pages.new(server_url + "/")
    await page.get_by_role("button", name="Create session").click()
    await expect(page).to_have_url(re.compile(r"/session/[0-9a-f-]{36}$"))
    await expect(page.get_by_role("status", name="Connection")).to_have_text("Connected")
    await expect(editor(page)).to_contain_text("def greet")
    assert pages.console_errors == []


async def test_unknown_session_gets_a_friendly_page(pages, server_url):
    page = await pages.new()
    response = await page.goto(f"{server_url}/session/{uuid.uuid4()}")
    assert response.status == 404
    await expect(page.get_by_role("heading")).to_contain_text(re.compile("does not exist", re.I))
    await page.get_by_role("button", name="Create session").click()
    await expect(page).to_have_url(re.compile(r"/session/[0-9a-f-]{36}$"))


async def test_copy_invite_link(pages, server_url, browser):
    await pages.context.grant_permissions(["clipboard-read", "clipboard-write"])
    page = await open_session(pages, server_url, create_session(server_url))
    await page.get_by_role("button", name="Copy invite link").click()
    await expect(page.get_by_text("Link copied")).to_be_visible()
    assert await page.evaluate("navigator.clipboard.readText()") == page.url


async def test_editor_page_is_cross_origin_isolated(pages, server_url):
    page = await open_session(pages, server_url, create_session(server_url))
    assert await page.evaluate("crossOriginIsolated") is True

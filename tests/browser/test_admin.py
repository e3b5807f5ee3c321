"""The admin dashboard in real Chromium: sign in by typing the token, see a live session, end it (the candidate's
page says so), download its export, delete another through the confirmation dialog (its page is told the session is gone); axe finds
nothing serious in light or dark."""

from __future__ import annotations

import json

import pytest
import pytest_asyncio
from playwright.async_api import expect

from ..support.server_process import ServerProcess
from .conftest import Logs, create_session_links
from .helpers import open_session
from .test_accessibility import violations

ADMIN_TOKEN = "admin-token-for-browser-tests-0123"


@pytest_asyncio.fixture(loop_scope="session", scope="module")
async def admin_url(tmp_path_factory):
    """A server of its own with the dashboard on (ADMIN_TOKEN)."""
    server = ServerProcess(
        "--data-dir",
        str(tmp_path_factory.mktemp("admin-data")),
        env={"ADMIN_TOKEN": ADMIN_TOKEN},
        log_path=Logs.path("admin-server.log"),
    )
    server.start()
    yield server.url
    server.terminate()


async def signed_in(pages, url: str, **context_options):
    page = await pages.person(url + "/admin", **context_options)
    await page.get_by_label("Admin token").fill(ADMIN_TOKEN)
    await page.get_by_label("Admin token").press("Enter")
    await expect(page.get_by_role("heading", name="Live sessions")).to_be_visible()
    return page


async def test_sign_in_end_a_session_and_delete_another(pages, admin_url):
    ended = create_session_links(admin_url, title="Backend screen")
    deleted = create_session_links(admin_url, title="Frontend screen")
    candidate = await open_session(pages, admin_url, ended["session_id"])
    other = await open_session(pages, admin_url, deleted["session_id"])

    admin = await pages.person(admin_url + "/admin")
    script_errors = []
    admin.on("pageerror", lambda error: script_errors.append(str(error)))
    await admin.get_by_label("Admin token").fill("not-the-admin-token")
    await admin.get_by_role("button", name="Sign in").click()
    await expect(admin.get_by_role("alert")).to_have_text("That is not this server's admin token.")
    await admin.get_by_label("Admin token").fill(ADMIN_TOKEN)
    await admin.get_by_role("button", name="Sign in").click()
    row = admin.get_by_role("row", name="Backend screen")
    await expect(row).to_contain_text("1 (1 connected)")
    await expect(admin.get_by_role("row", name="Frontend screen")).to_be_visible()

    await admin.get_by_role("button", name=f"End Backend screen ({ended['session_id'][:8]})").click()
    await expect(admin.get_by_role("status").filter(has_text="Ended")).to_have_text("Ended “Backend screen”.")
    await expect(candidate.get_by_text("This interview has ended. The session is read-only.")).to_be_visible()
    await expect(row).to_contain_text("ended")

    async with admin.expect_download() as downloading:
        await admin.get_by_role("button", name=f"Export Backend screen ({ended['session_id'][:8]})").click()
    download = await downloading.value
    assert download.suggested_filename.endswith(".html")
    assert "<html" in (await download.path()).read_text()[:500].lower()

    delete = admin.get_by_role("button", name=f"Delete Frontend screen ({deleted['session_id'][:8]})")
    await delete.click()
    dialog = admin.get_by_role("dialog", name="Delete this session?")
    await expect(dialog).to_be_visible()
    await dialog.get_by_role("button", name="Cancel").click()
    await expect(dialog).to_be_hidden()
    await expect(admin.get_by_role("row", name="Frontend screen")).to_be_visible()  # cancelled: still there
    await delete.click()
    await dialog.get_by_role("button", name="Delete session").click()
    await expect(admin.get_by_role("status").filter(has_text="Deleted")).to_have_text("Deleted “Frontend screen”.")
    await expect(admin.get_by_role("row", name="Frontend screen")).to_have_count(0)
    await expect(other.get_by_role("status", name="Connection")).to_have_text("Session not found")

    # Signed in for this tab only: a reload keeps it, Sign out forgets it.
    await admin.reload()
    await expect(admin.get_by_role("heading", name="Live sessions")).to_be_visible()
    await admin.get_by_role("button", name="Sign out").click()
    await expect(admin.get_by_label("Admin token")).to_be_focused()
    assert await admin.evaluate("sessionStorage.length") == 0
    assert script_errors == []
    assert [error for error in pages.console_errors if "CSP violation" in error] == []  # no inline script or style


async def test_the_dashboard_works_from_the_keyboard(pages, admin_url):
    create_session_links(admin_url, title="Keyboard screen")
    page = await pages.person(admin_url + "/admin")
    await expect(page.get_by_label("Admin token")).to_be_focused()
    await page.keyboard.type(ADMIN_TOKEN)
    await page.keyboard.press("Enter")
    await expect(page.get_by_role("heading", name="Live sessions")).to_be_visible()
    await page.keyboard.press("Tab")
    await expect(page.get_by_role("button", name="Sign out")).to_be_focused()


@pytest.fixture(params=["light", "dark"])
def scheme(request) -> str:
    return request.param


async def test_axe_finds_nothing_serious(pages, admin_url, scheme):
    links = create_session_links(admin_url, title="Accessible screen")
    await open_session(pages, admin_url, links["session_id"])
    page = await signed_in(pages, admin_url, color_scheme=scheme)
    await expect(page.get_by_role("row", name="Accessible screen")).to_be_visible()
    found = await violations(page)
    assert found == [], json.dumps(found, indent=1)
    login = await pages.person(admin_url + "/admin", color_scheme=scheme)
    await expect(login.get_by_label("Admin token")).to_be_visible()
    found = await violations(login)
    assert found == [], json.dumps(found, indent=1)

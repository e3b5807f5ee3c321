"""What a person does on the editor page, as small async helpers for browser tests."""

from __future__ import annotations

from playwright.async_api import Page, expect

PYTHON_READY_TIMEOUT_MS = 60_000


async def open_session(pages, base_url: str, session_id: str) -> Page:
    """Open the editor page and wait until it is connected."""
    return await connected(await pages.new(f"{base_url}/session/{session_id}"))


async def connected(page: Page) -> Page:
    """`page` once it is connected and its editor shows."""
    await expect(page.get_by_role("status", name="Connection")).to_have_text("Connected", timeout=15_000)
    await expect(editor(page)).to_be_visible()
    return page


async def language_page(pages, url: str, label: str, person: bool = False, name: str | None = None) -> Page:
    """A session's page at `url` once it is connected and the runtime of the language called `label` (as the
    page says it: "SQL", "Lua", "TypeScript") is ready; `person`: in a browser context of its own."""
    page = await (pages.person if person else pages.new)(url, name=name or ("Sam" if person else "Tester"))
    await connected(page)
    await expect(page.get_by_role("status", name=label)).to_have_text(f"{label} ready", timeout=15_000)
    return page


async def run_code(page: Page, code: str) -> None:
    """Put `code` in the editor, wait until the server has it, and press Run."""
    await set_code(page, code)
    await settled(page)
    await page.get_by_role("button", name="Run", exact=True).click()


def editor(page: Page):
    return page.get_by_role("textbox", name="Code editor")


async def text_of(page: Page) -> str:
    return await page.evaluate("window.pad.getText()")


async def settled(page: Page) -> tuple[str, int]:
    """(text, version) once nothing local is unconfirmed."""
    await page.wait_for_function("() => window.pad.isConnected() && window.pad.pendingCount() === 0", timeout=30_000)
    return await page.evaluate("[window.pad.getText(), window.pad.getVersion()]")


async def set_code(page: Page, code: str) -> None:
    """Replace the whole text as a person would: select all, then paste-like insertion (no re-indent)."""
    await editor(page).click()
    await page.keyboard.press("ControlOrMeta+a")
    await page.keyboard.insert_text(code)


async def wait_python_ready(page: Page) -> None:
    """Let the page boot Pyodide (tests/browser/conftest.py holds it until asked), and wait until it is ready."""
    from .conftest import allow_python

    await allow_python(page)
    await expect(page.get_by_role("status", name="Python")).to_have_text(
        "Python ready", timeout=PYTHON_READY_TIMEOUT_MS
    )


def output(page: Page):
    return page.get_by_role("region", name="Output")


async def open_in_own_context(browser, url: str, **options):
    """A page in a browser context of its own at `url` (a file or a test page, no editor server);
    returns (page, context, requests made, console errors)."""
    from .conftest import CSP_REPORTER, new_context

    context = await new_context(browser, viewport={"width": 1280, "height": 800}, **options)
    requests, errors = [], []
    context.on("request", lambda request: requests.append(request.url))
    page = await context.new_page()
    await page.add_init_script(CSP_REPORTER)
    page.on("console", lambda msg: msg.type == "error" and errors.append(msg.text))
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    await page.goto(url)
    return page, context, requests, errors


def side_tab(page: Page, name: str):
    """A tab of the side column ("Output", "Chat", "Notes"); its name may carry a badge ("Chat, 2 unread")."""
    return page.get_by_role("tab", name=name)


async def open_tab(page: Page, name: str) -> None:
    """Choose a tab of the side column, as a person clicks it, and wait until its panel shows."""
    tab = side_tab(page, name)
    await tab.click()
    await expect(tab).to_have_attribute("aria-selected", "true")

"""Completion in real Chromium, as a person types: Python offers builtins, the document's names and the standard
library's members with their signatures (from the index made of Pyodide's own standard library), and Enter
accepts; JavaScript offers the standard globals' members and the document's names but none of the page's own
internals; SQL offers the session's tables and columns. Python itself never boots here: completion needs none of
it. No request leaves localhost (`pages`), and no page logs an error."""

from __future__ import annotations

import re

from playwright.async_api import Page, expect

from .conftest import create_session_links
from .helpers import connected, editor, language_page, set_code, text_of


def popup(page: Page):
    return page.get_by_role("listbox", name="Completions")


def option(page: Page, label: str):
    """The popup's option whose label is `label` (its name may go on with a signature: "sqrt(x, /)")."""
    return popup(page).get_by_role("option", name=re.compile(rf"^{re.escape(label)}\b"))


async def type_after(page: Page, code: str, typed: str) -> None:
    """Put `code` in the editor, and type `typed` at its end, key by key."""
    await set_code(page, code)
    await page.keyboard.press("ControlOrMeta+End")
    await page.keyboard.type(typed)


async def accept(page: Page) -> None:
    """Press Enter on the selected option, as a person does: not within CodeMirror's `interactionDelay` (75 ms)
    of the popup opening or changing, when it lets the key through (a person's Enter there starts a new line)."""
    await page.wait_for_timeout(150)
    await page.keyboard.press("Enter")


async def completion_ready(page: Page, word: str) -> None:
    """Wait until completion works in this page (it loads once the editor is up): ask for it explicitly until the
    popup shows, then close it."""
    await set_code(page, word)
    for _ in range(50):
        await page.keyboard.press("Control+Space")
        try:
            await expect(popup(page)).to_be_visible(timeout=200)
            break
        except AssertionError:
            continue
    else:
        raise AssertionError("no completion popup")
    await page.keyboard.press("Escape")


async def session_page(pages, base_url: str, language: str, word: str) -> Page:
    """A new session's page once completion works there (asked to complete `word`). Whether that first completion,
    which loads the language's sources (and Python's index), makes a long task is bench/typing_bench.py's to say: a
    timed assertion here would fail on a loaded machine, not on slow code."""
    session = create_session_links(base_url, language=language)["session_id"]
    page = await connected(await pages.new(f"{base_url}/session/{session}"))
    await completion_ready(page, word)
    return page


async def test_python_offers_builtins_document_names_and_the_standard_librarys_members(pages, server_url):
    page = await session_page(pages, server_url, "python", "pri")

    # A builtin, with its signature and summary beside it.
    await type_after(page, "", "pri")
    await expect(option(page, "print")).to_be_visible()
    await expect(option(page, "print")).to_have_attribute("aria-selected", "true")
    info = page.locator(".cm-completionInfo")
    await expect(info).to_contain_text("print(*args, sep=' ', end='\\n', file=None, flush=False)")
    await expect(info).to_contain_text("Prints the values to a stream")
    assert await popup(page).get_by_role("option", name=re.compile(r"^print$")).count() == 1, "offered once"
    await page.keyboard.press("Escape")

    # A name the document defines.
    await type_after(page, "def compute_total(items):\n    return sum(items)\n\n", "comp")
    await expect(option(page, "compute_total")).to_be_visible()
    await page.keyboard.press("Escape")

    # A module's members after its name and a dot, with their signatures.
    await type_after(page, "import math\n", "math.sq")
    await expect(option(page, "sqrt")).to_have_accessible_name("sqrt(x, /)")
    await expect(info).to_contain_text("Return the square root of x.")
    await page.keyboard.press("Escape")
    await type_after(page, "import collections as c\nfrom os import path\n", "path.jo")
    await expect(option(page, "join")).to_be_visible()
    await page.keyboard.press("Escape")

    # A module's members after `from m import`, and Enter accepts.
    await type_after(page, "", "from collections import Coun")
    await expect(option(page, "Counter")).to_be_visible()
    await accept(page)
    await expect(popup(page)).to_be_hidden()
    assert await text_of(page) == "from collections import Counter"

    # Module names after `import`.
    await type_after(page, "", "import heap")
    await expect(option(page, "heapq")).to_be_visible()
    await accept(page)
    assert await text_of(page) == "import heapq"

    # Nothing inside a string.
    await type_after(page, "import math\ns = '", "math.sq")
    await page.wait_for_timeout(300)
    await expect(popup(page)).to_be_hidden()
    assert pages.console_errors == []


async def test_javascript_offers_the_standard_globals_and_document_names_but_not_the_pages_own(pages, server_url):
    page = await session_page(pages, server_url, "javascript", "cons")
    assert await page.evaluate("typeof window.pad") == "object", "the page has its own `pad`"

    await type_after(page, "", "Math.fl")
    await expect(option(page, "floor")).to_be_visible()
    await accept(page)
    assert await text_of(page) == "Math.floor"

    await type_after(page, "function computeTotal(items) {\n  return items.length;\n}\n", "compu")
    await expect(option(page, "computeTotal")).to_be_visible()
    await page.keyboard.press("Escape")

    await type_after(page, "", "JSON.str")
    await expect(option(page, "stringify")).to_be_visible()
    await page.keyboard.press("Escape")

    # The page's globals are not the program's: neither `pad` nor the DOM's are offered; the language's are.
    await type_after(page, "", "pa")
    await expect(option(page, "parseInt")).to_be_visible()
    names = await popup(page).get_by_role("option").all_inner_texts()
    assert not [name for name in names if name.startswith("pad")], names
    await page.keyboard.press("Escape")
    await type_after(page, "", "docu")
    await page.keyboard.press("Control+Space")
    await page.wait_for_timeout(300)
    assert not await option(page, "document").count()
    await page.keyboard.press("Escape")
    await type_after(page, "", "pad.")
    await page.keyboard.press("Control+Space")
    await page.wait_for_timeout(300)
    assert not await option(page, "getText").count()
    assert pages.console_errors == []


async def test_typescript_offers_the_standard_globals_too(pages, server_url):
    page = await session_page(pages, server_url, "typescript", "cons")
    await type_after(page, "", "Number.isInt")
    await expect(option(page, "isInteger")).to_be_visible()
    assert pages.console_errors == []


async def test_sql_offers_the_sessions_tables_and_their_columns(pages, server_url):
    created = create_session_links(server_url, language="sql", problem="sql-customer-orders")
    page = await language_page(pages, f"{server_url}/session/{created['session_id']}", "SQL")
    await completion_ready(page, "SELECT")

    await type_after(page, "", "SELECT * FROM custo")
    await expect(option(page, "customers")).to_be_visible()
    await accept(page)
    assert await text_of(page) == "SELECT * FROM customers"

    await type_after(page, "", "SELECT customers.ci")
    await expect(option(page, "city")).to_be_visible()
    await page.keyboard.press("Escape")
    await expect(editor(page)).to_be_focused()
    assert pages.console_errors == []

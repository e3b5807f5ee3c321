"""Format and lint in real Chromium (issue 24): Format turns messy Python into Ruff's output and messy JavaScript into
Prettier's on both pages of a session, as one change that leaves the other person's cursor on its character and
that one undo reverts for the person who formatted; an edit typed while the format is computed survives it; a
syntax error formats nothing and says on which line; lint marks Ruff's findings and syntax errors on their lines.
The expected outputs come from the formatters' own command lines. Ruff, Prettier and their wasm load from this
server (`pages` checks that no request leaves localhost)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from playwright.async_api import Page, expect

from .conftest import ROOT, create_session_links, wait_for
from .helpers import connected, editor, set_code, settled, text_of

MESSY_PYTHON = """import os
def   compute( items,factor ):
  total_value=0
  for item in items :
      total_value+= item*factor
  return total_value
print( compute([1,2,3],2) , 'done' )
"""
MESSY_JAVASCRIPT = """function  add(a,b){return a+b}
const   numbers=[1,2,3].map( (n)=>add(n,1) )
console.log( numbers, 'done' )
"""
WASM_VERSION = json.loads((ROOT / "node_modules/@astral-sh/ruff-wasm-web/package.json").read_text())["version"]


def ruff_format(code: str) -> str:
    """`ruff format -` with Ruff's defaults (--isolated: not this repository's settings), as the page's Ruff has.

    The test environment's ruff (requirements.lock) may be newer than the page's wasm build (WASM_VERSION); the
    inputs here are formatted alike by both (checked with 0.16.9 and 0.17.6)."""
    result = subprocess.run(
        [sys.executable, "-m", "ruff", "format", "--isolated", "-"],
        input=code,
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout


def prettier_format(code: str, filename: str = "code.js") -> str:
    """Prettier's own command line with its defaults (no configuration file)."""
    prettier = ROOT / "node_modules" / ".bin" / "prettier"
    result = subprocess.run(
        [str(prettier), "--no-config", "--stdin-filepath", filename],
        input=code,
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout


async def two_people(pages, server_url: str, language: str) -> tuple[Page, Page]:
    """Ada (the host link) and Bo (the candidate's link), each in a browser context of their own."""
    links = create_session_links(server_url, language=language)
    ada = await connected(await pages.person(links["host_url"], name="Ada"))
    bo = await connected(await pages.person(links["join_url"], name="Bo"))
    return ada, bo


async def share(ada: Page, bo: Page, code: str) -> None:
    """Ada puts `code` in the editor; both pages have it."""
    await set_code(ada, code)
    await settled(ada)
    await wait_for(lambda: eventually(text_of(bo), code.__eq__), message="Bo's text")


async def eventually(value, check) -> bool:
    return check(await value)


async def both_have(ada: Page, bo: Page, text: str, what: str) -> None:
    for page in (ada, bo):
        await wait_for(lambda page=page: eventually(text_of(page), text.__eq__), message=f"{what} on both pages")


async def put_caret(page: Page, line: int, column: int) -> None:
    """The caret on line `line`, `column` characters after its indentation, with the keyboard as a person would."""
    await editor(page).click()
    await page.keyboard.press("ControlOrMeta+Home")
    for _ in range(line - 1):
        await page.keyboard.press("ArrowDown")
    await page.keyboard.press("End")
    await page.keyboard.press("Home")  # after the indentation
    for _ in range(column):
        await page.keyboard.press("ArrowRight")


async def remote_head(page: Page, name: str) -> int | None:
    cursors = await page.evaluate("window.pad.remoteCursors()")
    return next((cursor["head"] for cursor in cursors if cursor["name"] == name), None)


async def bo_caret_on(ada: Page, text: str, marker: str, offset: int) -> None:
    """Ada's page shows Bo's caret `offset` characters into `marker` (as `text` has it)."""
    spot = text.index(marker) + offset
    await wait_for(lambda: eventually(remote_head(ada, "Bo"), spot.__eq__), message=f"Bo's caret at {spot}")


async def formats_with_the_other_cursor_kept(pages, server_url, language, messy, expected, caret, markers, press):
    """Ada formats (`press`); both end with `expected`; Bo's caret (`caret`: line, column after the indentation),
    `offset` characters into `markers` (before, after the format), stays on its character; Ada's undo reverts it."""
    ada, bo = await two_people(pages, server_url, language)
    await share(ada, bo, messy)
    line, column = caret
    marker_before, marker_after, offset = markers
    await put_caret(bo, line, column)
    await bo_caret_on(ada, messy, marker_before, offset)

    await press(ada)
    await both_have(ada, bo, expected, "the formatted text")
    await bo_caret_on(ada, expected, marker_after, offset)
    # Bo's own caret: what he types lands where his caret was, inside the same name.
    await bo.keyboard.type("X")
    typed = expected.replace(marker_after, marker_after[:offset] + "X" + marker_after[offset:], 1)
    await both_have(ada, bo, typed, "Bo's letter inside the name")
    await bo.keyboard.press("Backspace")
    await both_have(ada, bo, expected, "Bo's letter gone")
    await settled(bo)

    # One undo on Ada's page reverts exactly the format, on both pages.
    await editor(ada).focus()
    await ada.keyboard.press("ControlOrMeta+z")
    await both_have(ada, bo, messy, "the text before the format")
    assert pages.console_errors == []
    return ada, bo


async def test_format_python_gives_ruffs_output_keeps_the_other_cursor_and_one_undo_reverts_it(pages, server_url):
    expected = ruff_format(MESSY_PYTHON)
    assert expected != MESSY_PYTHON

    async def press_the_button(page: Page) -> None:
        button = page.get_by_role("button", name="Format")
        await expect(button).to_have_attribute("title", "Format (Shift+Alt+F)")
        await button.click()

    # Bo's caret between "total_" and "value" on line 5.
    await formats_with_the_other_cursor_kept(
        pages,
        server_url,
        "python",
        MESSY_PYTHON,
        expected,
        (5, 6),
        ("total_value+=", "total_value +=", 6),
        press_the_button,
    )
    ruff_files = [url for url in pages.requests if "ruff_wasm_bg" in url]
    assert ruff_files and all("/static/dist/ruff_wasm_bg-" in url for url in ruff_files), ruff_files
    assert not [url for url in pages.requests if "prettier" in url.lower()]


async def test_typing_right_after_a_format_is_undone_on_its_own(pages, server_url):
    links = create_session_links(server_url, language="python")
    page = await connected(await pages.person(links["join_url"], name="Cy"))
    await set_code(page, "x=1\n")
    await settled(page)
    await page.keyboard.press("ArrowUp")
    await page.keyboard.press("ArrowRight")  # the caret before "=", where Ruff puts a space
    await page.keyboard.press("Shift+Alt+F")
    await wait_for(lambda: eventually(text_of(page), "x = 1\n".__eq__), message="the format")
    # At once, and right against the format's space: the history would join it to the format if nothing ended it.
    await page.keyboard.type("y")
    await wait_for(lambda: eventually(text_of(page), "x y= 1\n".__eq__), message="the typing, before the = still")
    await page.keyboard.press("ControlOrMeta+z")
    await wait_for(lambda: eventually(text_of(page), "x = 1\n".__eq__), message="the typing undone")
    await page.keyboard.press("ControlOrMeta+z")
    await wait_for(lambda: eventually(text_of(page), "x=1\n".__eq__), message="the format undone")
    assert pages.console_errors == []


async def test_format_javascript_gives_prettiers_output_with_shift_alt_f(pages, server_url):
    expected = prettier_format(MESSY_JAVASCRIPT)
    assert expected != MESSY_JAVASCRIPT

    async def press_the_keys(page: Page) -> None:
        await editor(page).focus()
        await page.keyboard.press("Shift+Alt+F")

    # Bo's caret between "num" and "bers" on line 3.
    caret = (3, len("console.log( num"))
    markers = ("numbers, 'done'", 'numbers, "done"', 3)
    await formats_with_the_other_cursor_kept(
        pages, server_url, "javascript", MESSY_JAVASCRIPT, expected, caret, markers, press_the_keys
    )
    assert not [url for url in pages.requests if "ruff_wasm_bg" in url]  # JavaScript never loads Ruff


async def test_format_typescript_gives_prettiers_output(pages, server_url):
    messy = "interface Point{x:number,y:number}\nconst  origin:Point={x:0,y:0}\nfunction norm(p:Point):number{return Math.hypot(p.x,p.y)}\n"
    expected = prettier_format(messy, "code.ts")
    links = create_session_links(server_url, language="typescript")
    page = await connected(await pages.person(links["join_url"], name="Cy"))
    await set_code(page, messy)
    await settled(page)
    await page.get_by_role("button", name="Format").click()
    await wait_for(lambda: eventually(text_of(page), expected.__eq__), message="Prettier's TypeScript")
    assert pages.console_errors == []


async def test_an_edit_typed_while_the_format_is_computed_survives_it(pages, server_url):
    links = create_session_links(server_url, language="python")
    # Ada's Ruff is held on its way (lint asks for it first) until Bo's typing has reached her page: her format is
    # asked for before Bo types and computed after.
    ada = await pages.person(None, name="Ada")
    held: list = []
    await ada.context.route("**/ruff_wasm_bg-*.wasm", lambda route: held.append(route))
    await ada.goto(links["host_url"])
    bo = await connected(await pages.person(links["join_url"], name="Bo"))
    await share(await connected(ada), bo, MESSY_PYTHON)
    await ada.get_by_role("button", name="Format").click()
    await ada.wait_for_function("() => performance.getEntriesByName('format-requested').length > 0")
    await put_caret(bo, 5, len("total_"))
    await bo.keyboard.type("zz")
    await wait_for(
        lambda: eventually(text_of(ada), lambda text: "total_zzvalue+=" in text), message="Bo's typing at Ada's"
    )
    assert held, "Ruff was not held"
    await ada.context.unroute("**/ruff_wasm_bg-*.wasm")
    for route in held:
        await route.continue_()

    expected = ruff_format(MESSY_PYTHON).replace("total_value +=", "total_zzvalue +=")
    await both_have(ada, bo, expected, "the format with Bo's typing")
    await settled(ada)
    await settled(bo)
    assert pages.console_errors == []


async def test_a_syntax_error_formats_nothing_and_says_on_which_line(pages, server_url):
    links = create_session_links(server_url, language="python")
    page = await connected(await pages.person(links["join_url"], name="Cy"))
    broken = "x = 1\ny  =  2\ndef f(:\n    pass\n"
    await set_code(page, broken)
    await settled(page)
    await page.get_by_role("button", name="Format").click()
    await expect(page.locator("#toast")).to_contain_text("syntax error on line 3")
    await settled(page)
    assert await text_of(page) == broken


async def test_sql_and_lua_are_not_formatted_and_the_button_says_why(pages, server_url):
    for language in ("sql", "lua"):
        links = create_session_links(server_url, language=language)
        page = await connected(await pages.person(links["join_url"], name="Cy"))
        button = page.get_by_role("button", name="Format")
        await expect(button).to_be_disabled()
        await expect(button).to_have_attribute("title", "Formatting is for Python, JavaScript and TypeScript")
        await set_code(page, "select  1 ;\n")
        await settled(page)
        await page.keyboard.press("Shift+Alt+F")
        await expect(page.locator("#toast")).to_contain_text("Formatting is for Python, JavaScript and TypeScript")
        assert await text_of(page) == "select  1 ;\n"


LINT_LINES = """() => {
  // The line numbers beside which the lint gutter shows a marker, as a person reads them.
  const numbers = [...document.querySelectorAll(".cm-lineNumbers .cm-gutterElement")];
  return [...document.querySelectorAll(".cm-lint-marker")].map((marker) => {
    const top = marker.closest(".cm-gutterElement").getBoundingClientRect().top;
    const beside = numbers.find((n) => Math.abs(n.getBoundingClientRect().top - top) < 2);
    return beside ? Number(beside.textContent) : null;
  });
}"""


async def marked_lines(page: Page, lines: list[int]) -> None:
    await wait_for(
        lambda: eventually(page.evaluate(LINT_LINES), lambda found: sorted(set(found)) == lines),
        message=f"lint markers beside lines {lines}",
    )


async def lint_tooltip(page: Page, line: int) -> str:
    """The lint gutter's tooltip on line `line`'s marker (hovered, as a person would)."""
    markers = page.locator(".cm-lint-marker")
    for index in range(await markers.count()):
        found = await page.evaluate(LINT_LINES)
        if found[index] == line:
            await page.mouse.move(0, 0)
            await markers.nth(index).hover()
            tooltip = page.locator(".cm-tooltip-lint")
            await expect(tooltip).to_be_visible()
            return await tooltip.inner_text()
    raise AssertionError(f"no lint marker on line {line}")


async def test_python_lint_marks_rufffs_findings_and_a_syntax_error_on_their_lines(pages, server_url):
    links = create_session_links(server_url, language="python")
    page = await connected(await pages.person(links["join_url"], name="Cy"))
    # Non-ASCII before the finding: Ruff's UTF-16 columns must land on the right characters.
    await set_code(page, 'import os\nlabel = "héllo 🎉"; print(label, undefined_name)\n')
    await marked_lines(page, [1, 2])
    assert "F401" in await lint_tooltip(page, 1)
    assert "F821" in await lint_tooltip(page, 2)
    assert await page.locator(".cm-lintRange-error").all_inner_texts() == ["undefined_name"]
    # Resting the pointer on the underlined name shows the finding too (@codemirror/view's hoverTooltip).
    await page.mouse.move(0, 0)
    await page.locator(".cm-lintRange-error").hover()
    await expect(page.locator(".cm-tooltip-lint")).to_contain_text("F821 Undefined name `undefined_name`")
    await page.mouse.move(0, 0)
    await expect(page.locator(".cm-tooltip-lint")).to_have_count(0)

    await set_code(page, "x = 1\ny = 2\ndef f(:\n    pass\n")
    await marked_lines(page, [3])
    assert "Syntax error" in await lint_tooltip(page, 3)
    assert pages.console_errors == []


@pytest.mark.parametrize(
    ("language", "code", "line"),
    [
        ("javascript", "const a = 1;\nconsole.log(a);\nconst b = ;\n", 3),
        ("typescript", "let a: number = 1;\nfunction f(x: string {\n  return x;\n}\n", 2),
        ("lua", "local x = 1\nprint(x)\nx = = 2\n", 3),
    ],
)
async def test_syntax_errors_are_marked_on_their_line(pages, server_url, language, code, line):
    links = create_session_links(server_url, language=language)
    page = await connected(await pages.person(links["join_url"], name="Cy"))
    await set_code(page, code)
    await marked_lines(page, [line])
    assert "Syntax error" in await lint_tooltip(page, line)
    await set_code(page, code.replace("= =", "=").replace("= ;", "= 2;").replace("string {", "string) {"))
    await marked_lines(page, [])
    assert pages.console_errors == []


async def test_switching_the_language_switches_lint_and_format(pages, server_url):
    links = create_session_links(server_url, language="python")
    page = await connected(await pages.person(links["host_url"], name="Ada"))
    await set_code(page, "import os\n")
    await marked_lines(page, [1])  # Ruff's F401
    await page.get_by_role("combobox", name="Language").select_option("javascript")
    await set_code(page, "let a = 1;\nlet b = ;\n")
    await marked_lines(page, [2])
    assert "Syntax error" in await lint_tooltip(page, 2)
    await expect(page.get_by_role("button", name="Format")).to_be_enabled()
    await page.get_by_role("combobox", name="Language").select_option("sql")
    await expect(page.get_by_role("button", name="Format")).to_be_disabled()
    assert pages.console_errors == []

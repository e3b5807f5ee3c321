"""SQL in real Chromium: a run's results are tables that every participant sees, an error names its statement,
a recursive query without end is stopped by Stop and by the time limit (and the next run works), an SQL
problem's tables are listed and its checks pass with the reference solution and fail with the starter, and a
switch to a language the problem lacks is refused with a toast. No request leaves localhost (`pages`)."""

from __future__ import annotations

import os
import re
import time
from pathlib import Path

from playwright.async_api import expect

from ..support.server_process import ROOT
from .conftest import SHORT_TIME_LIMIT_SECONDS, create_session_links
from .helpers import open_tab, output, set_code, settled, side_tab, language_page, run_code

TIME_LIMIT_SECONDS = SHORT_TIME_LIMIT_SECONDS  # the short_limit_url server's (conftest)
RUNAWAY = "WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n+1 FROM r) SELECT count(*) FROM r;"
JOIN = """CREATE TABLE authors (id INTEGER PRIMARY KEY, name TEXT);
CREATE TABLE books (title TEXT, author_id INTEGER);
INSERT INTO authors VALUES (1, 'Ursula K. Le Guin'), (2, 'Italo Calvino');
INSERT INTO books VALUES ('The Dispossessed', 1), ('Invisible Cities', 2), ('Earthsea', 1);
SELECT a.name, count(*) AS books
FROM authors AS a JOIN books AS b ON b.author_id = a.id
GROUP BY a.id ORDER BY books DESC;
"""
JOIN_TABLE = " name              | books\n-------------------+-------\n Ursula K. Le Guin |     2\n Italo Calvino     |     1\n(2 rows)"
SHOTS = Path(os.environ.get("SQL_SHOTS_DIR", "/tmp/shots20"))


def create(base_url: str, **fields) -> str:
    """An SQL session (unless `fields` say otherwise); its id."""
    return create_session_links(base_url, **{"language": "sql", **fields})["session_id"]


async def sql_page(pages, base_url, session_id, person=False):
    return await language_page(pages, f"{base_url}/session/{session_id}", "SQL", person)


run = run_code


async def test_a_join_is_a_table_both_pages_see_and_an_error_names_its_statement(pages, server_url):
    session = create(server_url)
    page = await sql_page(pages, server_url, session)
    other = await sql_page(pages, server_url, session, person=True)
    await run(page, JOIN)
    for viewer in (page, other):
        await expect(output(viewer).locator(".run").last).to_contain_text(JOIN_TABLE, timeout=10_000)
        await expect(output(viewer).locator(".run").last).to_contain_text("— finished in")
    assert "-- 3: INSERT INTO authors VALUES" in await output(other).locator(".run").last.inner_text()
    assert "2 rows affected" in await output(other).locator(".run").last.inner_text()

    await run(page, "SELECT 1 AS one;\n\nSELECT title\nFROM shelves;\n")
    for viewer in (page, other):
        error = output(viewer).locator(".run").last.locator(".stderr")
        await expect(error).to_have_text(
            "Error in statement 2 (line 3): SELECT title\nno such table: shelves\n", timeout=10_000
        )
    await expect(output(page).locator(".run").last.locator(".system").last).to_contain_text("— error after")
    # The tables keep their lines: they scroll sideways rather than wrap.
    assert await output(page).locator(".stdout").last.evaluate("(e) => getComputedStyle(e).whiteSpace") == "pre"
    await screenshots(page, "sql-output")


async def test_a_recursive_query_without_end_is_stopped_by_stop_and_the_next_run_works(pages, server_url):
    page = await sql_page(pages, server_url, create(server_url))
    await run(page, RUNAWAY)
    stop = page.get_by_role("button", name="Stop")
    await expect(stop).to_be_enabled()
    await page.wait_for_timeout(300)  # well into the query
    await stop.click()
    stopped = time.monotonic()
    await expect(output(page).locator(".run").last.locator(".system").last).to_have_text("— stopped —")
    await expect(page.get_by_role("status", name="SQL")).to_have_text("SQL ready", timeout=5_000)
    assert time.monotonic() - stopped < 2, "a fresh SQLite worker is ready within a moment"
    await run(page, "SELECT 42 AS answer;")
    await expect(output(page).locator(".run").last).to_contain_text(
        " answer\n--------\n     42\n(1 row)", timeout=10_000
    )


async def test_a_recursive_query_without_end_is_stopped_by_the_time_limit(pages, short_limit_url):
    page = await sql_page(pages, short_limit_url, create(short_limit_url))
    await run(page, RUNAWAY)
    last = output(page).locator(".run").last
    await expect(last.locator(".system").last).to_have_text(
        f"— stopped: over the {TIME_LIMIT_SECONDS} s time limit —", timeout=10_000
    )
    await expect(page.get_by_role("status", name="SQL")).to_have_text("SQL ready", timeout=5_000)
    await run(page, "SELECT 'again' AS word;")
    await expect(output(page).locator(".run").last).to_contain_text(" word\n-------\n again\n(1 row)", timeout=10_000)


async def test_an_sql_problem_lists_its_tables_and_its_checks_pass_the_reference_and_fail_the_starter(
    pages, server_url
):
    page = await sql_page(pages, server_url, create(server_url, problem="sql-customer-orders"))
    tables = page.locator(".sql-schema")
    await expect(tables.locator("summary")).to_have_text("Tables (2)")
    await expect(tables.locator("li").first).to_contain_text("customers · 6 rows")
    await expect(tables.locator("li").first).to_contain_text("id integer, name text, city text")
    await expect(page.get_by_role("textbox", name="Program input")).to_be_hidden()  # SQL reads no input

    checks = page.get_by_role("button", name="Run checks")
    await checks.click()
    await expect(output(page).locator(".run").last).to_contain_text("Passed 0 of 1 checks.", timeout=10_000)
    await expect(output(page).locator(".run").last).to_contain_text("✗ every customer with their orders and total")

    solution = (ROOT / "tests" / "fixtures" / "solutions" / "sql-customer-orders.sql").read_text(encoding="utf-8")
    await set_code(page, solution)
    await settled(page)
    await checks.click()
    await expect(output(page).locator(".run").last).to_contain_text("Passed 1 of 1 checks.", timeout=10_000)
    await expect(output(page).locator(".run").last).to_contain_text("✓ every customer with their orders and total")
    await screenshots(page, "sql-problem")

    # The schema's tables and columns are offered as completions; search (loaded after the editor) opens.
    await set_code(page, "SELECT amo FROM ord")
    await page.keyboard.press("Control+Space")
    await expect(page.locator(".cm-tooltip-autocomplete")).to_contain_text("orders")
    await page.keyboard.press("Escape")
    await page.keyboard.press("ControlOrMeta+f")
    await expect(page.locator(".cm-search")).to_be_visible()
    await page.keyboard.press("Escape")

    # The problem has no Python version: the switch is refused, and the toast says why.
    await page.get_by_role("combobox", name="Language").select_option(label="Python")
    await expect(page.locator("#toast")).to_contain_text("has no Python version (it has SQL)")
    await expect(page.get_by_role("combobox", name="Language")).to_have_value("sql")


async def screenshots(page, name):
    """Light and dark screenshots of the page, for people to look at (SQL_SHOTS_DIR, /tmp/shots20 by default)."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    for scheme in ("light", "dark"):
        await page.emulate_media(color_scheme=scheme)
        await page.wait_for_timeout(100)
        await page.screenshot(path=str(SHOTS / f"{name}-{scheme}.png"))
    await page.emulate_media(color_scheme="light")


async def test_the_interviewers_browser_grades_sql_with_the_hidden_cases(pages, server_url):
    """Each hidden case changes the data in a savepoint and runs the candidate's query on it (hidden-program.js)."""
    created = create_session_links(server_url, language="sql", problem="sql-customer-orders")
    host = await pages.new(created["host_url"])
    await expect(host.get_by_role("status", name="SQL")).to_have_text("SQL ready", timeout=15_000)
    candidate = await sql_page(pages, server_url, created["session_id"], person=True)
    await expect(host.locator("#panel-tests .grading-status")).to_have_text("", timeout=30_000)  # worker ready
    reference = (ROOT / "tests" / "fixtures" / "solutions" / "sql-customer-orders.sql").read_text(encoding="utf-8")
    # Grouped by name only: right on the visible data, wrong when two customers share a name.
    await run(candidate, reference.replace("GROUP BY c.id, c.name", "GROUP BY c.name"))
    await expect(side_tab(host, "Tests, 3/4")).to_be_visible(timeout=15_000)
    await open_tab(host, "Tests")
    result = host.get_by_role("region", name="Hidden tests").get_by_role("region", name="Hidden test result")
    failing = result.get_by_role("listitem").filter(has_text="two customers with the same name stay apart")
    await expect(failing).to_contain_text('row 4 is ["Alan Turing",3,35], expected ["Alan Turing",2,30]')
    await run(candidate, reference)
    await expect(side_tab(host, "Tests, 4/4")).to_be_visible(timeout=15_000)
    await expect(candidate.get_by_role("status", name="Hidden tests")).to_have_text(
        re.compile(r"^Hidden tests: 4 of 4 passed \(version \d+\)$")
    )
    assert "Ada Byron" not in await output(candidate).inner_text()  # the hidden data never reaches the candidate

"""TypeScript in real Chromium: a typed program's run is seen by both pages, syntax errors (found while stripping
the types, or by the JavaScript engine after, or a block left open) and runtime errors point at the TypeScript's
line and column, an endless loop is stopped by Stop and by the time limit (and the next run works), prompt() reads
the Input box, the landing page creates a TypeScript session, a problem's checks pass with the reference solution
and fail with the starter, and the interviewer's hidden checks grade TypeScript. Only a TypeScript page loads the
type stripper. No request leaves localhost (`pages`)."""

from __future__ import annotations

import os
import re
import time
from pathlib import Path

from playwright.async_api import expect

from ..support.server_process import ROOT
from .conftest import SHORT_TIME_LIMIT_SECONDS, create_session_links
from .helpers import open_tab, output, set_code, settled, side_tab, language_page, run_code

TYPED = """interface Shape {
  name: string;
  area(): number;
}
enum Unit { Metres, Feet }
class Square implements Shape {
  readonly name = "square";
  constructor(private readonly side: number, public unit: Unit = Unit.Metres) {}
  area(): number {
    return this.side ** 2;
  }
}
function largest<T extends Shape>(shapes: T[]): T | undefined {
  return [...shapes].sort((a, b) => b.area() - a.area())[0];
}
const shapes: Shape[] = [new Square(2), new Square(3, Unit.Feet)];
const big = largest(shapes) as Square;
console.log(`${big.name} of ${big.area()} in ${Unit[big.unit]}`);
"""
# sucrase finds this one: "p.x p.y" is missing a comma.
STRIP_ERROR_CODE = (
    "interface Point {\n  x: number;\n  y: number;\n}\nfunction norm(p: Point): number {\n"
    "  return Math.hypot(p.x p.y);\n}\n"
)
STRIP_ERROR = 'main.ts:6\n  return Math.hypot(p.x p.y);\n                        ^\n\nSyntaxError: Unexpected token, expected ","\n'
# The JavaScript engine finds this one, in the code without its types: its column is the TypeScript's (34), not
# the stripped code's (26).
ENGINE_ERROR_CODE = 'let total: number = 0;\nconst label: string = "a"; const label: string = "b";\n'
ENGINE_ERROR = (
    'main.ts:2\nconst label: string = "a"; const label: string = "b";\n' + " " * 33 + "^\n\n"
    "SyntaxError: Identifier 'label' has already been declared\n"
)
RUNTIME_ERROR_CODE = """type User = { name: string; address?: { city: string } };
const users: User[] = [{ name: "Ada" }];
function city(user: User): string {
  return user.address!.city.toUpperCase();
}
console.log(city(users[0]));
"""
RUNTIME_ERROR = (
    "main.ts:4\n  return user.address!.city.toUpperCase();\n" + " " * 23 + "^\n\n"
    "TypeError: Cannot read properties of undefined (reading 'city')\n"
    "    at city (main.ts:4:24)\n    at main.ts:6:13\n"
)
ENDLESS = "let spins: number = 0;\nwhile (true) {\n  spins += 1;\n}\n"
SHOTS = Path(os.environ.get("TS_SHOTS_DIR", "/tmp/shots20-ts"))


def create(base_url: str, **fields) -> dict:
    """A TypeScript session (unless `fields` say otherwise): its session_id, join_url and host_url."""
    return create_session_links(base_url, **{"language": "typescript", **fields})


async def ts_page(pages, url: str, person: bool = False, name: str = "Tester"):
    """A page at `url` (a session's page), once connected and TypeScript is ready."""
    return await language_page(pages, url, "TypeScript", person, name)


run = run_code


def last_run(page):
    return output(page).locator(".run").last


async def test_a_typed_program_is_seen_by_both_pages_and_errors_point_at_the_typescript(pages, server_url):
    url = f"{server_url}/session/{create(server_url)['session_id']}"
    page = await ts_page(pages, url)
    other = await ts_page(pages, url, person=True, name="Sam")
    await expect(page.get_by_role("combobox", name="Language")).to_have_value("typescript")
    await run(page, TYPED)
    for viewer in (page, other):
        await expect(last_run(viewer).locator(".stdout")).to_have_text("square of 9 in Feet\n", timeout=10_000)
        await expect(last_run(viewer).locator(".system").last).to_contain_text("finished in")

    for code, error in ((STRIP_ERROR_CODE, STRIP_ERROR), (ENGINE_ERROR_CODE, ENGINE_ERROR)):
        await run(page, code)
        for viewer in (page, other):
            await expect(last_run(viewer).locator(".stderr")).to_have_text(error, timeout=10_000)
        # to_have_text collapses whitespace: check the caret's column exactly.
        assert await last_run(page).locator(".stderr").text_content() == error
        assert await last_run(page).locator(".stdout").count() == 0

    # An unclosed block is reported where the code ends, as the JavaScript engine says it.
    await run(page, "for (const x of [1] as number[]) {\n  console.log(x);\n")
    end_of_input = "main.ts:2\n  console.log(x);\n                 ^\n\nSyntaxError: Unexpected end of input\n"
    await expect(last_run(page).locator(".stderr")).to_have_text(end_of_input, timeout=10_000)
    assert await last_run(page).locator(".stderr").text_content() == end_of_input

    await run(page, RUNTIME_ERROR_CODE)
    for viewer in (page, other):
        await expect(last_run(viewer).locator(".stderr")).to_have_text(RUNTIME_ERROR, timeout=10_000)
        await expect(last_run(viewer).locator(".system").last).to_contain_text("error")
    assert await last_run(other).locator(".stderr").text_content() == RUNTIME_ERROR
    await screenshots(page, "typescript-error")

    # The page loaded the TypeScript worker, never the JavaScript one; a JavaScript page never loads the stripper.
    assert [url for url in pages.requests if "/ts-worker-" in url], pages.requests
    assert not [url for url in pages.requests if "/js-worker-" in url]
    js = await pages.new(f"{server_url}/session/{create(server_url, language='javascript')['session_id']}")
    await expect(js.get_by_role("status", name="JavaScript")).to_have_text("JavaScript ready", timeout=15_000)
    assert len([url for url in pages.requests if "/ts-worker-" in url]) == 2  # one per TypeScript page
    assert [url for url in pages.requests if "/js-worker-" in url]


async def test_the_landing_page_creates_a_typescript_session(pages, server_url):
    page = await pages.new(f"{server_url}/")
    await page.get_by_label("Language").select_option(label="TypeScript")
    await page.get_by_role("button", name="Create session").click()
    await expect(page.get_by_role("status", name="TypeScript")).to_have_text("TypeScript ready", timeout=15_000)
    assert (await page.evaluate("window.pad.getText()")).startswith("function greet(name: string): string {")
    await page.get_by_role("button", name="Run", exact=True).click()
    await expect(last_run(page).locator(".stdout")).to_have_text("Hello, world!\n", timeout=10_000)


async def test_an_endless_loop_is_stopped_by_stop_and_the_next_run_works(pages, server_url):
    page = await ts_page(pages, f"{server_url}/session/{create(server_url)['session_id']}")
    await run(page, ENDLESS)
    stop = page.get_by_role("button", name="Stop")
    await expect(stop).to_be_enabled()
    await page.wait_for_timeout(300)  # well into the loop
    await stop.click()
    stopped = time.monotonic()
    await expect(last_run(page).locator(".system").last).to_have_text("— stopped —")
    await expect(page.get_by_role("status", name="TypeScript")).to_have_text("TypeScript ready", timeout=5_000)
    assert time.monotonic() - stopped < 2, "a fresh TypeScript worker is ready within a moment"
    await run(page, "const answer: number = 6 * 7;\nconsole.log(answer);\n")
    await expect(last_run(page).locator(".stdout")).to_have_text("42\n", timeout=10_000)


async def test_an_endless_loop_is_stopped_by_the_time_limit_and_the_next_run_works(pages, short_limit_url):
    page = await ts_page(pages, f"{short_limit_url}/session/{create(short_limit_url)['session_id']}")
    await run(page, ENDLESS)
    await expect(last_run(page).locator(".system").last).to_have_text(
        f"— stopped: over the {SHORT_TIME_LIMIT_SECONDS} s time limit —", timeout=10_000
    )
    await expect(page.get_by_role("status", name="TypeScript")).to_have_text("TypeScript ready", timeout=5_000)
    await run(page, 'const word: string = "again";\nconsole.log(word);\n')
    await expect(last_run(page).locator(".stdout")).to_have_text("again\n", timeout=10_000)


async def test_prompt_reads_the_input_box(pages, server_url):
    page = await ts_page(pages, f"{server_url}/session/{create(server_url)['session_id']}")
    await page.get_by_text("Input", exact=True).click()
    box = page.get_by_role("textbox", name="Program input")
    assert "read by prompt()" in await box.get_attribute("placeholder")
    await box.fill("Ada\n3")
    await run(
        page,
        "const name: string = prompt('Name?') ?? '';\nconst n: number = Number(prompt('Times?'));\n"
        "console.log(`${name} `.repeat(n).trim());\n",
    )
    await expect(last_run(page).locator(".stdout")).to_have_text("Name? Ada\nTimes? 3\nAda Ada Ada\n", timeout=10_000)


async def test_a_problem_s_checks_pass_the_reference_and_fail_the_starter(pages, server_url):
    page = await ts_page(pages, create(server_url, problem="two-sum")["host_url"], name="Ada")
    assert (await page.evaluate("window.pad.getText()")).startswith("/** Return the indices of the two numbers")
    checks = page.get_by_role("button", name="Run checks")
    await checks.click()
    await expect(last_run(page)).to_contain_text("Passed 0 of 6 checks.", timeout=10_000)
    await expect(last_run(page)).to_contain_text("✗ twoSum([2, 7, 11, 15], 9) threw Error: not implemented yet")

    await set_code(page, (ROOT / "tests" / "fixtures" / "solutions" / "two-sum.ts").read_text(encoding="utf-8"))
    await settled(page)
    await checks.click()
    await expect(last_run(page)).to_contain_text("Passed 6 of 6 checks.", timeout=10_000)
    await expect(last_run(page)).to_contain_text("✓ twoSum([2, 7, 11, 15], 9) == [0, 1]")
    await screenshots(page, "typescript-problem", phone=True)


async def test_the_interviewers_browser_grades_typescript_with_the_hidden_checks(pages, server_url):
    created = create(server_url, problem="two-sum")
    host = await ts_page(pages, created["host_url"], person=True, name="Ada")
    candidate = await ts_page(pages, created["join_url"], person=True, name="Bo")
    await expect(host.locator("#panel-tests .grading-status")).to_have_text("", timeout=30_000)  # worker ready
    # Only looks at neighbours: fails the hidden cases whose pair is apart.
    await run(
        candidate,
        "function twoSum(nums: number[], target: number): number[] {\n"
        "  for (let i = 0; i + 1 < nums.length; i++) if (nums[i] + nums[i + 1] === target) return [i, i + 1];\n"
        "  return [0, 1];\n}\n",
    )
    await expect(side_tab(host, re.compile(r"^Tests, [0-7]\/8$"))).to_be_visible(timeout=10_000)
    await open_tab(host, "Tests")
    result = host.get_by_role("region", name="Hidden tests").get_by_role("region", name="Hidden test result")
    failing = result.get_by_role("listitem").filter(has_text="negative numbers only")
    await expect(failing).to_contain_text("returned [0,1], expected [2,4]")

    await run(candidate, (ROOT / "tests" / "fixtures" / "solutions" / "two-sum.ts").read_text(encoding="utf-8"))
    await expect(side_tab(host, "Tests, 8/8")).to_be_visible(timeout=10_000)
    await expect(candidate.get_by_role("status", name="Hidden tests")).to_have_text(
        re.compile(r"^Hidden tests: 8 of 8 passed \(version \d+\)$")
    )


async def screenshots(page, name: str, phone: bool = False) -> None:
    """Light and dark screenshots (and a phone-width one) for people to look at (TS_SHOTS_DIR)."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    for scheme in ("light", "dark"):
        await page.emulate_media(color_scheme=scheme)
        await page.wait_for_timeout(100)
        await page.screenshot(path=str(SHOTS / f"{name}-{scheme}.png"))
    await page.emulate_media(color_scheme="light")
    if phone:
        size = page.viewport_size
        await page.set_viewport_size({"width": 390, "height": 844})
        await page.wait_for_timeout(200)
        await page.screenshot(path=str(SHOTS / f"{name}-phone.png"))
        await page.set_viewport_size(size)

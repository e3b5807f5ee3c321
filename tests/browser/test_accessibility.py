"""axe-core (served from node_modules, never a CDN) finds no serious or critical accessibility violation on the
landing page, a candidate's session, the interviewer's session and the embed view, in light and dark."""

from __future__ import annotations

import json
import re

import pytest
from playwright.async_api import expect

from ..support.server_process import ROOT
from .helpers import connected
from .conftest import create_session, create_session_links

AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
# WCAG 2.x A and AA rules and axe's best practices; serious and critical findings fail the test.
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]
FAILING_IMPACTS = {"serious", "critical"}


async def violations(page) -> list[dict]:
    """Run axe on the page as it is; the serious and critical violations, each with the elements it names."""
    # The test's own script, not the page's: added through the DevTools protocol, so the page's CSP (which
    # rightly refuses inline scripts) is not weakened for it.
    await page.evaluate(AXE.read_text() + "\n;0")
    results = await page.evaluate("(tags) => axe.run(document, {runOnly: {type: 'tag', values: tags}})", AXE_TAGS)
    found = []
    for violation in results["violations"]:
        nodes = [
            [*node["target"], node.get("failureSummary", "")[-160:]]
            for node in violation["nodes"]
            if not is_known_false_positive(violation["id"], node)
        ]
        if violation["impact"] in FAILING_IMPACTS and nodes:
            found.append(
                {"id": violation["id"], "impact": violation["impact"], "help": violation["help"], "nodes": nodes[:5]}
            )
    return found


def is_known_false_positive(rule: str, node: dict) -> bool:
    """CodeMirror's scroller holds its content, a contenteditable the Tab key reaches and whose caret scrolls it
    (codemirror/dev#1344); axe does not count that content as focusable. Adding a tab stop of its own to the
    scroller, as some do, would make keyboard users pass the editor twice."""
    return rule == "scrollable-region-focusable" and node["target"] == [".cm-scroller"]


@pytest.fixture(params=["light", "dark"])
def scheme(request) -> str:
    return request.param


async def test_the_landing_page(pages, server_url, scheme):
    page = await pages.person(server_url + "/", color_scheme=scheme)
    await expect(page.get_by_role("button", name="Create session")).to_be_visible()
    # With "My interviews" listed: one live and one that expired (a session this server does not know).
    await page.goto(create_session_links(server_url, title="Onsite: graphs")["host_url"])
    await expect(page.get_by_role("status", name="Connection")).to_have_text("Connected", timeout=15_000)
    await page.evaluate(
        """(id) => {
          const kept = JSON.parse(localStorage.getItem("interview-pad:my-interviews"));
          kept.push({...kept[0], id, title: "Gone", openedAt: 0});
          localStorage.setItem("interview-pad:my-interviews", JSON.stringify(kept));
        }""",
        "00000000-0000-4000-8000-000000000000",
    )
    await page.goto(server_url + "/")
    await expect(page.get_by_text("Live", exact=True)).to_be_visible()
    await expect(page.get_by_text("Expired", exact=True)).to_be_visible()
    found = await violations(page)
    assert found == [], json.dumps(found, indent=1)


async def test_a_candidates_session(pages, server_url, scheme):
    links = create_session_links(server_url, language="python", problem="two-sum")
    page = await connected(await pages.person(links["join_url"], name="Grace Hopper", color_scheme=scheme))
    await expect(page.get_by_role("region", name="Problem").get_by_role("heading", name="Two Sum")).to_be_visible()
    found = await violations(page)
    assert found == [], json.dumps(found, indent=1)


async def test_the_interviewers_session(pages, server_url, scheme):
    links = create_session_links(server_url, language="python", problem="two-sum")
    host = await connected(await pages.person(links["host_url"], name="Ada Lovelace", color_scheme=scheme))
    await expect(host.get_by_role("navigation", name="Interviewer tools")).to_be_attached()
    await connected(await pages.person(links["join_url"], name="Grace Hopper"))  # someone to list
    await expect(host.get_by_text("Grace Hopper").first).to_be_attached()
    found = await violations(host)
    assert found == [], json.dumps(found, indent=1)
    # The interviewer's own tabs, each open in turn; the timer running.
    await host.get_by_role("navigation", name="Interviewer tools").get_by_role("button", name="Start timer").click()
    await host.get_by_role("dialog").get_by_role("button", name="Start timer").click()
    await expect(host.get_by_role("timer")).to_be_visible()
    for tab in ("Notes", "Tests", "Scorecard"):
        await host.get_by_role("tab", name=re.compile(f"^{tab}")).click()
        await expect(host.get_by_role("tab", name=re.compile(f"^{tab}"))).to_have_attribute("aria-selected", "true")
        found = await violations(host)
        assert found == [], f"{tab}: " + json.dumps(found, indent=1)


async def test_the_embed_view(pages, server_url, scheme):
    session_id = create_session(server_url)
    page = await pages.person(f"{server_url}/embed/{session_id}", name="Student", color_scheme=scheme)
    await connected(page)
    found = await violations(page)
    assert found == [], json.dumps(found, indent=1)


# Every visible, enabled control of the page, in the order the keyboard should reach them: the regions in reading
# order (top bar, interviewer tools, problem, editor, side column), left to right and top to bottom within each.
CONTROLS_IN_READING_ORDER = """() => {
  const regions = ['header', 'nav.hostbar', '#problem', '#problem-splitter', '.editor-pane', '#side-splitter', '#side'];
  const focusable = 'button:not([disabled]), a[href], input:not([type=hidden]):not([disabled]), select:not([disabled]),' +
    ' textarea:not([disabled]), [tabindex="0"], summary, [contenteditable="true"]';
  const shown = (el) => el.checkVisibility({visibilityProperty: true}) && !el.closest('[hidden], [inert]');
  const out = [];
  regions.forEach((selector, region) => {
    const root = document.querySelector(selector);
    if (!root || !shown(root)) return;
    const inside = root.matches(focusable) ? [root] : [...root.querySelectorAll(focusable)];
    for (const el of inside) {
      if (!shown(el) || el.tabIndex < 0 || el.closest('[role=tablist]') && el.getAttribute('aria-selected') === 'false') continue;
      out.push({region, key: el.id || el.getAttribute('aria-label') || el.textContent.trim().slice(0, 30)});
    }
  });
  return out;
}"""
FOCUSED = """() => { const el = document.activeElement; const regions = ['header', 'nav.hostbar', '#problem',
  '#problem-splitter', '.editor-pane', '#side-splitter', '#side'];
  return {region: regions.findIndex((s) => el.closest(s)), key: el.id || el.getAttribute('aria-label') || el.textContent.trim().slice(0, 30)}; }"""


@pytest.mark.parametrize("role", ["candidate", "host"])
async def test_the_keyboard_reaches_every_control_in_reading_order(pages, server_url, role):
    links = create_session_links(server_url, language="python", problem="two-sum")
    page = await connected(await pages.person(links["host_url" if role == "host" else "join_url"], name="Ada Lovelace"))
    expected = await page.evaluate(CONTROLS_IN_READING_ORDER)
    await page.locator("body").focus()
    reached = []
    for _ in range(len(expected) * 2 + 10):
        await page.keyboard.press("Tab")
        focused = await page.evaluate(FOCUSED)
        if reached and focused == reached[0]:
            break  # round the page once
        if focused["region"] >= 0 and focused not in reached:
            reached.append(focused)
        if focused["key"] == "Code editor" or focused["key"].startswith("Code editor"):
            await page.keyboard.press("Escape")  # CodeMirror keeps Tab for indenting until Escape
    assert [item["key"] for item in expected if item not in reached] == [], reached
    regions = [item["region"] for item in reached]
    assert regions == sorted(regions), f"the keyboard jumps between regions: {reached}"

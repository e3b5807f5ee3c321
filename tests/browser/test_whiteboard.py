"""The Draw tab's whiteboard, in real Chromium against a real server: two pages drawing at once end identical
(the board's text, its SVG markup and a screenshot of it); a reload and a server restart keep the drawing; undo
takes back only my own last change; Clear is a host's; the other page's pointer shows; playback and the offline
export draw the board stroke by stroke; the first load does not fetch the board's code."""

from __future__ import annotations

import asyncio
import base64
import json
import re

from playwright.async_api import Page, expect

from ..support.server_process import ROOT, ServerProcess
from .conftest import ARTIFACTS, create_session_links
from .helpers import connected, open_in_own_context
from .test_player_standalone import SAMPLE, export_html

BOARD = "Whiteboard"


def board(page: Page):
    return page.get_by_role("application", name=BOARD)


async def open_draw(page: Page) -> None:
    """Open the Draw tab and wait until the board has the server's drawing."""
    await page.get_by_role("tab", name="Draw").click()
    await expect(board(page)).to_be_visible()
    await page.wait_for_function("() => window.pad.board() && window.pad.board().pending() === 0")


async def drag(page: Page, tool: str, points: list[tuple[float, float]], color: str | None = None) -> None:
    """Draw with `tool` (a toolbar button's name) through `points` (pixels from the board's top-left corner)."""
    if color:
        await page.get_by_role("button", name=color, exact=True).click()
    await page.get_by_role("button", name=tool, exact=True).click()
    box = await board(page).bounding_box()
    x0, y0 = box["x"], box["y"]
    await page.mouse.move(x0 + points[0][0], y0 + points[0][1])
    await page.mouse.down()
    for x, y in points[1:]:
        await page.mouse.move(x0 + x, y0 + y, steps=3)
    await page.mouse.up()


async def write(page: Page, x: float, y: float, text: str) -> None:
    await page.get_by_role("button", name="Text", exact=True).click()
    box = await board(page).bounding_box()
    await page.mouse.click(box["x"] + x, box["y"] + y)
    await page.get_by_role("textbox", name="Text on the board").fill(text)
    await page.keyboard.press("Enter")


async def settled_board(page: Page) -> tuple[str, int]:
    """(text, version) of the board once nothing of this page's is unanswered."""
    await page.wait_for_function(
        "() => window.pad.isConnected() && window.pad.board() && window.pad.board().pending() === 0", timeout=20_000
    )
    return await page.evaluate("[window.pad.board().text(), window.pad.board().version()]")


def elements_of(text: str) -> list[dict]:
    return [json.loads(line) for line in text.splitlines() if line]


async def same_board(*pages: Page) -> str:
    """Wait until every page shows the same board version; returns the text."""
    for _ in range(100):
        states = [await settled_board(page) for page in pages]
        if len({version for _, version in states}) == 1:
            break
        await asyncio.sleep(0.1)
    texts = {text for text, _ in states}
    assert len(texts) == 1, states
    return texts.pop()


async def board_pictures(*pages: Page) -> list[bytes]:
    """Screenshots of the same area of each page's board (from its top-left corner, as large as the smallest
    board), with nobody's pointer and no selection on it."""
    boxes = []
    for page in pages:
        await board(page).focus()
        await page.keyboard.press("Escape")
        await page.mouse.move(0, 0)
        await page.evaluate("document.querySelector('.board-pointers').setAttribute('visibility', 'hidden')")
        boxes.append(await board(page).bounding_box())
    width, height = min(box["width"] for box in boxes), min(box["height"] for box in boxes)
    return [
        await page.screenshot(clip={"x": box["x"] + 2, "y": box["y"] + 2, "width": width - 4, "height": height - 4})
        for page, box in zip(pages, boxes, strict=True)
    ]


async def two_people(pages, base_url):
    """A host's page and a candidate's (each in a browser context of its own), both on Draw."""
    links = create_session_links(base_url)
    host = await connected(await pages.person(links["host_url"], name="Hana"))
    candidate = await connected(await pages.person(links["join_url"], name="Cato"))
    await asyncio.gather(open_draw(host), open_draw(candidate))
    return links, host, candidate


async def test_two_pages_drawing_at_once_end_identical(pages, server_url):
    _links, host, candidate = await two_people(pages, server_url)

    async def host_draws():
        await drag(host, "Pen", [(40, 40), (80, 30), (120, 70), (160, 40)], color="Blue")
        await drag(host, "Rectangle", [(50, 120), (180, 200)], color="Red")
        await write(host, 60, 230, "hash map\nO(1)")
        await drag(host, "Arrow", [(200, 60), (300, 120)])

    async def candidate_draws():
        await drag(candidate, "Pen", [(300, 40), (340, 80), (380, 40)], color="Green")
        await drag(candidate, "Ellipse", [(240, 150), (360, 230)])
        await drag(candidate, "Line", [(20, 300), (380, 300)], color="Ink")

    await asyncio.gather(host_draws(), candidate_draws())
    text = await same_board(host, candidate)
    assert sorted(element["type"] for element in elements_of(text)) == [
        "arrow",
        "ellipse",
        "line",
        "pen",
        "pen",
        "rect",
        "text",
    ]
    assert next(e for e in elements_of(text) if e["type"] == "text")["text"] == "hash map\nO(1)"

    # The candidate moves the host's rectangle (select, drag) while the host erases the candidate's ellipse.
    async def candidate_moves():
        await drag(candidate, "Select", [(50, 160), (90, 190)])

    async def host_erases():
        await drag(host, "Select", [(240, 190), (240, 190)])  # a click on the ellipse's left edge
        await board(host).press("Delete")

    await asyncio.gather(candidate_moves(), host_erases())
    text = await same_board(host, candidate)
    elements = elements_of(text)
    assert "ellipse" not in [element["type"] for element in elements]
    rect = next(element for element in elements if element["type"] == "rect")
    assert rect["points"] == [90, 150, 220, 230], rect  # moved by (40, 30)
    assert len({element["by"] for element in elements}) == 2  # stamped by the server: the two drawers

    markup = [await page.evaluate("window.pad.board().markup()") for page in (host, candidate)]
    assert markup[0] == markup[1] and markup[0].count("data-id") == 6
    assert await host.evaluate("JSON.stringify(window.pad.board().camera())") == await candidate.evaluate(
        "JSON.stringify(window.pad.board().camera())"
    )
    await assert_same_picture(host, *await board_pictures(host, candidate))
    await host.screenshot(path=str(ARTIFACTS / "whiteboard-two-pages.png"))


PIXEL_DIFF = """async ([a, b]) => {
  const load = (data) => createImageBitmap(new Blob([Uint8Array.from(atob(data), (c) => c.charCodeAt(0))], { type: "image/png" }));
  const [first, second] = [await load(a), await load(b)];
  if (first.width !== second.width || first.height !== second.height) return -1;
  const pixels = (image) => {
    const canvas = new OffscreenCanvas(image.width, image.height);
    const context = canvas.getContext("2d");
    context.drawImage(image, 0, 0);
    return context.getImageData(0, 0, image.width, image.height).data;
  };
  const [p, q] = [pixels(first), pixels(second)];
  let differ = 0;
  for (let i = 0; i < p.length; i += 4) {
    if (Math.max(Math.abs(p[i] - q[i]), Math.abs(p[i + 1] - q[i + 1]), Math.abs(p[i + 2] - q[i + 2])) > 48) differ++;
  }
  return differ;
}"""


async def assert_same_picture(page: Page, a: bytes, b: bytes) -> None:
    """The two screenshots match: no pixel differs by more than anti-aliasing does (compared in the browser)."""
    differ = await page.evaluate(PIXEL_DIFF, [base64.b64encode(a).decode(), base64.b64encode(b).decode()])
    if differ:
        (ARTIFACTS / "whiteboard-diff-a.png").write_bytes(a)
        (ARTIFACTS / "whiteboard-diff-b.png").write_bytes(b)
    assert differ == 0, f"{differ} pixels differ: test-artifacts/whiteboard-diff-{{a,b}}.png"


async def test_undo_takes_back_only_my_last_change(pages, server_url):
    _links, host, candidate = await two_people(pages, server_url)
    await drag(host, "Pen", [(40, 40), (120, 60)])
    await drag(candidate, "Pen", [(40, 140), (120, 160)])
    await drag(host, "Line", [(40, 240), (200, 240)])
    await same_board(host, candidate)
    await drag(candidate, "Rectangle", [(250, 40), (300, 90)])  # the candidate's is the newest on the board
    await same_board(host, candidate)

    await board(host).press("ControlOrMeta+z")  # the host's line goes, nobody else's stroke
    text = await same_board(host, candidate)
    assert sorted(e["type"] for e in elements_of(text)) == ["pen", "pen", "rect"]
    await host.get_by_role("button", name="Undo").click()  # then the host's pen stroke
    text = await same_board(host, candidate)
    assert sorted(e["type"] for e in elements_of(text)) == ["pen", "rect"]
    await expect(host.get_by_role("button", name="Undo")).to_be_disabled()


async def test_clear_is_offered_to_hosts_only(pages, server_url):
    _links, host, candidate = await two_people(pages, server_url)
    await drag(candidate, "Pen", [(40, 40), (120, 60)])
    await same_board(host, candidate)
    await expect(candidate.get_by_role("button", name="Clear board")).to_be_hidden()
    await host.get_by_role("button", name="Clear board").click()
    await host.get_by_role("dialog", name="Clear the board?").get_by_role("button", name="Clear board").click()
    for page in (host, candidate):
        await page.wait_for_function("() => window.pad.board().text() === ''")
    assert await same_board(host, candidate) == ""


async def test_a_change_while_on_code_dots_the_draw_tab_and_an_ended_interview_reads_only(pages, server_url):
    _links, host, candidate = await two_people(pages, server_url)
    await host.get_by_role("tab", name="Code").click()
    await drag(candidate, "Rectangle", [(40, 40), (120, 100)])
    await expect(host.get_by_role("tab", name=re.compile(r"^Draw\W+changed$"))).to_be_visible()
    await host.get_by_role("tab", name=re.compile("^Draw")).click()
    await expect(host.get_by_role("tab", name="Draw", exact=True)).to_have_attribute("aria-selected", "true")

    tools = host.get_by_role("navigation", name="Interviewer tools")
    await tools.get_by_role("button", name="End interview").click()
    await host.get_by_role("dialog").get_by_role("button", name="End interview").click()
    for page in (host, candidate):
        await expect(page.get_by_role("button", name="Pen", exact=True)).to_be_hidden()
        await expect(page.get_by_role("button", name="Undo")).to_be_hidden()
        await expect(page.get_by_role("button", name="Pan", exact=True)).to_be_visible()
    text, version = await settled_board(candidate)
    await drag(candidate, "Select", [(40, 70), (200, 200)])  # a drag that would move the rectangle: nothing moves
    assert await settled_board(candidate) == [text, version]


async def test_no_accessibility_violation_on_the_board(pages, server_url):
    from .test_accessibility import violations

    for scheme in ("light", "dark"):
        links = create_session_links(server_url)
        page = await connected(await pages.person(links["host_url"], name="Hana", color_scheme=scheme))
        await open_draw(page)
        await drag(page, "Pen", [(40, 40), (80, 30), (120, 70)])
        await write(page, 60, 120, "note")
        found = await violations(page)
        assert found == [], f"{scheme}: {json.dumps(found, indent=1)}"


async def test_the_other_pages_pointer_shows_with_its_name(pages, server_url):
    _links, host, candidate = await two_people(pages, server_url)
    box = await board(candidate).bounding_box()
    for step in range(5):
        await candidate.mouse.move(box["x"] + 100 + step * 20, box["y"] + 100)
        await asyncio.sleep(0.1)
    await host.wait_for_function("() => window.pad.board().pointers().some((p) => p.name === 'Cato')")
    await candidate.mouse.move(box["x"] - 40, box["y"] - 40)  # off the board: the pointer goes
    await host.wait_for_function("() => window.pad.board().pointers().length === 0")


async def test_a_reload_and_a_server_restart_keep_the_drawing(pages, tmp_path):
    server = ServerProcess("--store", "sqlite", "--data-dir", str(tmp_path))
    await asyncio.to_thread(server.start)
    try:
        links = create_session_links(server.url)
        page = await connected(await pages.new(links["host_url"], name="Hana"))
        await open_draw(page)
        await drag(page, "Pen", [(40, 40), (80, 30), (120, 70)])
        await drag(page, "Ellipse", [(150, 100), (250, 180)], color="Violet")
        text, _ = await settled_board(page)
        assert len(elements_of(text)) == 2

        await page.reload()
        await connected(page)
        await open_draw(page)
        assert (await settled_board(page))[0] == text

        await asyncio.to_thread(server.terminate)
        await expect(page.get_by_role("status", name="Connection")).not_to_have_text("Connected")
        await drag(page, "Line", [(20, 250), (300, 250)])  # drawn while the server is away: sent on return
        await asyncio.to_thread(server.start)
        await expect(page.get_by_role("status", name="Connection")).to_have_text("Connected", timeout=15_000)
        after, _ = await settled_board(page)
        assert after.startswith(text) and [e["type"] for e in elements_of(after)] == ["pen", "ellipse", "line"]

        fresh = await connected(await pages.new(links["join_url"], name="Cato"))
        await open_draw(fresh)
        assert (await settled_board(fresh))[0] == after
    finally:
        server.kill()


async def test_first_load_fetches_no_board_code_until_draw_is_opened(pages, server_url):
    links = create_session_links(server_url)
    page = await connected(await pages.new(links["join_url"]))
    manifest = json.loads((ROOT / "static" / "dist" / "manifest.json").read_text())
    first_load = {manifest["session.js"]["file"], *manifest["session.js"]["imports"]}
    before = [url for url in pages.requests if "/static/dist/" in url and url.endswith(".js")]
    await page.get_by_role("tab", name="Draw").click()
    await expect(board(page)).to_be_visible()
    after = [url for url in pages.requests if "/static/dist/" in url and url.endswith(".js")]
    loaded_late = [url.rsplit("/", 1)[1] for url in after[len(before) :]]
    assert loaded_late, "opening Draw loaded no code"
    assert not set(loaded_late) & first_load
    # The board's code is in what loaded late, not before.
    sources = [await page.evaluate(f"fetch({json.dumps(url)}).then((r) => r.text())") for url in after[len(before) :]]
    assert any("perfect" in source or "board-pointer" in source for source in sources)
    await page.get_by_role("tab", name="Code").click()
    await expect(page.get_by_role("textbox", name="Code editor")).to_be_visible()


async def test_playback_and_the_export_draw_the_board_stroke_by_stroke(pages, server_url, browser, tmp_path):
    links, host, candidate = await two_people(pages, server_url)
    await drag(host, "Pen", [(40, 40), (80, 30), (120, 70)])
    await drag(candidate, "Rectangle", [(150, 100), (250, 180)], color="Red")
    await drag(host, "Arrow", [(20, 220), (200, 260)], color="Blue")
    final = await same_board(host, candidate)

    session_id = links["session_id"]
    host_key = links["host_url"].split("#host=")[1]
    history = await host.evaluate(
        f"fetch('/api/sessions/{session_id}/history', {{headers: {{Authorization: 'Bearer ' + {json.dumps(host_key)}}}}})"
        ".then((r) => r.json())"
    )
    assert history["board"]["text"] == "" and len(history["board"]["updates"]) == 3

    await host.get_by_role("tab", name="Code").click()
    await host.get_by_role("button", name="Playback").click()
    player = host.get_by_role("region", name="Playback")
    drawing = player.get_by_role("img", name="Whiteboard drawing at this point")
    await expect(drawing).to_be_visible()
    slider = player.get_by_role("slider", name="Timeline")
    await slider.focus()
    await host.keyboard.press("Home")
    await expect(drawing.locator("[data-id]")).to_have_count(0)
    for count in (1, 2, 3):
        await host.keyboard.press("ArrowRight")
        while int(await drawing.get_attribute("data-updates")) < count:
            await host.keyboard.press("ArrowRight")
        await expect(drawing.locator("[data-id]")).to_have_count(count)
    await host.screenshot(path=str(ARTIFACTS / "whiteboard-playback.png"))

    path = tmp_path / "export.html"
    path.write_text(export_html(history), encoding="utf-8")
    page, context, requests, errors = await open_in_own_context(browser, path.as_uri())
    try:
        exported = page.get_by_role("img", name="Whiteboard drawing at this point")
        await expect(exported.locator("[data-id]")).to_have_count(0)
        await page.get_by_role("slider", name="Timeline").fill(
            str(await page.get_by_role("slider", name="Timeline").get_attribute("max"))
        )
        await expect(exported.locator("[data-id]")).to_have_count(3)
        ids = await exported.locator("[data-id]").evaluate_all("(nodes) => nodes.map((n) => n.dataset.id)")
        assert ids == [element["id"] for element in elements_of(final)]
        await page.screenshot(path=str(ARTIFACTS / "whiteboard-export.png"))
        assert [url for url in requests if not url.startswith("file:")] == []
        assert errors == []
    finally:
        await context.close()


async def test_the_export_replays_a_board_offline(browser, tmp_path):
    """A history with a board (as the server writes it), exported and opened from file:// with no server."""
    lines = [
        {
            "id": "s1",
            "type": "pen",
            "by": "3f2a9c1d",
            "at": 0,
            "color": "#1c7ed6",
            "width": 4,
            "points": [10, 10, 40, 30, 80, 20, 120, 50],
        },
        {
            "id": "s2",
            "type": "rect",
            "by": "7b1e04aa",
            "at": 0,
            "color": "#e03131",
            "width": 2,
            "points": [20, 80, 140, 160],
        },
        {
            "id": "s3",
            "type": "text",
            "by": "3f2a9c1d",
            "at": 0,
            "color": "#1e1e1e",
            "width": 2,
            "points": [30, 180],
            "text": "two sum",
            "size": 24,
        },
    ]
    start = SAMPLE["updates"][0]["at"]
    updates, length = [], 0
    for index, element in enumerate(lines):
        line = json.dumps(element, separators=(",", ":"))
        updates.append(
            {
                "at": start + 60_000 * (index + 1),
                "participant": element["by"],
                "changes": ([length] if length else []) + [[0, line, ""]],
            }
        )
        length += len(line) + 1
    history = {**SAMPLE, "board": {"version": 0, "text": "", "updates": updates}}
    path = tmp_path / "board.html"
    path.write_text(export_html(history), encoding="utf-8")
    page, context, requests, errors = await open_in_own_context(browser, path.as_uri())
    try:
        drawing = page.get_by_role("img", name="Whiteboard drawing at this point")
        await expect(drawing.locator("[data-id]")).to_have_count(0)
        slider = page.get_by_role("slider", name="Timeline")
        await slider.focus()
        seen = []
        for _ in range(int(await slider.get_attribute("max"))):
            await page.keyboard.press("ArrowRight")
            count = int(await drawing.get_attribute("data-updates"))
            if not seen or seen[-1] != count:
                seen.append(count)
        assert seen[-1] == 3 and seen == sorted(seen) and {1, 2, 3} <= set(seen)  # one stroke at a time
        await expect(drawing.locator("text")).to_have_text("two sum")
        await page.screenshot(path=str(ARTIFACTS / "whiteboard-export-offline.png"))
        assert [url for url in requests if not url.startswith("file:")] == []
        assert errors == []
    finally:
        await context.close()

"""An interview run from the host link in real Chromium: pick a problem, watch, private notes, lock, end,
replay with runs, export and replay offline from a file URL — and a candidate who sees none of the host parts."""

from __future__ import annotations

import asyncio
import json
import re
import urllib.request

import pytest
from playwright.async_api import Page, expect

from .conftest import Logs, create_session_links, new_context, wait_for
from .helpers import connected, editor, open_tab, output, settled, side_tab, text_of, wait_python_ready

SECRET = "SECRET-NOTE-Bo-needs-a-hint"
SOLUTION = (
    "def two_sum(nums, target):\n"
    "    seen = {}\n"
    "    for i, n in enumerate(nums):\n"
    "        if target - n in seen:\n"
    "            return [seen[target - n], i]\n"
    "        seen[n] = i\n"
    "    return []\n"
)


def frames_of(page: Page) -> list[str]:
    """Every WebSocket frame the page receives, from now on."""
    frames: list[str] = []
    page.on("websocket", lambda ws: ws.on("framereceived", lambda payload: frames.append(str(payload))))
    return frames


async def create_from_landing(pages, server_url: str, problem: str) -> tuple[Page, dict]:
    """The interviewer creates a session on the landing page, with a problem, and lands on the host link,
    which the page then takes out of the address bar; returns the page and the API's answer (the links)."""
    host = await pages.person(server_url + "/", name="Ada")
    await host.get_by_label("Problem").select_option(label=problem)
    answers: list[dict] = []

    async def keep_answer(route):  # the page navigates away at once: read the answer on its way
        response = await route.fetch()
        answers.append(await response.json())
        await route.fulfill(response=response)

    await host.route("**/api/sessions", keep_answer)
    await host.get_by_role("button", name="Create session").click()
    await wait_for(lambda: asyncio.sleep(0, result=bool(answers)), message="the session to be created")
    links = answers[0]
    assert re.fullmatch(r".*/session/[0-9a-f-]{36}#host=[A-Za-z0-9_-]{32,}", links["host_url"])
    await connected(host)
    await expect(host).to_have_url(links["join_url"])  # a shared screen does not show the key
    return host, links


async def replace_code(page: Page, code: str) -> None:
    await editor(page).click()
    await page.keyboard.press("ControlOrMeta+a")
    await page.keyboard.insert_text(code)


@pytest.mark.python
async def test_an_interview_from_the_host_link_and_a_candidate_who_cannot_see_host_parts(pages, server_url, tmp_path):
    host, links = await create_from_landing(pages, server_url, "Two Sum")
    join_url, key = links["join_url"], links["host_url"].split("#host=")[1]
    tools = host.get_by_role("navigation", name="Interviewer tools")
    await expect(tools).to_be_visible()
    await expect(host.get_by_role("region", name="Problem").get_by_role("heading", name="Two Sum")).to_be_visible()

    candidate_frames: list[str] = []
    candidate_context = await new_context(pages.browser, viewport={"width": 1280, "height": 800})
    pages.contexts.append(candidate_context)
    candidate = await pages.new(None, name="Bo", context=candidate_context)
    candidate.on("websocket", lambda ws: ws.on("framereceived", lambda payload: candidate_frames.append(str(payload))))
    await candidate.goto(join_url)
    await connected(candidate)
    # The candidate sees the problem, and none of the host parts.
    await expect(candidate.get_by_role("region", name="Problem").get_by_role("heading", name="Two Sum")).to_be_visible()
    await expect(candidate.get_by_role("navigation", name="Interviewer tools")).to_be_hidden()
    await expect(candidate.get_by_role("textbox", name="Private notes")).to_have_count(0)
    await expect(side_tab(candidate, "Notes")).to_have_count(0)  # no Notes tab either
    assert await candidate.evaluate("window.pad.role()") == "candidate"
    await expect(host.get_by_role("list", name="Participants")).to_contain_text("Bo")
    await expect(candidate.get_by_role("list", name="Participants").get_by_text("host", exact=True)).to_be_visible()

    # Private notes, a tab of the host's side column: autosaved, the candidate's socket never carries them.
    await open_tab(host, "Notes")
    notes = host.get_by_role("textbox", name="Private notes")
    await notes.fill(f"{SECRET}\n- asks good questions")
    await expect(host.get_by_role("status", name="Notes status")).to_have_text("Saved", timeout=10_000)

    # Lock: the candidate cannot type and is told so; unlock lets them.
    await tools.get_by_role("button", name="Lock editing").click()
    await expect(candidate.get_by_role("status").filter(has_text="The interviewer has locked editing")).to_be_visible()
    before = await text_of(candidate)
    await editor(candidate).click()
    await candidate.keyboard.type("typed while locked")
    await candidate.wait_for_timeout(300)
    assert await text_of(candidate) == before
    await tools.get_by_role("button", name="Unlock editing").click()
    await expect(candidate.get_by_role("status").filter(has_text="locked")).to_be_hidden()

    # The candidate solves it and runs the problem's checks; the host watches the run.
    await replace_code(candidate, SOLUTION)
    await settled(candidate)
    await wait_python_ready(candidate)
    await candidate.get_by_role("button", name="Run checks").click()
    await expect(output(host).locator(".run-header").last).to_contain_text("Bo ran version", timeout=30_000)
    await expect(output(host)).to_contain_text("Passed", timeout=30_000)
    final_text = await text_of(host)

    # End: read-only for everyone, still viewable.
    await tools.get_by_role("button", name="End interview").click()
    await host.get_by_role("dialog").get_by_role("button", name="End interview").click()
    for page in (host, candidate):
        await expect(page.get_by_role("status").filter(has_text="This interview has ended")).to_be_visible()
    await editor(candidate).click()
    await candidate.keyboard.type("after the end")
    await candidate.wait_for_timeout(300)
    assert await text_of(candidate) == final_text

    # Playback with the run, in the host's page.
    await tools.get_by_role("button", name="Playback").click()
    player = host.get_by_role("region", name="Playback")
    await expect(player).to_be_visible(timeout=15_000)
    await player.get_by_role("button", name=re.compile(r"^Jump to run 1 ")).click()
    await expect(player.get_by_role("status", name="Playback position")).to_contain_text("Version")
    slider = player.get_by_role("slider", name="Timeline")
    await slider.fill(await slider.get_attribute("max"))
    await expect(player.get_by_role("log", name="Run output")).to_contain_text("Passed", timeout=10_000)
    code = player.get_by_role("textbox", name="Code at this point")
    assert (await code.inner_text()).rstrip("\n") == final_text.rstrip("\n")
    await host.get_by_role("button", name="Close playback").click()

    # Export, then replay it from a file URL with no server.
    async with host.expect_download() as download_info:
        await tools.get_by_role("button", name="Export session").click()
    download = await download_info.value
    assert re.fullmatch(r"interview-two-sum-\d{4}-\d\d-\d\d\.html", download.suggested_filename)
    path = tmp_path / download.suggested_filename
    await download.save_as(path)
    html = path.read_text()
    assert SECRET not in html and key not in html  # notes stay out of the export
    offline = await new_context(pages.browser, offline=True)
    pages.contexts.append(offline)
    replay = await offline.new_page()
    requests: list[str] = []
    replay.on("request", lambda request: requests.append(request.url))
    await replay.goto(path.as_uri())
    player = replay.get_by_role("region", name="Playback")
    await expect(player).to_be_visible()
    await expect(player.get_by_role("list", name="Runs")).to_contain_text("Bo ran version")
    slider = player.get_by_role("slider", name="Timeline")
    await slider.fill(await slider.get_attribute("max"))
    code = player.get_by_role("textbox", name="Code at this point")
    assert (await code.inner_text()).rstrip("\n") == final_text.rstrip("\n")
    assert all(url.startswith(("file:", "data:", "blob:")) for url in requests), requests

    # Nothing of the notes ever reached the candidate; the host key neither.
    assert candidate_frames and not any(
        SECRET in frame or '"type":"notes"' in frame or key in frame for frame in candidate_frames
    )


async def test_a_wrong_host_link_joins_as_a_candidate_and_says_so(pages, server_url):
    host, links = await create_from_landing(pages, server_url, "Valid Parentheses")
    wrong = links["join_url"] + "#host=not-the-key-" + "x" * 30
    mallory = await connected(await pages.person(wrong, name="Mallory"))
    await expect(mallory.get_by_role("alert")).to_contain_text("This host link is not valid")
    await expect(mallory.get_by_role("navigation", name="Interviewer tools")).to_be_hidden()
    await wait_for(lambda: mallory.evaluate("window.pad.role() === 'candidate'"), message="joined as a candidate")
    await expect(host.get_by_role("list", name="Participants")).to_contain_text("Mallory")


async def test_two_hosts_share_notes_and_both_keep_what_they_typed(pages, server_url):
    ada, links = await create_from_landing(pages, server_url, "LRU Cache")
    await ada.reload()  # the same tab stays host after a reload (the key is kept by the tab)
    await connected(ada)
    await expect(ada.get_by_role("navigation", name="Interviewer tools")).to_be_visible()
    cy = await connected(await pages.person(links["host_url"], name="Cy"))
    await expect(cy.get_by_role("navigation", name="Interviewer tools")).to_be_visible()
    for page in (ada, cy):
        await open_tab(page, "Notes")
    await ada.get_by_role("textbox", name="Private notes").fill("Ada: clear communicator")
    await expect(cy.get_by_role("textbox", name="Private notes")).to_have_value(
        "Ada: clear communicator", timeout=10_000
    )
    # Both type at once at different ends: neither loses their words.
    await ada.get_by_role("textbox", name="Private notes").press("End")
    await cy.get_by_role("textbox", name="Private notes").press("ControlOrMeta+Home")
    await ada.keyboard.type("\nAda again: good tests")
    await cy.keyboard.type("Cy: hire\n")
    for page in (ada, cy):
        box = page.get_by_role("textbox", name="Private notes")
        await expect(box).to_have_value(
            re.compile(r"^Cy: hire\nAda: clear communicator\nAda again: good tests$"), timeout=10_000
        )


@pytest.mark.python
async def test_host_loads_a_problem_downloads_code_reruns_a_past_version_and_the_key_stays_home(
    pages, server_url, tmp_path
):
    created = create_session_links(server_url)
    key = created["host_url"].split("#host=")[1]
    host = await pages.person(None, name="Ada")
    sent: list = []
    host.on("request", lambda request: sent.append(request))
    await host.goto(created["host_url"])
    await connected(host)
    candidate = await connected(await pages.person(created["join_url"], name="Bo"))

    # A problem loaded later: its prompt beside the editor for everyone, its starter code in the editor.
    await host.get_by_role("navigation", name="Interviewer tools").get_by_role("button", name="Load problem").click()
    dialog = host.get_by_role("dialog", name="Load a problem")
    await dialog.get_by_label("Problem").select_option(label="Valid Parentheses")
    await dialog.get_by_role("button", name="Load problem").click()
    problem = json.loads(urllib.request.urlopen(server_url + "/api/problems/valid-parentheses", timeout=5).read())
    for page in (host, candidate):
        await expect(
            page.get_by_role("region", name="Problem").get_by_role("heading", name="Valid Parentheses")
        ).to_be_visible()
        await wait_for(
            lambda page=page: page.evaluate(f"window.pad.getText() === {json.dumps(problem['starters']['python'])}"),
            message="the starter code",
        )

    # Download code: the editor's text as a file.
    async with host.expect_download() as download_info:
        await host.get_by_role("button", name="Download code").click()
    download = await download_info.value
    assert download.suggested_filename == "solution.py"
    await download.save_as(tmp_path / "solution.py")
    assert (tmp_path / "solution.py").read_text() == problem["starters"]["python"]

    # The candidate runs something; the host re-runs that version in playback, in their own Python.
    await replace_code(candidate, 'print("version", 6 * 7)\n')
    await settled(candidate)
    await wait_python_ready(candidate)
    await candidate.get_by_role("button", name="Run", exact=True).click()
    await expect(output(host)).to_contain_text("version 42", timeout=30_000)
    await replace_code(candidate, 'print("later")\n')
    await settled(candidate)
    await wait_python_ready(host)
    await host.get_by_role("button", name="Playback").click()
    player = host.get_by_role("region", name="Playback")
    await player.get_by_role("button", name=re.compile(r"^Jump to run 1 ")).click()
    await player.get_by_role("button", name="Run this version").click()
    run_output = player.get_by_role("log", name="Run output")
    await expect(run_output).to_contain_text("Re-run of version", timeout=30_000)
    await expect(run_output).to_contain_text("version 42", timeout=30_000)
    await host.get_by_role("button", name="Close playback").click()

    # The key went nowhere but where it must: only the Authorization header of the host's own history
    # request carried it; no URL, Referer or other header did, nor the server's log.
    history_url = f"{server_url}/api/sessions/{created['session_id']}/history"
    for request in sent:
        headers = await request.all_headers()
        if request.url == history_url:
            assert headers.pop("authorization") == f"Bearer {key}"
        assert key not in request.url and key not in json.dumps(headers), request.url
    assert key not in Logs.path("server.log").read_text()

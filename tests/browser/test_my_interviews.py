"""The landing's "My interviews": the interviews this browser created or hosted, with their state and links to
rejoin, play back, report and export; removable; the host keys never leave the browser but to their own session."""

from __future__ import annotations

import json
import re

from playwright.async_api import expect

from interview_server.protocol import LANGUAGES

from .conftest import create_session_links
from .helpers import connected

LIST_KEY = "interview-pad:my-interviews"


async def end_interview(page) -> None:
    """End the interview from the host's tools, as the interviewer would."""
    await page.get_by_role("navigation", name="Interviewer tools").get_by_role("button", name="End interview").click()
    await page.get_by_role("dialog").get_by_role("button", name="End interview").click()
    await expect(page.get_by_role("status").filter(has_text="This interview has ended")).to_be_visible()


async def test_my_interviews_lists_created_and_hosted_sessions_with_their_state_and_links(pages, server_url):
    sent_headers: list[tuple[str, str]] = []  # (url, Authorization) of every request that carried one
    pages.context.on(
        "request",
        lambda request: (
            "authorization" in request.headers and sent_headers.append((request.url, request.headers["authorization"]))
        ),
    )
    landing = await pages.new(server_url + "/")
    section = landing.get_by_role("region", name="My interviews")
    await expect(section).to_be_hidden()  # nothing hosted from this browser yet
    offered = (
        await landing.get_by_label("Language")
        .locator("option")
        .evaluate_all("(options) => options.map((o) => o.value)")
    )
    assert offered == list(LANGUAGES)  # every language of the pad can start a session

    # 1. Created here: "Create session" opens the host link; the session joins the list.
    await landing.get_by_role("button", name="Create session").click()
    await connected(landing)
    created_id = landing.url.rsplit("/", 1)[1]

    # 2. Hosted here from a host link made elsewhere (the API), with a title.
    titled = create_session_links(server_url, title="Onsite: graphs")
    host = await connected(await pages.new(titled["host_url"]))
    await end_interview(host)

    # 3. A candidate's join link is not an interview of this browser's.
    other = create_session_links(server_url, title="Someone else's")
    await connected(await pages.new(other["join_url"]))

    await landing.goto(server_url + "/")
    await expect(section).to_be_visible()
    items = section.get_by_role("listitem")
    await expect(items).to_have_count(2)
    graphs = items.filter(has=landing.get_by_role("heading", name="Onsite: graphs"))
    untitled = items.filter(has=landing.get_by_role("heading", name="Untitled interview"))
    await expect(graphs).to_contain_text("Ended")
    await expect(untitled).to_contain_text("Live")
    await expect(untitled).to_contain_text(re.compile(r"Created \w+"))
    assert "Someone else" not in await section.inner_text()
    # Most recently opened first.
    await expect(items.first.get_by_role("heading")).to_have_text("Onsite: graphs")

    # Export: the offline file, fetched with the host key.
    async with landing.expect_download() as download:
        await graphs.get_by_role("button", name="Export Onsite: graphs").click()
    assert (await download.value).suggested_filename.endswith(".html")

    # Report: a new tab with the report.
    async with landing.context.expect_page() as report_tab:
        await graphs.get_by_role("button", name="Report of Onsite: graphs").click()
    report = await report_tab.value
    await expect(report.get_by_role("heading", level=1)).to_contain_text("Onsite: graphs")
    await report.close()

    # Play back: the session page opens with the player.
    await graphs.get_by_role("link", name="Play back Onsite: graphs").click()
    await expect(landing.get_by_role("region", name="Playback")).to_be_visible(timeout=15_000)
    assert "#" not in landing.url  # the host key left the address bar

    # Rejoin the other one as host.
    await landing.goto(server_url + "/")
    await untitled.get_by_role("link", name="Rejoin Untitled interview").click()
    await connected(landing)
    assert landing.url.endswith(f"/session/{created_id}")
    await expect(landing.get_by_role("navigation", name="Interviewer tools")).to_be_visible()

    # Remove: off the list, the session untouched.
    await landing.goto(server_url + "/")
    await graphs.get_by_role("button", name="Remove Onsite: graphs from this list").click()
    await expect(items).to_have_count(1)
    await expect(section.get_by_role("status")).to_contain_text("removed from this list")
    kept = json.loads(await landing.evaluate(f"localStorage.getItem({LIST_KEY!r})"))
    assert [entry["id"] for entry in kept] == [created_id]

    # The host keys went only to their own session's endpoints.
    keys = {titled["session_id"]: titled["host_url"].split("#host=")[1]}
    for url, authorization in sent_headers:
        session_id = re.search(r"/api/sessions/([0-9a-f-]{36})/", url)
        assert session_id, f"a key was sent to {url}"
        if session_id[1] in keys:
            assert authorization == f"Bearer {keys[session_id[1]]}"
    assert (
        {"export.html", "report.html", "history"}
        >= {url.rsplit("/", 1)[1] for url, _ in sent_headers}
        >= {
            "export.html",
            "report.html",
        }
    )
    assert not [url for url in pages.requests if any(key in url for key in keys.values())]

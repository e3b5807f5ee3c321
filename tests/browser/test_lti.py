"""LTI 1.3 in real Chromium (issue 25): a test LMS (tests/support/lti_platform.py) on its own origin frames the
tool as a course page does. The instructor's launch opens the link's page of learners' sessions; a learner's
launch lands in their own session, named from the launch with no name dialog; the instructor opens it as host
from that page; the learner's code passes the hidden tests (run in the instructor's browser) and the platform
receives the score. No cookie is set along the way."""

from __future__ import annotations

import json
import re

import pytest
import pytest_asyncio
from playwright.async_api import expect

from ..support.lti_platform import INSTRUCTOR, LEARNER, TestPlatform
from ..support.server_process import ServerProcess, free_port
from .conftest import ARTIFACTS, Logs, allow_python, wait_for
from .helpers import connected

RIGHT = """def two_sum(nums, target):
    seen = {}
    for i, n in enumerate(nums):
        if target - n in seen:
            return [seen[target - n], i]
        seen[n] = i
    return []
"""


@pytest_asyncio.fixture(loop_scope="session", scope="module")
async def lms():
    platform = await TestPlatform(port=free_port()).start()
    yield platform
    await platform.close()


@pytest.fixture(scope="module")
def tool_url(lms, tmp_path_factory):
    data = tmp_path_factory.mktemp("lti")
    platforms = data / "platforms.json"
    platforms.write_text(json.dumps([lms.registration()]))
    server = ServerProcess(
        "--data-dir",
        str(data),
        "--lti-platforms",
        str(platforms),
        "--frame-ancestors",
        lms.url,
        log_path=Logs.path("server-lti.log"),
    )
    server.start()
    lms.tool_url = server.url
    lms.tool_jwks_url = f"{server.url}/lti/jwks"
    yield server.url
    server.terminate()


def course_page(lms: TestPlatform, hint: str, user: dict) -> str:
    lms.users[hint] = user
    return f"{lms.url}/course/{hint}"


@pytest.mark.python
async def test_an_lms_launches_instructor_and_learner_and_gets_the_grade(pages, lms, tool_url):
    custom = {"problem": "two-sum", "mode": "per_learner"}
    item = lms.lineitem("two-sum-item")
    link = {"link": "week-3", "title": "Week 3: two sum", "custom": custom, "lineitem": item}
    cookies_set = []

    instructor = await pages.person(
        course_page(lms, "grace", {"sub": "t-1", "name": "Grace Hopper", "roles": [INSTRUCTOR], **link}), name=None
    )
    instructor.on("response", lambda response: "set-cookie" in response.headers and cookies_set.append(response.url))
    tool = instructor.frame_locator("iframe[title='Interview pad']")
    await expect(tool.get_by_role("heading", name="Week 3: two sum")).to_be_visible(timeout=15_000)
    await expect(tool.get_by_role("status")).to_have_text("No learner has opened this link yet.")
    await expect(tool.get_by_role("radio", name=re.compile("a session of their own"))).to_be_checked()

    learner = await pages.person(
        course_page(lms, "ada", {"sub": "s-ada", "name": "Ada Lovelace", "roles": [LEARNER], **link}), name=None
    )
    learner.on("response", lambda response: "set-cookie" in response.headers and cookies_set.append(response.url))
    pad = learner.frame_locator("iframe[title='Interview pad']")
    await expect(pad.get_by_role("status", name="Connection")).to_have_text("Connected", timeout=20_000)
    await expect(pad.get_by_role("dialog", name=re.compile("name", re.I))).to_have_count(0)  # named by the launch
    await expect(pad.get_by_role("list", name="Participants")).to_contain_text("Ada Lovelace")
    await expect(pad.get_by_role("region", name="Problem")).to_contain_text("Two Sum")

    # The instructor's page now lists her; "Open as host" opens her session with the interviewer's tools.
    await instructor.reload()
    await expect(tool.get_by_role("status")).to_have_text("1 learner opened this link.", timeout=15_000)
    for scheme in ("light", "dark"):
        await instructor.emulate_media(color_scheme=scheme)
        await instructor.screenshot(path=str(ARTIFACTS / f"lti-instructor-{scheme}.png"))
    async with instructor.context.expect_page() as opened:
        await tool.get_by_role("link", name="Open Ada Lovelace's session as host").click()
    host = await connected(await opened.value)
    await expect(host.get_by_role("tab", name=re.compile("^Tests"))).to_be_visible(timeout=15_000)
    await allow_python(host)
    await expect(host.get_by_role("status", name="Python")).to_have_text(re.compile("Python ready"), timeout=120_000)

    # Ada writes a right answer and runs it; the hidden tests run in the instructor's browser; the LMS gets 8/8.
    frame = learner.frames[1]
    await allow_python(learner)
    await expect(pad.get_by_role("status", name="Python")).to_have_text(re.compile("Python ready"), timeout=120_000)
    await pad.get_by_role("textbox", name="Code editor").click()
    await learner.keyboard.press("ControlOrMeta+a")
    await learner.keyboard.insert_text(RIGHT)
    await frame.wait_for_function("() => window.pad.pendingCount() === 0", timeout=15_000)
    await pad.get_by_role("button", name="Run", exact=True).click()
    await expect(host.get_by_role("tab", name="Tests, 8/8")).to_be_visible(timeout=60_000)

    async def scored() -> list:
        return lms.scores

    await wait_for(scored, timeout=30, message="the LMS received a score")
    (posted,) = lms.scores
    assert posted["lineitem"] == "two-sum-item"
    assert (posted["score"]["userId"], posted["score"]["scoreGiven"], posted["score"]["scoreMaximum"]) == (
        "s-ada",
        8,
        8,
    )
    assert cookies_set == [], cookies_set

"""LTI 1.3 launches (issue 25) against a test platform with its own keys (tests/support/lti_platform.py), on every
store, driven as a browser would drive them but over HTTP: login initiation, the platform's form post, the launch
page, the finish with this tab's secret. Instructors land as hosts, learners as candidates in their own session
(the same one each time) or in the link's shared session; every bad launch gets a clear error and makes nothing."""

from __future__ import annotations

import asyncio
import json
import time

import aiohttp
import jwt
import pytest

from interview_server.app import create_app
from interview_server.config import Config
from interview_server.keys import STORE
from interview_server.lti.links import KV_PREFIX, link_key

from .conftest import ServedLikeProduction, _store_urls
from .support.lti_platform import INSTRUCTOR, LEARNER, TestPlatform, data_attributes, form_fields, new_hint

STORES = ["memory", "sqlite", "redis", "postgres"]


@pytest.fixture
async def platform():
    started = await TestPlatform().start()
    yield started
    await started.close()


@pytest.fixture(params=STORES)
async def tool(request, aiohttp_client, tmp_path, platform):
    platforms = tmp_path / "platforms.json"
    platforms.write_text(json.dumps([platform.registration()]))
    config = Config(store=request.param, data_dir=str(tmp_path), lti_platforms=str(platforms), **_store_urls(request))
    return await aiohttp_client(ServedLikeProduction(create_app(config)))


class Browser:
    """One browser tab going through a launch: it keeps the tool's secret for the tab, as the page does."""

    def __init__(self, tool, platform: TestPlatform):
        self.tool, self.platform = tool, platform
        self.secret = ""

    async def login(self, user: dict) -> dict:
        """Up to the platform's form post: {id_token, state, action}."""
        hint = new_hint()
        self.platform.users[hint] = user
        response = await self.tool.get(
            "/lti/login", params={"iss": self.platform.issuer, "login_hint": hint, "target_link_uri": "x"}
        )
        assert response.status == 200, await response.text()
        page = data_attributes(await response.text(), "lti-login")
        self.secret = page["browser"]
        async with aiohttp.ClientSession() as http, http.get(page["auth_url"]) as answer:
            return form_fields(await answer.text())

    async def post_launch(self, form: dict) -> tuple[int, str]:
        response = await self.tool.post("/lti/launch", data={"id_token": form["id_token"], "state": form["state"]})
        return response.status, await response.text()

    async def finish(self, launch_page: str, secret: str | None = None) -> tuple[int, dict]:
        page = data_attributes(launch_page, "lti-launch")
        body = {"ticket": page["ticket"], "browser": self.secret if secret is None else secret}
        response = await self.tool.post("/lti/finish", json=body)
        return response.status, await response.json()

    async def launch(self, user: dict) -> str:
        status, page = await self.post_launch(await self.login(user))
        assert status == 200, page
        status, answer = await self.finish(page)
        assert status == 200, answer
        return answer["url"]


async def hello_as(tool, url: str) -> dict:
    """Open the session a launch went to, as its page would: (the welcome's participant)."""
    path, _, fragment = url.partition("#")
    params = dict(part.split("=", 1) for part in fragment.split("&") if part)
    ws = await tool.ws_connect(path.replace("/session/", "/ws/"))
    await ws.receive_json()
    hello = {"name": "Someone"}
    if "host" in params:
        hello["host_key"] = params["host"]
    await ws.send_json({"type": "hello", "data": hello})
    while (message := await ws.receive_json())["type"] not in ("welcome", "error"):
        pass
    await ws.close()
    return message["data"]


def instructor(**more) -> dict:
    return {"sub": "teacher-1", "name": "Grace Hopper", "roles": [INSTRUCTOR], **more}


def learner(sub: str, name: str, **more) -> dict:
    return {"sub": sub, "name": name, "roles": [LEARNER], **more}


async def test_learners_get_their_own_session_and_the_instructor_their_list(tool, platform):
    ada_url = await Browser(tool, platform).launch(learner("s-ada", "Ada Lovelace", custom={"problem": "two-sum"}))
    assert ada_url.startswith("/session/") and ada_url.endswith("#name=Ada%20Lovelace")
    assert (await hello_as(tool, ada_url))["role"] == "candidate"
    assert await Browser(tool, platform).launch(learner("s-ada", "Ada Lovelace")) == ada_url  # the same session
    bo_url = await Browser(tool, platform).launch(learner("s-bo", "Bo Diddley"))
    assert bo_url != ada_url
    session_id = ada_url.split("/session/")[1].split("#")[0]
    info = await (await tool.get(f"/api/sessions/{session_id}")).json()
    assert info["title"] == "Two sum — Ada Lovelace"
    # The instructor lands on the link's list of learners' sessions, and opens one as host.
    page_url = await Browser(tool, platform).launch(instructor())
    key = link_key(platform.issuer, platform.deployment, "link-1")
    assert page_url.startswith(f"/lti/links/{key}#token=")
    token = page_url.split("#token=")[1]
    listing = await (await tool.get(f"/api/lti/links/{key}", headers={"Authorization": f"Bearer {token}"})).json()
    assert [row["name"] for row in listing["learners"]] == ["Ada Lovelace", "Bo Diddley"]
    assert listing["mode"] == "per_learner" and listing["total"] == 2 and listing["problem"] == "two-sum"
    assert (await hello_as(tool, listing["learners"][0]["host_url"]))["role"] == "host"
    assert listing["learners"][0]["host_url"].startswith(f"/session/{session_id}#host=")
    refused = await tool.get(f"/api/lti/links/{key}", headers={"Authorization": "Bearer forged"})
    assert refused.status == 401
    other = await tool.get(f"/api/lti/links/{'0' * 32}", headers={"Authorization": f"Bearer {token}"})
    assert other.status == 403


async def test_the_instructors_list_shows_when_a_live_session_was_last_active(tool, platform):
    """A learner's session open right now (answered from memory) still says when it was last active."""
    ada_url = await Browser(tool, platform).launch(learner("s-ada", "Ada Lovelace"))
    ws = await tool.ws_connect(ada_url.split("#")[0].replace("/session/", "/ws/"))
    await ws.receive_json()
    await ws.send_json({"type": "hello", "data": {"name": "Ada Lovelace"}})
    while (await ws.receive_json())["type"] != "welcome":
        pass
    page_url = await Browser(tool, platform).launch(instructor())
    key, token = page_url.split("/lti/links/")[1].split("#token=")
    listing = await (await tool.get(f"/api/lti/links/{key}", headers={"Authorization": f"Bearer {token}"})).json()
    assert listing["learners"][0]["last_active_at"] is not None
    await ws.close()


async def test_a_shared_link_puts_everyone_in_one_session(tool, platform):
    custom = {"mode": "shared"}
    host_url = await Browser(tool, platform).launch(instructor(link="pair", custom=custom))
    assert "#host=" in host_url and (await hello_as(tool, host_url))["role"] == "host"
    ada = await Browser(tool, platform).launch(learner("s-ada", "Ada", link="pair", custom=custom))
    bo = await Browser(tool, platform).launch(learner("s-bo", "Bo", link="pair", custom=custom))
    shared = host_url.split("#")[0]
    assert ada.split("#")[0] == bo.split("#")[0] == shared


async def test_the_instructor_switches_a_links_mode(tool, platform):
    page_url = await Browser(tool, platform).launch(instructor(link="ex"))
    key, token = page_url.split("/lti/links/")[1].split("#token=")
    auth = {"Authorization": f"Bearer {token}"}
    assert (await tool.post(f"/api/lti/links/{key}/mode", json={"mode": "solo"}, headers=auth)).status == 400
    assert (await tool.post(f"/api/lti/links/{key}/mode", json={"mode": "shared"}, headers=auth)).status == 200
    ada = await Browser(tool, platform).launch(learner("s-ada", "Ada", link="ex"))
    bo = await Browser(tool, platform).launch(learner("s-bo", "Bo", link="ex"))
    assert ada.split("#")[0] == bo.split("#")[0]


def _resign_with(other_key):
    return lambda claims, header, key: (claims, header, other_key)


@pytest.mark.parametrize(
    ("bad", "says"),
    [
        ("wrong signature", "was refused: Signature verification failed"),
        ("unknown kid", "has no key 'not-a-key' (checked again just now)"),
        ("expired", "The launch has expired"),
        ("wrong audience", "for another tool (aud)"),
        ("wrong azp", "for another tool (azp)"),
        ("unregistered deployment", "Deployment 'dep-rogue' of Test LMS is not registered"),
        ("missing roles", "names no role for the user"),
        ("issued in the future", "not valid yet"),
        ("wrong nonce", "does not answer this login (nonce)"),
        ("other version", "Only LTI 1.3.0 launches"),
    ],
)
async def test_bad_id_tokens_get_a_clear_error_and_make_nothing(tool, platform, bad, says):
    from cryptography.hazmat.primitives.asymmetric import rsa

    def tamper(claims, header, key):
        now = int(time.time())
        if bad == "wrong signature":
            key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        elif bad == "unknown kid":
            header = {"kid": "not-a-key"}
        elif bad == "expired":
            claims.update(exp=now - 600, iat=now - 900)
        elif bad == "wrong audience":
            claims.update(aud="another-tool")
            claims.pop("azp")
        elif bad == "wrong azp":
            claims.update(azp="another-tool")
        elif bad == "unregistered deployment":
            claims["https://purl.imsglobal.org/spec/lti/claim/deployment_id"] = "dep-rogue"
        elif bad == "missing roles":
            del claims["https://purl.imsglobal.org/spec/lti/claim/roles"]
        elif bad == "issued in the future":
            claims.update(iat=now + 600, nbf=now + 600)
        elif bad == "wrong nonce":
            claims.update(nonce="not-the-one")
        elif bad == "other version":
            claims["https://purl.imsglobal.org/spec/lti/claim/version"] = "1.1"
        return claims, header, key

    browser = Browser(tool, platform)
    platform.tamper = tamper
    fetches = platform.jwks_fetches
    status, page = await browser.post_launch(await browser.login(learner("s-eve", "Eve")))
    assert status == 400 and says in page.replace("&#39;", "'"), page
    assert "data-ticket" not in page
    if bad == "unknown kid":
        assert platform.jwks_fetches <= fetches + 1  # fetched once more at most, then refused
    key = link_key(platform.issuer, platform.deployment, "link-1")
    assert await tool.app[STORE].kv_get(KV_PREFIX + key) is None  # nothing was made


async def test_a_replayed_launch_a_forged_state_and_another_browser_are_refused(tool, platform):
    browser = Browser(tool, platform)
    form = await browser.login(learner("s-ada", "Ada"))
    status, page = await browser.post_launch(form)
    assert status == 200
    status, again = await browser.post_launch(form)  # the same id_token posted again: its nonce is used up
    assert status == 400 and "used already (its nonce)" in again
    status, forged = await browser.post_launch({**form, "state": form["state"][:-4] + "AAAA"})
    assert status == 400 and "state is not valid" in forged
    # Another browser (or tab) holding the launch page but not the login's secret.
    status, answer = await browser.finish(page, secret="someone-elses-secret")
    assert status == 403 and "another browser or tab" in answer["error"]
    key = link_key(platform.issuer, platform.deployment, "link-1")
    assert await tool.app[STORE].kv_get(KV_PREFIX + key) is None  # nothing made
    status, answer = await browser.finish(page)  # the right tab still can, once
    assert status == 200 and answer["url"].startswith("/session/")
    status, answer = await browser.finish(page)
    assert status == 409 and "finished already" in answer["error"]


async def test_logins_from_unknown_platforms_and_launches_without_tokens_are_refused(tool, platform):
    response = await tool.get("/lti/login", params={"iss": "https://rogue.test", "login_hint": "x"})
    assert response.status == 400 and "No platform is registered here" in await response.text()
    response = await tool.get("/lti/login", params={"iss": platform.issuer})
    assert response.status == 400 and "login_hint" in await response.text()
    response = await tool.post("/lti/launch", data={"state": "x"})
    assert response.status == 400 and "needs the id_token" in await response.text()
    response = await tool.post("/lti/launch", data={"error": "login_required", "error_description": "Log in first"})
    assert response.status == 400 and "Log in first" in await response.text()


async def test_the_tool_publishes_its_keys(tool):
    keys = (await (await tool.get("/lti/jwks")).json())["keys"]
    assert keys and all(key["kty"] == "RSA" and key["alg"] == "RS256" and key["kid"] for key in keys)
    assert all("d" not in key and "p" not in key for key in keys)  # public parts only


async def test_a_learners_hidden_test_result_and_a_scorecard_go_back_as_grades(tool, platform):
    platform.tool_jwks_url = str(tool.make_url("/lti/jwks"))
    platform.refuse_scores = 1  # the first post fails: the tool tries again
    item = platform.lineitem("item-7")
    ada_url = await Browser(tool, platform).launch(learner("s-ada", "Ada", link="graded", lineitem=item))
    page_url = await Browser(tool, platform).launch(instructor(link="graded", lineitem=item))
    key, token = page_url.split("/lti/links/")[1].split("#token=")
    listing = await (await tool.get(f"/api/lti/links/{key}", headers={"Authorization": f"Bearer {token}"})).json()
    assert listing["grades"] is True
    host_url = listing["learners"][0]["host_url"]
    session_id = ada_url.split("/session/")[1].split("#")[0]
    path, fragment = host_url.split("#host=")
    host_key, _, named = fragment.partition("&name=")
    assert named == "Grace%20Hopper"  # the instructor's page names whoever opens it
    ws = await tool.ws_connect(path.replace("/session/", "/ws/"))
    await ws.receive_json()
    await ws.send_json({"type": "hello", "data": {"name": "Grace", "host_key": host_key}})
    cases = [{"name": f"case {n}", "passed": n < 3, "ms": 0.1, "message": ""} for n in range(4)]
    report = {"version": 0, "language": "python", "run_id": None, "cases": cases}
    await ws.send_json({"type": "report_hidden_results", "data": report})
    for _ in range(100):
        if platform.scores:
            break
        await asyncio.sleep(0.1)
    (posted,) = platform.scores
    assert posted["lineitem"] == "item-7"
    score = posted["score"]
    assert (score["userId"], score["scoreGiven"], score["scoreMaximum"]) == ("s-ada", 3, 4)
    assert score["activityProgress"] == "Completed" and score["gradingProgress"] == "FullyGraded"
    # A host's scorecard is a grade too: its scores of their maximum.
    card = {
        "card": "card-0001",
        "version": 0,
        "scores": {"Coding": 3, "Testing": 2},
        "comment": "Good",
        "recommendation": "yes",
    }
    await ws.send_json({"type": "set_scorecard", "data": card})
    for _ in range(100):
        if len(platform.scores) == 2:
            break
        await asyncio.sleep(0.1)
    score = platform.scores[1]["score"]
    assert (score["scoreGiven"], score["scoreMaximum"], score["comment"]) == (5, 8, "Good")
    assert platform.token_requests <= 2  # the token is kept between posts (one more after the refused post)
    await ws.close()
    assert session_id in host_url


async def test_deep_linking_returns_a_signed_link_with_the_problem_and_the_mode(tool, platform):
    learner_browser = Browser(tool, platform)
    status, page = await learner_browser.post_launch(
        await learner_browser.login(learner("s-ada", "Ada", message_type="LtiDeepLinkingRequest"))
    )
    status, answer = await learner_browser.finish(page)
    assert status == 400 and "Only an instructor can add the tool" in answer["error"]
    url = await Browser(tool, platform).launch(instructor(message_type="LtiDeepLinkingRequest"))
    assert url.startswith("/lti/deep-link#token=")
    picker = await (await tool.get("/lti/deep-link")).text()
    assert 'value="two-sum"' in picker and 'name="mode" value="shared"' in picker
    form = {"token": url.split("#token=")[1], "problem": "two-sum", "mode": "shared", "title": "Pairs: two sum"}
    response = await tool.post("/lti/deep-link/return", data=form)
    assert response.status == 200
    assert f"form-action 'self' {platform.url};" in response.headers["Content-Security-Policy"]
    back = form_fields(await response.text())
    assert back["action"] == f"{platform.url}/deep-link-return"
    jwks = jwt.PyJWKSet.from_dict(await (await tool.get("/lti/jwks")).json())
    kid = jwt.get_unverified_header(back["JWT"])["kid"]
    claims = jwt.decode(back["JWT"], jwks[kid].key, algorithms=["RS256"], audience=platform.issuer)
    assert claims["iss"] == platform.client_id and claims["nonce"]
    assert claims["https://purl.imsglobal.org/spec/lti/claim/message_type"] == "LtiDeepLinkingResponse"
    assert claims["https://purl.imsglobal.org/spec/lti-dl/claim/data"] == "platform-opaque-7"
    (item,) = claims["https://purl.imsglobal.org/spec/lti-dl/claim/content_items"]
    assert item["type"] == "ltiResourceLink" and item["title"] == "Pairs: two sum"
    assert item["custom"] == {"problem": "two-sum", "mode": "shared"} and item["lineItem"]["scoreMaximum"] == 100
    assert item["url"].endswith("/lti/launch")
    # The link it made, launched: the problem in one shared session.
    ada = await Browser(tool, platform).launch(learner("s-ada", "Ada", link="dl-1", custom=item["custom"]))
    bo = await Browser(tool, platform).launch(learner("s-bo", "Bo", link="dl-1", custom=item["custom"]))
    assert ada.split("#")[0] == bo.split("#")[0]
    session_id = ada.split("/session/")[1].split("#")[0]
    assert (await tool.app[STORE].get(session_id)).meta["problem"]["id"] == "two-sum"
    refused = await tool.post("/lti/deep-link/return", data={**form, "token": "forged"})
    assert refused.status == 400 and "access is not valid" in await refused.text()
    refused = await tool.post("/lti/deep-link/return", data={**form, "problem": "no-such-problem"})
    assert refused.status == 400

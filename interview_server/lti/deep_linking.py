"""Deep Linking 2.0: adding the tool to a course, the instructor picks a problem from the question bank and what
each launch opens (a session per learner, or one shared); the tool returns one LTI resource link carrying both as
custom parameters (`problem`, `mode`; links.py reads them at the link's first launch), with a line item for grades
when the platform takes one. The response is a JWT the tool signs with its key (the platform checks it against
/lti/jwks), posted back by the instructor's browser to the platform's return URL."""

from __future__ import annotations

import secrets
import time
from urllib.parse import urlsplit

import aiohttp_jinja2
import jwt
from aiohttp import web

from ..keys import CONFIG, PROBLEMS
from ..security import FORM_TARGETS, own_url
from . import signed
from .app_keys import LTI
from .id_token import CLAIM, Launch
from .links import MODES

routes = web.RouteTableDef()
PICK_SECONDS = 3600  # an instructor has this long to pick
RESPONSE_SECONDS = 300  # the response JWT's life


def picker_path(launch: Launch, secret: bytes) -> str:
    """Where a verified deep-linking launch goes: the picker, its access in the fragment."""
    token, _ = signed.sign(
        {
            "iss": launch.platform.issuer,
            "cid": launch.platform.client_id,
            "deployment_id": launch.deployment_id,
            "return_url": launch.deep_link_return_url,
            "data": launch.deep_link_data,
        },
        secret,
        signed.DEEP_LINK,
        PICK_SECONDS,
    )
    return f"/lti/deep-link#token={token}"


@routes.get("/lti/deep-link")
async def picker(request: web.Request) -> web.Response:
    problems = sorted((problem.summary() for problem in request.app[PROBLEMS].values()), key=lambda p: p["title"])
    response = aiohttp_jinja2.render_template("lti_deep_link.html", request, {"problems": problems})
    response.headers["Cache-Control"] = "no-store"
    return response


@routes.post("/lti/deep-link/return")
async def respond(request: web.Request) -> web.Response:
    """The picker's form {token, problem, mode, title}: a page that posts the signed response back to the platform
    (the only page whose policy lets a form go to another site: the platform's return URL, exactly)."""
    lti = request.app[LTI]
    form = await request.post() if (request.content_length or 0) <= 16 * 1024 else {}
    try:
        access = signed.read(str(form.get("token", "")), lti.keys.secret, signed.DEEP_LINK)
    except signed.SignedError as exc:
        return _error(request, f"This page's access is {exc}: add the tool to the course again.")
    problem = request.app[PROBLEMS].get(str(form.get("problem") or ""))
    mode = form.get("mode")
    if problem is None or mode not in MODES:
        return _error(request, "Choose a problem of the list and what each learner gets.")
    platform = lti.platforms.find(access["iss"], access["cid"])
    if platform is None:
        return _error(request, "The platform is no longer registered here.")
    title = str(form.get("title") or "").strip()[:100] or problem.title
    launch_url = own_url(request, "/lti/launch", request.app[CONFIG].trust_proxy)
    item = {
        "type": "ltiResourceLink",
        "title": title,
        "url": launch_url,
        "custom": {"problem": problem.id, "mode": mode},
        "lineItem": {"scoreMaximum": 100, "label": title, "resourceId": problem.id},
    }
    now = int(time.time())
    kid, key = lti.keys.signing
    claims = {
        "iss": platform.client_id,
        "aud": platform.issuer,
        "iat": now,
        "exp": now + RESPONSE_SECONDS,
        "nonce": secrets.token_urlsafe(16),
        CLAIM + "message_type": "LtiDeepLinkingResponse",
        CLAIM + "version": "1.3.0",
        CLAIM + "deployment_id": access["deployment_id"],
        "https://purl.imsglobal.org/spec/lti-dl/claim/content_items": [item],
    }
    if access.get("data"):
        claims["https://purl.imsglobal.org/spec/lti-dl/claim/data"] = access["data"]
    response_jwt = jwt.encode(claims, key, algorithm="RS256", headers={"kid": kid})
    return_url = access["return_url"]
    parts = urlsplit(return_url)
    request[FORM_TARGETS] = (f"{parts.scheme}://{parts.netloc}",)
    page = aiohttp_jinja2.render_template(
        "lti_deep_link_return.html", request, {"return_url": return_url, "jwt": response_jwt, "title": title}
    )
    page.headers["Cache-Control"] = "no-store"
    return page


def _error(request: web.Request, message: str) -> web.Response:
    response = aiohttp_jinja2.render_template("lti_error.html", request, {"message": message})
    response.set_status(400)
    return response

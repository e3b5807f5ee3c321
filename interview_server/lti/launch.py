"""The LTI 1.3 endpoints a platform talks to, and the launch's steps, without cookies (an LMS iframe blocks
third-party cookies):

1. /lti/login (the platform's OIDC login initiation): the tool signs a `state` holding a new nonce and the hash of
   a secret it gives this browser; its page keeps the secret in the tab's sessionStorage and goes to the platform's
   authorization endpoint.
2. /lti/launch (the platform's form post of the id_token): the state and the id_token are verified (id_token.py),
   the nonce is used up (a store claim: once over every instance); nothing is made yet. Its page reads the
   browser's secret back from sessionStorage and sends it to
3. /lti/finish with the signed ticket of the verified launch: only the browser that began the login has the secret.
   Then the launch opens what its link says (links.py), and the page goes there.

/lti/jwks publishes the tool's public keys (tool_keys.py).
"""

from __future__ import annotations

import hashlib
import logging
import secrets
from urllib.parse import urlencode

import aiohttp_jinja2
from aiohttp import web

from ..keys import CONFIG, STORE
from ..security import own_url
from . import deep_linking, id_token, links, signed
from .app_keys import LTI
from .id_token import LEEWAY_SECONDS, Launch, LaunchError

log = logging.getLogger(__name__)
routes = web.RouteTableDef()

STATE_SECONDS = 600  # a login may take this long to come back as a launch
TICKET_SECONDS = 120  # a verified launch must be finished this soon
MAX_FORM_BYTES = 64 * 1024  # an id_token is a few kB


def _error_page(request: web.Request, message: str, status: int = 400) -> web.Response:
    response = aiohttp_jinja2.render_template("lti_error.html", request, {"message": message})
    response.set_status(status)
    response.headers["Cache-Control"] = "no-store"
    return response


async def _params(request: web.Request) -> dict:
    """A GET's query or a POST's form (platforms use either), bounded."""
    if request.method == "POST":
        if (request.content_length or 0) > MAX_FORM_BYTES:
            raise LaunchError("The request is too large for a launch.")
        return dict(await request.post())
    return dict(request.query)


@routes.route("*", "/lti/login")
async def login(request: web.Request) -> web.Response:
    lti = request.app[LTI]
    if request.method not in ("GET", "POST"):
        raise web.HTTPMethodNotAllowed(request.method, ["GET", "POST"])
    try:
        params = await _params(request)
        issuer, hint = params.get("iss"), params.get("login_hint")
        if not issuer or not hint:
            raise LaunchError("A login needs the platform's iss and login_hint.")
        platform = lti.platforms.find(str(issuer), params.get("client_id"))
        if platform is None:
            raise LaunchError(f"No platform is registered here for issuer {issuer!r}: see docs/LTI.md.")
    except LaunchError as exc:
        return _error_page(request, str(exc))
    nonce, browser = secrets.token_urlsafe(24), secrets.token_urlsafe(24)
    state, state_id = signed.sign(
        {"iss": platform.issuer, "cid": platform.client_id, "nonce": nonce, "browser": _digest(browser)},
        lti.keys.secret,
        signed.STATE,
        STATE_SECONDS,
    )
    query = {
        "scope": "openid",
        "response_type": "id_token",
        "response_mode": "form_post",
        "prompt": "none",
        "client_id": platform.client_id,
        "redirect_uri": own_url(request, "/lti/launch", request.app[CONFIG].trust_proxy),
        "login_hint": hint,
        "state": state,
        "nonce": nonce,
    }
    if params.get("lti_message_hint"):
        query["lti_message_hint"] = params["lti_message_hint"]
    separator = "&" if "?" in platform.auth_login_url else "?"
    page = aiohttp_jinja2.render_template(
        "lti_login.html",
        request,
        {"auth_url": platform.auth_login_url + separator + urlencode(query), "browser": browser, "state_id": state_id},
    )
    page.headers["Cache-Control"] = "no-store"
    return page


@routes.post("/lti/launch")
async def launch(request: web.Request) -> web.Response:
    lti = request.app[LTI]
    try:
        params = await _params(request)
        if params.get("error"):
            raise LaunchError(f"The platform refused the login: {params.get('error_description') or params['error']}.")
        token, state_token = params.get("id_token"), params.get("state")
        if not token or not state_token:
            raise LaunchError("A launch needs the id_token and the state of its login.")
        try:
            state = signed.read(str(state_token), lti.keys.secret, signed.STATE)
        except signed.SignedError as exc:
            raise LaunchError(f"The launch's state is {exc}: launch the tool again from the course.") from None
        verified = await id_token.verify(str(token), state["nonce"], lti.platforms, lti.platform_keys)
        if verified.platform.issuer != state["iss"]:
            raise LaunchError("The launch comes from another platform than its login.")
        seconds = max(verified.expires_at - lti.clock(), 0) + LEEWAY_SECONDS
        if not await request.app[STORE].claim(f"lti:nonce:{verified.platform.issuer}:{state['nonce']}", seconds):
            raise LaunchError("This launch was used already (its nonce): launch the tool again from the course.")
    except LaunchError as exc:
        log.info("LTI launch refused: %s", exc)
        return _error_page(request, str(exc))
    ticket, _ = signed.sign(
        {"launch": _launch_fields(verified), "browser": state["browser"]},
        lti.keys.secret,
        signed.TICKET,
        TICKET_SECONDS,
    )
    page = aiohttp_jinja2.render_template("lti_launch.html", request, {"ticket": ticket, "state_id": state["jti"]})
    page.headers["Cache-Control"] = "no-store"
    return page


@routes.post("/lti/finish")
async def finish(request: web.Request) -> web.Response:
    """{ticket, browser} from the launch page: where to go, once the browser is the one that began the login."""
    lti = request.app[LTI]
    try:
        body = await request.json()
        ticket = signed.read(str(body.get("ticket", "")), lti.keys.secret, signed.TICKET)
    except (ValueError, AttributeError, signed.SignedError):
        return _json_error("This launch is not valid any more: launch the tool again from the course.", 400)
    if not secrets.compare_digest(_digest(str(body.get("browser") or "")), ticket["browser"]):
        return _json_error(
            "This launch was started in another browser or tab: launch the tool again from the course.", 403
        )
    if not await request.app[STORE].claim(f"lti:ticket:{ticket['jti']}", TICKET_SECONDS + LEEWAY_SECONDS):
        return _json_error("This launch was finished already: launch the tool again from the course.", 409)
    try:
        verified = _launch_from(lti, ticket["launch"])
        if verified.message_type == id_token.DEEP_LINKING:
            if not verified.is_instructor:
                raise LaunchError("Only an instructor can add the tool to a course.")
            target = deep_linking.picker_path(verified, lti.keys.secret)
        else:
            target = await links.open_launch(request.app, lti.keys.secret, verified)
    except LaunchError as exc:
        return _json_error(str(exc), 400)
    log.info("LTI launch of %s as %s", verified.platform.name, "instructor" if verified.is_instructor else "learner")
    return web.json_response({"url": target}, headers={"Cache-Control": "no-store"})


@routes.get("/lti/jwks")
async def jwks(request: web.Request) -> web.Response:
    return web.json_response(request.app[LTI].keys.jwks(), headers={"Cache-Control": "max-age=300"})


def _json_error(message: str, status: int) -> web.Response:
    return web.json_response({"error": message}, status=status, headers={"Cache-Control": "no-store"})


def _digest(browser: str) -> str:
    return hashlib.sha256(browser.encode()).hexdigest()


def _launch_fields(launch: Launch) -> dict:
    """A verified launch as the ticket carries it (the platform by its issuer and client id)."""
    return {
        "iss": launch.platform.issuer,
        "cid": launch.platform.client_id,
        "deployment_id": launch.deployment_id,
        "message_type": launch.message_type,
        "sub": launch.subject,
        "name": launch.name,
        "roles": list(launch.roles),
        "link": launch.resource_link_id,
        "link_title": launch.resource_link_title,
        "context_title": launch.context_title,
        "custom": launch.custom,
        "lineitem": launch.lineitem,
        "ags_scopes": list(launch.ags_scopes),
        "return_url": launch.deep_link_return_url,
        "dl_data": launch.deep_link_data,
        "exp": launch.expires_at,
    }


def _launch_from(lti, fields: dict) -> Launch:
    platform = lti.platforms.find(fields["iss"], fields["cid"])
    if platform is None:
        raise LaunchError("The platform of this launch is no longer registered here.")
    return Launch(
        platform=platform,
        deployment_id=fields["deployment_id"],
        message_type=fields["message_type"],
        subject=fields["sub"],
        name=fields["name"],
        roles=tuple(fields["roles"]),
        resource_link_id=fields["link"],
        resource_link_title=fields["link_title"],
        context_title=fields["context_title"],
        custom=fields["custom"],
        lineitem=fields["lineitem"],
        ags_scopes=tuple(fields["ags_scopes"]),
        deep_link_return_url=fields["return_url"],
        deep_link_data=fields["dl_data"],
        expires_at=fields["exp"],
    )

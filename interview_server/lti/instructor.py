"""An instructor's page of a per-learner link: each learner's session (state, last activity, hidden-test score),
each opened as host; and the link's mode. The page holds a signed token from the instructor's launch (in its
fragment: never sent to a server but as a bearer token to this API), no cookie."""

from __future__ import annotations

import asyncio
from urllib.parse import quote

import aiohttp_jinja2
from aiohttp import web

from ..activity import iso_time
from ..grading import HIDDEN_KIND
from ..hosting import ENDED
from ..keys import SESSIONS, STORE
from ..tokens import bearer_token
from . import links, signed
from .app_keys import LTI

routes = web.RouteTableDef()
PAGE_SIZE = 100  # learners per answer


def _authorised(request: web.Request) -> dict:
    """The bearer token's claims: {link, name} (its link must be the one in the URL)."""
    key = request.match_info["key"]
    try:
        token = signed.read(bearer_token(request), request.app[LTI].keys.secret, signed.LINK)
    except signed.SignedError as exc:
        raise web.HTTPUnauthorized(
            text=f'{{"error": "the page\'s access is {exc}: launch the tool again from the course"}}',
            content_type="application/json",
        ) from None
    if token.get("link") != key:
        raise web.HTTPForbidden(text='{"error": "this access is for another link"}', content_type="application/json")
    return token


@routes.get("/lti/links/{key}")
async def page(request: web.Request) -> web.Response:
    response = aiohttp_jinja2.render_template("lti_instructor.html", request, {"key": request.match_info["key"]})
    response.headers["Cache-Control"] = "no-store"
    return response


@routes.get("/api/lti/links/{key}")
async def learners(request: web.Request) -> web.Response:
    access = _authorised(request)
    key, name = access["link"], access.get("name") or "Instructor"
    held = await request.app[STORE].kv_get(links.KV_PREFIX + key)
    if held is None:
        raise web.HTTPNotFound(text='{"error": "no such link"}', content_type="application/json")
    record, _ = held
    try:
        offset = max(0, int(request.query.get("offset", 0)))
    except ValueError:
        offset = 0
    chosen = list(record["learners"].items())[offset : offset + PAGE_SIZE]
    secret = request.app[LTI].keys.secret
    rows = await asyncio.gather(*(_row(request.app, secret, entry, name) for _, entry in chosen))
    shared = record["shared_session"]
    return web.json_response(
        {
            "title": record["title"],
            "context_title": record["context_title"],
            "mode": record["mode"],
            "problem": record["problem"],
            "shared_session": None if shared is None else _host_url(secret, shared, name),
            "learners": [row for row in rows if row is not None],
            "total": len(record["learners"]),
            "offset": offset,
            "grades": bool(record["lineitem"]),
        },
        headers={"Cache-Control": "no-store"},
    )


@routes.post("/api/lti/links/{key}/mode")
async def set_mode(request: web.Request) -> web.Response:
    key = _authorised(request)["link"]
    try:
        mode = (await request.json()).get("mode")
    except (ValueError, AttributeError):
        mode = None
    if mode not in links.MODES:
        raise web.HTTPBadRequest(
            text='{"error": "mode must be per_learner or shared"}', content_type="application/json"
        )
    store = request.app[STORE]
    for _ in range(links.TRIES):
        held = await store.kv_get(links.KV_PREFIX + key)
        if held is None:
            raise web.HTTPNotFound(text='{"error": "no such link"}', content_type="application/json")
        record, version = held
        if record["mode"] == mode or await store.kv_put(links.KV_PREFIX + key, {**record, "mode": mode}, version):
            return web.json_response({"mode": mode})
    raise web.HTTPConflict(text='{"error": "the link kept changing: try again"}', content_type="application/json")


async def _row(app: web.Application, secret: bytes, entry: dict, instructor: str) -> dict | None:
    record = await app[SESSIONS].get_record(entry["session"])
    if record is None:  # expired or deleted
        return None
    results = await app[STORE].recent_events(entry["session"], HIDDEN_KIND, 1)
    latest = results[-1] if results else None
    return {
        "name": entry["name"],
        "host_url": _host_url(secret, entry["session"], instructor),
        "ended": bool(record.meta.get(ENDED)),
        "last_active_at": iso_time(record.last_active) if record.last_active else None,
        "score": {"passed": latest["passed"], "total": latest["total"]} if latest else None,
    }


def _host_url(secret: bytes, session_id: str, name: str) -> str:
    """A session's host link, naming the instructor who opens it."""
    return f"/session/{session_id}#host={links.host_key_for(secret, session_id)}&name={quote(name)}"

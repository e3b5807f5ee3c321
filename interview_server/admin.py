"""The operator's dashboard: GET /admin (a page) and /api/admin/... (JSON), behind ADMIN_TOKEN.

Without ADMIN_TOKEN all of it answers 404. The page asks for the token once, keeps it in sessionStorage and
sends it as `Authorization: Bearer` with each request: no cookie, so no request another site makes a browser
send can carry it (nothing to forge: CSRF-safe by construction).
"""

from __future__ import annotations

import asyncio
import logging
import time

import aiohttp_jinja2
from aiohttp import web

from .board import delete_with_session
from . import export, playback, protocol
from .api import session_id_of, written_pieces
from .errors import ApiError
from .handlers import end_session
from .instance_status import instance_status
from .keys import ASSETS, CONFIG, METRICS, SESSIONS, STORE, STORE_HEALTH
from .tokens import checked_token

log = logging.getLogger(__name__)

routes = web.RouteTableDef()


def _require_admin(request: web.Request) -> None:
    """404 when the dashboard is off; 401 without the token, 403 with a wrong one, 429 after too many wrong
    secrets from one address."""
    token = request.app[CONFIG].admin_token
    if not token:
        raise web.HTTPNotFound()
    verdict = checked_token(request, token, "ADMIN_TOKEN")
    if verdict == "missing":
        raise ApiError(401, "admin token required: send it as Authorization: Bearer ADMIN_TOKEN")
    if verdict == "wrong":
        raise ApiError(403, "that is not this server's ADMIN_TOKEN")
    if verdict == "guessing":
        raise ApiError(429, "too many wrong tokens from your address: try again in a minute")


@routes.get("/admin")
async def admin_page(request: web.Request) -> web.Response:
    """The dashboard's page (it holds nothing secret: the data comes from /api/admin/ with the token)."""
    if not request.app[CONFIG].admin_token:
        raise web.HTTPNotFound()
    response = aiohttp_jinja2.render_template("admin.html", request, {})
    response.headers["Cache-Control"] = "no-store"
    return response


@routes.get("/api/admin/overview")
async def overview(request: web.Request) -> web.Response:
    """Every instance's status, their live sessions merged, totals, and this instance's metrics."""
    _require_admin(request)
    app = request.app
    here = instance_status(app, time.time())
    try:
        others = await app[STORE].instance_statuses()
    except Exception as exc:
        if not app[STORE_HEALTH].failed(exc):
            raise
        others = []  # the store is down: this instance is all the dashboard can see (its status says why)
    statuses = [status for status in others if status.get("instance") != here["instance"]]
    statuses = [here, *sorted(statuses, key=lambda status: status.get("instance", ""))]
    sessions: dict[str, dict] = {}
    for status in statuses:
        for listed in status.get("sessions", []):
            merged = sessions.get(listed["session_id"])
            if merged is None:
                sessions[listed["session_id"]] = {**listed, "instances": [status["instance"]]}
                continue
            merged["instances"].append(status["instance"])
            merged["connections"] += listed["connections"]
            merged["participants"] += listed["participants"]
            if listed["version"] > merged["version"]:  # the instance that saw the latest edit knows the text best
                merged.update({key: listed[key] for key in ("version", "length", "last_activity", "title", "ended")})
    live = sorted(sessions.values(), key=lambda session: session["last_activity"], reverse=True)
    return web.json_response(
        {
            "instance": here["instance"],
            "instances": [{key: value for key, value in status.items() if key != "sessions"} for status in statuses],
            "sessions": live,
            "totals": {
                "instances": len(statuses),
                "live_sessions": len(live),
                "connections": sum(status.get("connections", 0) for status in statuses),
                "participants": sum(session["participants"] for session in live),
            },
            "metrics": app[METRICS].snapshot(),
        },
        headers={"Cache-Control": "no-store"},
    )


@routes.post("/api/admin/sessions/{session_id}/end")
async def end(request: web.Request) -> web.Response:
    """End a session as its host would: read-only everywhere, on every instance (the change is relayed)."""
    _require_admin(request)
    session_id = session_id_of(request)
    sessions = request.app[SESSIONS]
    session = await sessions.open(session_id)
    if session is None:
        raise ApiError(404, "session not found")
    try:
        await end_session(request.app, session, "the admin dashboard")
    finally:
        await sessions.release(session_id)
    return web.json_response({"session_id": session_id, "ended": True})


@routes.delete("/api/admin/sessions/{session_id}")
async def delete(request: web.Request) -> web.Response:
    """Delete a session and its whole history. Its sockets here are closed (4404, not to reconnect); the other
    instances hear of it through the session's relay and close theirs."""
    _require_admin(request)
    session_id = session_id_of(request)
    app = request.app
    if await app[SESSIONS].get_record(session_id) is None:
        raise ApiError(404, "session not found")
    live = app[SESSIONS].live(session_id)
    if live is not None:
        await live.audience.close_all(protocol.CLOSE_SESSION_NOT_FOUND, "session deleted")
        for _ in range(100):  # their handlers finish leaving (and stop writing to the session) first
            if app[SESSIONS].live(session_id) is None:
                break
            await asyncio.sleep(0.01)
    await delete_with_session(app[STORE], session_id)
    if app[STORE].shared:
        # Another instance that has the session open reloads it on a session_info, finds it gone, and closes.
        await app[STORE].publish(session_id, protocol.session_info({"title": "", "ended": True}))
    log.info("session %s deleted from the admin dashboard", session_id)
    return web.json_response({"session_id": session_id, "deleted": True})


@routes.get("/api/admin/sessions/{session_id}/export.html")
async def export_session(request: web.Request) -> web.Response:
    """The session as one self-contained HTML file that replays offline (as its host can download it)."""
    _require_admin(request)
    record = await request.app[SESSIONS].get_record(session_id_of(request))
    if record is None:
        raise ApiError(404, "session not found")
    try:
        history = await playback.session_history(record, request.app[STORE])
        pieces = export.pieces(history, request.app[ASSETS], aiohttp_jinja2.get_env(request.app))
    except playback.PlaybackUnavailable as exc:
        raise ApiError(409, str(exc)) from None
    except export.ExportUnavailable as exc:
        raise ApiError(503, str(exc)) from None
    return web.Response(
        body=written_pieces(pieces),
        content_type="text/html",
        headers={
            "Content-Disposition": f'attachment; filename="{export.file_name(history)}"',
            "Cache-Control": "no-store",
        },
    )

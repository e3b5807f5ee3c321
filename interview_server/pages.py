"""HTML pages rendered with aiohttp-jinja2: the landing page and the editor page."""

from __future__ import annotations

import aiohttp_jinja2
from aiohttp import web

from .keys import CONFIG, PROBLEMS, SESSIONS
from .sessions import is_session_id

routes = web.RouteTableDef()

# Cross-origin isolation lets Stop interrupt Python through a SharedArrayBuffer.
ISOLATION_HEADERS = {
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Embedder-Policy": "require-corp",
}


@routes.get("/")
async def landing(request: web.Request) -> web.Response:
    problems = [problem.summary() for problem in request.app[PROBLEMS].values()]
    return aiohttp_jinja2.render_template("index.html", request, {"problems": problems})


@routes.get("/session/{session_id}")
async def session_page(request: web.Request) -> web.Response:
    return await _workspace(request, "session.html")


@routes.get("/embed/{session_id}")
async def embed_page(request: web.Request) -> web.Response:
    """The editor for an iframe (an LMS page): editor, Run/Stop, output and status, no landing chrome."""
    # ?call=off: no call in the frame (an LMS page that must not offer camera and microphone); on by default.
    return await _workspace(request, "embed.html", call=request.query.get("call", "on") != "off")


async def _workspace(request: web.Request, template: str, call: bool = True) -> web.Response:
    config = request.app[CONFIG]
    session_id = request.match_info["session_id"]
    record = await request.app[SESSIONS].get_record(session_id) if is_session_id(session_id) else None
    if record is None:
        response = aiohttp_jinja2.render_template("session_not_found.html", request, {"session_id": session_id})
        response.set_status(404)
        return response
    # Full means every participant's place is taken (connections that never said hello hold none). A host
    # has places of its own: its page, told so by the host link's fragment (session-full.js), asks with ?host.
    if (
        config.max_participants
        and "host" not in request.query
        and len(await request.app[SESSIONS].participants(session_id)) >= config.max_participants
    ):
        response = aiohttp_jinja2.render_template(
            "session_full.html", request, {"cap": config.max_participants, "retry_seconds": 15}
        )
        response.set_status(409)
        response.headers["Cache-Control"] = "no-store"
        return response
    response = aiohttp_jinja2.render_template(
        template,
        request,
        {
            "session_id": record.session_id,
            "language": record.language,
            "max_message_bytes": config.max_message_bytes,
            "max_document_bytes": config.max_document_bytes,
            "run_time_limit": f"{config.run_time_limit:g}",
            # Host pages that may drive the embedded editor with postMessage (the framing allow-list).
            "embed_origins": config.frame_ancestors,
            "call": call,
            # Integrity signals (docs/INTEGRITY.md): recorded and told, except in an embed with ?integrity=off.
            "record_integrity": not (template == "embed.html" and request.query.get("integrity") == "off"),
        },
    )
    response.headers.update(ISOLATION_HEADERS)
    response.headers["Cache-Control"] = "no-store"
    return response

"""The JSON HTTP API: create and inspect sessions, health. Errors are always {"error": message}."""

from __future__ import annotations

import asyncio
import json

from aiohttp import web

from .keys import CONFIG, HUB, LIMITS, LOOP_MONITOR, SESSIONS
from .limits import client_address
from .sessions import DEFAULT_LANGUAGE, LANGUAGES, is_session_id

MAX_BODY_BYTES = 16 * 1024

routes = web.RouteTableDef()


def json_error(status: int, message: str) -> web.Response:
    """The one error shape of the HTTP API."""
    return web.json_response({"error": message}, status=status)


class ApiError(Exception):
    """Raised by a handler to answer with a JSON error."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status
        self.message = message


@web.middleware
async def api_errors(request: web.Request, handler) -> web.StreamResponse:
    """Give every /api/ failure, aiohttp's own included (404, 405, 413), the one JSON error shape."""
    if not request.path.startswith("/api/"):
        return await handler(request)
    try:
        return await handler(request)
    except ApiError as exc:
        return json_error(exc.status, exc.message)
    except web.HTTPException as exc:
        if exc.status < 400:
            raise
        return json_error(exc.status, exc.reason.lower() if exc.text is None else exc.text.removeprefix(f"{exc.status}: ").lower())


async def _read_create_body(request: web.Request) -> str:
    """The language asked for in an optional JSON body; raises a 400 response saying what is wrong."""
    if request.content_length and request.content_length > MAX_BODY_BYTES:
        raise ApiError(413, f"request body is larger than {MAX_BODY_BYTES} bytes")
    raw = await request.content.read(MAX_BODY_BYTES + 1)
    if len(raw) > MAX_BODY_BYTES:
        raise ApiError(413, f"request body is larger than {MAX_BODY_BYTES} bytes")
    if not raw.strip():
        return DEFAULT_LANGUAGE
    try:
        body = json.loads(raw)
    except ValueError:
        raise _bad_request("request body is not valid JSON") from None
    if not isinstance(body, dict):
        raise _bad_request('request body must be a JSON object like {"language": "python"}')
    unknown = sorted(set(body) - {"language"})
    if unknown:
        raise _bad_request(f"unknown field(s): {', '.join(unknown)}; only \"language\" is accepted")
    language = body.get("language", DEFAULT_LANGUAGE)
    if language not in LANGUAGES:
        raise _bad_request(f"language must be one of: {', '.join(LANGUAGES)}")
    return language


def _bad_request(message: str) -> ApiError:
    return ApiError(400, message)


@routes.post("/api/sessions")
async def create_session(request: web.Request) -> web.Response:
    language = await _read_create_body(request)
    if not request.app[LIMITS].may_create_session(client_address(request, request.app[CONFIG].trust_proxy)):
        raise ApiError(429, f"too many sessions created from your address: at most {request.app[CONFIG].sessions_per_ip} "
                            "an hour; try again later")
    record = await request.app[SESSIONS].create(language)
    created_at = record.created_at.isoformat(timespec="milliseconds").replace("+00:00", "Z")
    return web.json_response({"session_id": record.session_id, "created_at": created_at}, status=201)


@routes.get("/api/sessions/{session_id}")
async def get_session(request: web.Request) -> web.Response:
    session_id = request.match_info["session_id"]
    if not is_session_id(session_id):
        raise ApiError(400, "malformed session id: expected a lowercase UUID4")
    sessions = request.app[SESSIONS]
    record = await sessions.get_record(session_id)
    if record is None:
        raise ApiError(404, "session not found")
    return web.json_response({
        "session_id": record.session_id,
        "language": record.language,
        "active_users": await sessions.active_users(session_id),
    })


@routes.get("/api/health")
async def health(request: web.Request) -> web.Response:
    """Liveness plus the counts an operator (or the soak benchmark) watches for leaks."""
    return web.json_response({"status": "ok", "connections": len(request.app[HUB].all_peers()),
                              "live_sessions": request.app[SESSIONS].live_count(),
                              "tasks": len(asyncio.all_tasks()),
                              # "uvloop" or "asyncio": which event loop serves (EVENT_LOOP)
                              "event_loop": type(asyncio.get_running_loop()).__module__.split(".")[0],
                              # how late the loop ran over the last minute: the wait every message adds
                              "loop_lag_ms": request.app[LOOP_MONITOR].summary()})

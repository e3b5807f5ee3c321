"""The JSON HTTP API: create and inspect sessions, health. Errors are always {"error": message} (errors.py)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterable, AsyncIterator
from dataclasses import dataclass
from datetime import datetime

import aiohttp_jinja2
from aiohttp import web

from . import activity, export, hosting, playback, protocol, report
from .errors import ApiError
from .keys import ASSETS, CONFIG, HUB, LIMITS, LOOP_MONITOR, METRICS, PROBLEMS, SESSIONS, STORE, STORE_HEALTH
from .limits import client_address
from .problems import Problem
from .security import origin_allowed, own_url
from .tokens import bearer_token, token_matches
from .sessions import LANGUAGES, is_session_id

MAX_BODY_BYTES = 16 * 1024
BODY_TIMEOUT_SECONDS = 10.0  # a request body trickled slower than this is refused (408), not waited for
STREAM_WRITE_BYTES = 64 * 1024  # history, export and run answers are written in pieces of about this size
CREATE_FIELDS = {"language", "problem", "title"}

routes = web.RouteTableDef()


@dataclass(frozen=True)
class CreateRequest:
    language: str | None = None
    problem: Problem | None = None
    title: str = ""


async def _read_create_body(request: web.Request) -> CreateRequest:
    """The language, problem and title asked for in an optional JSON body; raises a 400 saying what is wrong."""
    if request.content_length and request.content_length > MAX_BODY_BYTES:
        raise ApiError(413, f"request body is larger than {MAX_BODY_BYTES} bytes")
    raw = await _read_body(request)
    if not raw.strip():
        return CreateRequest()
    try:
        body = json.loads(raw)
    except ValueError:
        raise _bad_request("request body is not valid JSON") from None
    except RecursionError:  # [[[[... : the parser gives up past ~1,000 levels
        raise _bad_request("request body is nested too deeply: send a flat JSON object") from None
    if not isinstance(body, dict):
        raise _bad_request('request body must be a JSON object like {"language": "python", "problem": "two-sum"}')
    unknown = sorted(set(body) - CREATE_FIELDS)
    if unknown:
        raise _bad_request(
            f"unknown field(s): {', '.join(unknown)[:200]}; accepted: {', '.join(sorted(CREATE_FIELDS))}"
        )
    language = body.get("language")
    if language is not None and language not in LANGUAGES:
        raise _bad_request(f"language must be one of: {', '.join(LANGUAGES)}")
    problem_id = body.get("problem")
    problem = None
    if problem_id is not None:
        problem = request.app[PROBLEMS].get(problem_id) if isinstance(problem_id, str) else None
        if problem is None:
            raise _bad_request("problem must be the id of one of GET /api/problems")
        if language is not None and language not in problem.starters:
            raise _bad_request(
                f"problem {problem.id} has no starter code in {language}; it has: {', '.join(problem.starters)}"
            )
    try:
        title = protocol.parse_title(body.get("title", ""))
    except protocol.ProtocolError as exc:
        raise _bad_request(str(exc)) from None
    return CreateRequest(language, problem, title)


async def _read_body(request: web.Request) -> bytes:
    """The whole body, at most MAX_BODY_BYTES of it, within BODY_TIMEOUT_SECONDS (a slow sender holds nothing)."""
    raw = b""
    try:
        async with asyncio.timeout(BODY_TIMEOUT_SECONDS):
            while chunk := await request.content.read(MAX_BODY_BYTES + 1 - len(raw)):
                raw += chunk
                if len(raw) > MAX_BODY_BYTES:
                    raise ApiError(413, f"request body is larger than {MAX_BODY_BYTES} bytes")
    except TimeoutError:
        raise ApiError(408, f"request body not received within {BODY_TIMEOUT_SECONDS:g} seconds") from None
    return raw


def _bad_request(message: str) -> ApiError:
    return ApiError(400, message)


@routes.post("/api/sessions")
async def create_session(request: web.Request) -> web.Response:
    if not origin_allowed(request, request.app[CONFIG]):
        # A page of another site may not spend its visitors' per-address budget here (scripts send no Origin).
        raise ApiError(
            403,
            "cross-site request refused: sessions are created by this server's own pages, "
            "ALLOWED_ORIGINS / FRAME_ANCESTORS, or scripts",
        )
    asked = await _read_create_body(request)
    if not request.app[LIMITS].may_create_session(client_address(request, request.app[CONFIG].trust_proxy)):
        request.app[METRICS].limit_hit("sessions_per_ip")
        raise ApiError(
            429,
            f"too many sessions created from your address: at most {request.app[CONFIG].sessions_per_ip} "
            "an hour; try again later",
        )
    record, host_key = await request.app[SESSIONS].create(asked.language, asked.problem, asked.title)
    created_at = _iso_utc(record.created_at)
    config = request.app[CONFIG]
    join_url = own_url(request, f"/session/{record.session_id}", config.trust_proxy)
    # The key rides in the fragment: browsers never send it to a server (no logs, no Referer).
    return web.json_response(
        {
            "session_id": record.session_id,
            "created_at": created_at,
            "join_url": join_url,
            "host_url": f"{join_url}#host={host_key}",
        },
        status=201,
    )


def session_id_of(request: web.Request) -> str:
    """The {session_id} of the URL; a 400 if it is not the shape this server issues."""
    session_id = request.match_info["session_id"]
    if not is_session_id(session_id):
        raise ApiError(400, "malformed session id: expected a lowercase UUID4")
    return session_id


@routes.get("/api/sessions/{session_id}")
async def get_session(request: web.Request) -> web.Response:
    session_id = session_id_of(request)
    sessions = request.app[SESSIONS]
    record = await sessions.get_record(session_id)
    if record is None:
        raise ApiError(404, "session not found")
    return web.json_response(
        {
            "session_id": record.session_id,
            "language": record.language,
            "active_users": await sessions.active_users(session_id),
            # What every participant sees on the page anyway (session_info): for lists such as "My interviews".
            "title": record.meta.get(hosting.TITLE) or "",
            "ended": bool(record.meta.get(hosting.ENDED)),
            "created_at": _iso_utc(record.created_at),
        }
    )


def _iso_utc(moment: datetime) -> str:
    """2026-12-05T03:20:00.123Z"""
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


async def _hosted_record(request: web.Request):
    """The session's record, if the request carries its host key (Authorization: Bearer KEY); else an ApiError."""
    session_id = session_id_of(request)
    key = bearer_token(request)
    if not key:
        raise ApiError(401, "host key required: send the key from the host link as Authorization: Bearer KEY")
    record = await request.app[SESSIONS].get_record(session_id)
    if record is None:
        raise ApiError(404, "session not found")
    if not hosting.is_host_key(record.meta, key):
        raise ApiError(403, "that host key is not this session's")
    return record


async def _history(request: web.Request) -> dict:
    record = await _hosted_record(request)
    try:
        return await playback.session_history(record, request.app[STORE])
    except playback.PlaybackUnavailable as exc:
        raise ApiError(409, str(exc)) from None


async def written_pieces(pieces: AsyncIterable[str]) -> AsyncIterator[bytes]:
    """Text pieces as UTF-8 in writes of about STREAM_WRITE_BYTES (the writer waits while the client lags). A lone
    surrogate (half an emoji, only ever inside a JSON string) is written as its JSON escape."""
    batch, size = [], 0
    async for piece in pieces:
        batch.append(piece.encode("utf-8", "backslashreplace"))
        size += len(batch[-1])
        if size >= STREAM_WRITE_BYTES:
            yield b"".join(batch)
            batch, size = [], 0
            await asyncio.sleep(0)  # a fast reader never makes the writer wait: let the loop run other work
    if batch:
        yield b"".join(batch)


@routes.get("/api/sessions/{session_id}/history")
async def session_history(request: web.Request) -> web.Response:
    """Everything playback needs (hosts only): the starting text, every update, runs, chat, who was who. Written
    in pieces: a long session is never one string."""
    history = await _history(request)
    text = playback.json_text(playback.json_pieces(history, ascii_only=False), ascii_only=False)
    return web.Response(
        body=written_pieces(text), content_type="application/json", headers={"Cache-Control": "no-store"}
    )


@routes.get("/api/sessions/{session_id}/export.html")
async def session_export(request: web.Request) -> web.Response:
    """The whole session as one self-contained HTML file that replays offline (hosts only), written in pieces."""
    history = await _history(request)
    try:
        pieces = export.pieces(history, request.app[ASSETS], aiohttp_jinja2.get_env(request.app))
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


@routes.get("/api/sessions/{session_id}/report")
async def session_report(request: web.Request) -> web.Response:
    """The session's report as JSON (hosts only): scorecards, hidden-test results, notes, timer, timeline, code."""
    record = await _hosted_record(request)
    body = await report.session_report(record, request.app[STORE])
    return web.json_response(body, headers={"Cache-Control": "no-store"})


@routes.get("/api/sessions/{session_id}/report.html")
async def session_report_page(request: web.Request) -> web.Response:
    """The report as a page to read and print (hosts only)."""
    record = await _hosted_record(request)
    body = await report.session_report(record, request.app[STORE])
    response = aiohttp_jinja2.render_template("report.html", request, {"report": body})
    response.headers["Cache-Control"] = "no-store"
    return response


@routes.get("/api/sessions/{session_id}/runs/{run_id}")
async def session_run(request: web.Request) -> web.Response:
    """One of the recent runs with its whole output (a `history` frame carries only the end of a long one). The
    session's link is the key, as for GET /api/sessions/{id}: every participant sees the runs."""
    session_id, run_id = session_id_of(request), request.match_info["run_id"]
    if not activity.RUN_ID.fullmatch(run_id):
        raise ApiError(400, "malformed run id: expected r- and 12 lowercase hex digits")
    if await request.app[SESSIONS].get_record(session_id) is None:
        raise ApiError(404, "session not found")
    runs = await request.app[STORE].recent_events(session_id, "run", activity.RECENT_RUNS)
    stored = next((run for run in runs if run.get("id") == run_id), None)
    del runs  # the others' output goes before this one's is written
    if stored is None:
        raise ApiError(
            404, f"run not found: the whole output is kept for a session's {activity.RECENT_RUNS} most recent runs"
        )
    output = stored.get("output", [])
    run = {key: value for key, value in stored.items() if key != "output"}  # the store's own copy stays as it is
    run["output_chars"] = sum(len(chunk["text"]) for chunk in output)

    async def pieces():
        yield json.dumps(run, separators=(",", ":"), ensure_ascii=False)[:-1] + ',"output":['
        for index, chunk in enumerate(output):
            yield ("," if index else "") + json.dumps(chunk, separators=(",", ":"), ensure_ascii=False)
        yield "]}"

    return web.Response(
        body=written_pieces(pieces()), content_type="application/json", headers={"Cache-Control": "no-store"}
    )


@routes.get("/api/problems")
async def list_problems(request: web.Request) -> web.Response:
    """The starter problems a session can begin with (or a host can load)."""
    return web.json_response({"problems": [problem.summary() for problem in request.app[PROBLEMS].values()]})


@routes.get("/api/problems/{problem_id}")
async def get_problem(request: web.Request) -> web.Response:
    problem = request.app[PROBLEMS].get(request.match_info["problem_id"])
    if problem is None:
        raise ApiError(404, "no such problem; GET /api/problems lists them")
    return web.json_response(problem.to_json())


@routes.get("/api/health")
async def health(request: web.Request) -> web.Response:
    """Liveness for anyone ("ok"; "store_down" while the store cannot be reached; or "overloaded" while the
    event loop runs late: still serving, but every message waits); for the operator (Authorization: Bearer
    OPERATOR_TOKEN) the counts watched for leaks and the store's state."""
    store_health = request.app[STORE_HEALTH]
    status = "ok"
    if not store_health.up:
        status = "store_down"  # still serving: edits are refused (the pages keep them) until the store answers
    elif request.app[LOOP_MONITOR].overloaded():
        status = "overloaded"
    if "Authorization" not in request.headers:
        return web.json_response({"status": status})
    token = request.app[CONFIG].operator_token
    if not token:
        raise ApiError(403, "no OPERATOR_TOKEN is set on this server: its health details are not shown")
    if not token_matches(request, token):
        raise ApiError(403, "that is not this server's OPERATOR_TOKEN")
    return web.json_response(
        {
            "status": status,
            "connections": len(request.app[HUB].all_peers()),
            "live_sessions": request.app[SESSIONS].live_count(),
            "tasks": len(asyncio.all_tasks()),
            # "uvloop" or "asyncio": which event loop serves (EVENT_LOOP)
            "event_loop": type(asyncio.get_running_loop()).__module__.split(".")[0],
            # how late the loop ran over the last minute: the wait every message adds
            "loop_lag_ms": request.app[LOOP_MONITOR].summary(),
            "store": {"kind": request.app[STORE].name, "up": store_health.up, "down_seconds": store_health.down_for()},
        },
        headers={"Cache-Control": "no-store"},
    )

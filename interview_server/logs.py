"""Log records as text or one JSON object per line, tagged with the request and session they belong to.

The ids live in context variables: the request middleware sets a request id for each HTTP request (a
WebSocket's whole life is one request), the socket handler sets its session id, and tasks started from
there inherit both.
"""

from __future__ import annotations

import contextvars
import json
import logging
import re
import secrets
from datetime import UTC, datetime

from aiohttp import web

REQUEST_ID: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="")
SESSION_ID: contextvars.ContextVar[str] = contextvars.ContextVar("session_id", default="")
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
# A request id a proxy sent (X-Request-ID) is kept only if short and plain: it is written into every log line.
_FORWARDED_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")


class JsonFormatter(logging.Formatter):
    """One JSON object per record: time, level, logger, message, and request_id / session_id where known."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC)
            .isoformat(timespec="milliseconds")
            .replace("+00:00", "Z"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key, var in (("request_id", REQUEST_ID), ("session_id", SESSION_ID)):
            value = var.get()
            if value:
                entry[key] = value
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


def configure(level: str, log_format: str) -> None:
    """Set up the root logger once, at start-up: LOG_LEVEL and LOG_FORMAT (text or json)."""
    handler = logging.StreamHandler()
    handler.setFormatter(JsonFormatter() if log_format == "json" else logging.Formatter(TEXT_FORMAT))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())


@web.middleware
async def request_ids(request: web.Request, handler) -> web.StreamResponse:
    """Give every request an id for its log lines (the proxy's X-Request-ID if it sent a plain one); it is
    also the answer's X-Request-ID, so a user's report can be matched to the log."""
    forwarded = request.headers.get("X-Request-ID", "")
    request_id = forwarded if _FORWARDED_ID.fullmatch(forwarded) else secrets.token_hex(8)
    # aiohttp runs each request in a task of its own: the id ends with it, and is still set when that task
    # writes the request's access-log line (after this middleware has returned).
    REQUEST_ID.set(request_id)
    try:
        response = await handler(request)
    except web.HTTPException as exc:
        exc.headers["X-Request-ID"] = request_id
        raise
    if not response.prepared:
        response.headers["X-Request-ID"] = request_id
    return response

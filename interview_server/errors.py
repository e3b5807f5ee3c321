"""HTTP errors: the API's one JSON shape, aiohttp's short text elsewhere, and a failure logged in one line.

Every error leaves through `security.security_headers`, so it carries CSP, nosniff and Referrer-Policy.
What the client sees of a failure is "internal server error", never the exception or a traceback.
"""

from __future__ import annotations

import logging

from aiohttp import web

log = logging.getLogger(__name__)

INTERNAL_ERROR = "internal server error"


def json_error(status: int, message: str) -> web.Response:
    """The one error shape of the HTTP API."""
    return web.json_response({"error": message}, status=status)


class ApiError(Exception):
    """Raised by an API handler to answer with a JSON error."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status
        self.message = message


@web.middleware
async def errors(request: web.Request, handler) -> web.StreamResponse:
    """/api/ errors, aiohttp's own included (404, 405, 413), as {"error": message}; pages, /static/ and /ws/
    keep aiohttp's one-line text ("404: Not Found"). A failure of our code answers 500 in the same two shapes."""
    api = request.path.startswith("/api/")
    try:
        return await handler(request)
    except ApiError as exc:
        response = json_error(exc.status, exc.message)
        if exc.status in (408, 413):  # the rest of the body is not worth waiting for: hang up after the answer
            response.force_close()
        return response
    except web.HTTPException as exc:
        if exc.status < 400 or not api:
            raise
        # aiohttp's own text is "404: Not Found": the reason alone, lower case like ours; ours is kept as it is.
        default = exc.text is None or exc.text == f"{exc.status}: {exc.reason}"
        return json_error(exc.status, exc.reason.lower() if default else exc.text)
    except ConnectionResetError:
        log.debug("%s %.200r: the client went away", request.method, request.path)
        return _abandon(request)
    except Exception as exc:
        # One line, whatever the client sent: the path and the message are repr'd (no forged log lines) and
        # cut short; the traceback only when LOG_LEVEL=DEBUG asks for it.
        log.error(
            "%s %.200r failed: %s: %.300r",
            request.method,
            request.path,
            type(exc).__name__,
            str(exc),
            exc_info=log.isEnabledFor(logging.DEBUG),
        )
        if request.writer.output_size:  # a WebSocket or a streamed answer is under way: no error can follow it
            return _abandon(request)
        if api:
            return json_error(500, INTERNAL_ERROR)
        raise web.HTTPInternalServerError() from None


def _abandon(request: web.Request) -> web.StreamResponse:
    """Close a connection whose response cannot be sent any more; aiohttp then drops this one quietly (writing
    to a closing transport is a client disconnection to it)."""
    if request.transport is not None:
        request.transport.close()
    return web.Response(status=500)

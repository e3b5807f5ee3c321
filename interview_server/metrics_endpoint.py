"""GET /metrics: the instance's metrics in the Prometheus text format, behind METRICS_TOKEN when it is set."""

from __future__ import annotations

import hmac

from aiohttp import web
from prometheus_client.exposition import CONTENT_TYPE_LATEST

from .keys import CONFIG, METRICS

routes = web.RouteTableDef()


def bearer_token(request: web.Request) -> str:
    """The token of an `Authorization: Bearer TOKEN` header; "" without one."""
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" else ""


def token_matches(request: web.Request, token: str) -> bool:
    """The request's bearer token is `token` (compared in constant time; an empty `token` matches nothing)."""
    return bool(token) and hmac.compare_digest(bearer_token(request).encode(), token.encode())


@routes.get("/metrics")
async def metrics(request: web.Request) -> web.Response:
    """Every metric of this instance (metrics.py); 401 without the token, 403 with a wrong one."""
    token = request.app[CONFIG].metrics_token
    if token and not token_matches(request, token):
        if not bearer_token(request):
            raise web.HTTPUnauthorized(
                text="401: send Authorization: Bearer METRICS_TOKEN", headers={"WWW-Authenticate": "Bearer"}
            )
        raise web.HTTPForbidden(text="403: that is not this server's METRICS_TOKEN")
    return web.Response(
        body=request.app[METRICS].exposition(),
        headers={"Content-Type": CONTENT_TYPE_LATEST, "Cache-Control": "no-store"},
    )

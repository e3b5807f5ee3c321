"""GET /metrics: the instance's metrics in the Prometheus text format, behind METRICS_TOKEN when it is set."""

from __future__ import annotations

from aiohttp import web
from prometheus_client.exposition import CONTENT_TYPE_LATEST

from .keys import CONFIG, METRICS
from .tokens import checked_token

routes = web.RouteTableDef()


@routes.get("/metrics")
async def metrics(request: web.Request) -> web.Response:
    """Every metric of this instance (metrics.py); 401 without the token, 403 with a wrong one, 429 after too
    many wrong secrets from one address."""
    token = request.app[CONFIG].metrics_token
    verdict = checked_token(request, token, "METRICS_TOKEN") if token else "ok"
    if verdict == "missing":
        raise web.HTTPUnauthorized(
            text="401: send Authorization: Bearer METRICS_TOKEN", headers={"WWW-Authenticate": "Bearer"}
        )
    if verdict == "wrong":
        raise web.HTTPForbidden(text="403: that is not this server's METRICS_TOKEN")
    if verdict == "guessing":
        raise web.HTTPTooManyRequests(text="429: too many wrong tokens from your address: try again in a minute")
    return web.Response(
        body=request.app[METRICS].exposition(),
        headers={"Content-Type": CONTENT_TYPE_LATEST, "Cache-Control": "no-store"},
    )

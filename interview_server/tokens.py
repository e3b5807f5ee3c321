"""Bearer tokens of operators (METRICS_TOKEN, ADMIN_TOKEN): read from a request, compared in constant time."""

from __future__ import annotations

import hmac
import logging

from aiohttp import web

from .keys import CONFIG, LIMITS, METRICS
from .limits import client_address

log = logging.getLogger(__name__)


def bearer_token(request: web.Request) -> str:
    """The token of an `Authorization: Bearer TOKEN` header; "" without one."""
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" else ""


def token_matches(request: web.Request, token: str) -> bool:
    """The request's bearer token is `token` (compared in constant time; an empty `token` matches nothing)."""
    return bool(token) and hmac.compare_digest(bearer_token(request).encode(), token.encode())


def checked_token(request: web.Request, token: str, what: str) -> str:
    """Check a request's operator token against `token` (set): "ok", "missing", "wrong", or "guessing" for a
    wrong token from an address that sent too many wrong secrets lately (host keys count too:
    limits.AddressLimits). The right token is taken even then: others behind the same address (a NAT, a proxy)
    cannot lock the operator out; a guess costs a constant-time comparison and is counted."""
    limits, address = request.app[LIMITS], client_address(request, request.app[CONFIG].trust_proxy)
    if not bearer_token(request):
        return "missing"
    if token_matches(request, token):
        return "ok"
    if not limits.may_try_host_key(address):
        request.app[METRICS].limit_hit("key_guesses")
        return "guessing"
    if limits.wrong_host_key(address):
        log.warning("a request for %s had a wrong %s", request.path[:100], what)  # never the token
    return "wrong"

"""The call's ICE servers (STUN, TURN) for one participant: ICE_SERVERS as the operator gave them, plus short-lived
TURN credentials made from TURN_SECRET the way coturn's REST API (`use-auth-secret`) checks them: the username is
"<expiry as a Unix time>:<participant id>" and the password base64(HMAC-SHA1(secret, username))."""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac
import json

ICE_SCHEMES = ("stun:", "stuns:", "turn:", "turns:")
TURN_SCHEMES = ("turn:", "turns:")
MAX_ICE_SERVERS = 10


class IceConfigError(ValueError):
    """ICE_SERVERS or TURN_URLS that a browser could not use; the message says what is wrong."""


@functools.lru_cache(maxsize=4)  # the setting's text, read at every hello
def parse_ice_servers(text: str) -> tuple[dict, ...]:
    """ICE_SERVERS (a JSON list of RTCIceServer objects) checked: each has `urls` (a URL or a list of them, STUN or
    TURN), and a TURN entry its `username` and `credential`."""
    if not text.strip():
        return ()
    try:
        servers = json.loads(text)
    except ValueError as exc:
        raise IceConfigError(f"ICE_SERVERS is not JSON: {exc}") from None
    if not isinstance(servers, list) or len(servers) > MAX_ICE_SERVERS:
        raise IceConfigError(f'ICE_SERVERS must be a JSON list of at most {MAX_ICE_SERVERS} {{"urls": ...}} objects')
    for server in servers:
        urls = server.get("urls") if isinstance(server, dict) else None
        urls = [urls] if isinstance(urls, str) else urls
        if (
            not urls
            or not isinstance(urls, list)
            or not all(isinstance(u, str) and u.startswith(ICE_SCHEMES) for u in urls)
        ):
            raise IceConfigError(
                f"ICE_SERVERS: {json.dumps(server)[:80]} needs urls starting with stun:, turn: or turns:"
            )
        if any(url.startswith(TURN_SCHEMES) for url in urls) and not (
            isinstance(server.get("username"), str) and isinstance(server.get("credential"), str)
        ):
            raise IceConfigError(f"ICE_SERVERS: the TURN server {urls[0]} needs a username and a credential")
    return tuple(servers)


def parse_turn_urls(text: str) -> list[str]:
    """TURN_URLS: space-separated turn:/turns: URLs."""
    urls = text.split()
    for url in urls:
        if not url.startswith(TURN_SCHEMES):
            raise IceConfigError(f"TURN_URLS: {url[:80]!r} is not a turn: or turns: URL")
    return urls


def turn_credentials(secret: str, participant_id: str, expires_at: int) -> dict:
    """coturn REST API credentials for one participant, valid until `expires_at` (a Unix time)."""
    username = f"{expires_at}:{participant_id}"
    password = base64.b64encode(hmac.new(secret.encode(), username.encode(), hashlib.sha1).digest()).decode()
    return {"username": username, "credential": password}


def ice_servers_for(config, participant_id: str, now: float) -> list[dict]:
    """What one participant's page gives RTCPeerConnection (`config`: the server's Config): ICE_SERVERS, then the
    TURN_URLS with this participant's own short-lived credentials when TURN_SECRET is set."""
    servers = list(parse_ice_servers(config.ice_servers))
    turn_urls = parse_turn_urls(config.turn_urls)
    if config.turn_secret and turn_urls:
        expires_at = int(now) + config.turn_ttl
        servers.append({"urls": turn_urls, **turn_credentials(config.turn_secret, participant_id, expires_at)})
    return servers

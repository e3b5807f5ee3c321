"""The call's ICE servers (issue 22): `welcome` carries ICE_SERVERS, then TURN_URLS with short-lived credentials of
each participant's own, made as coturn's REST API checks them; settings a browser could not use stop the start."""

from __future__ import annotations

import base64
import hashlib
import hmac
import time

import pytest

from interview_server.app import create_app
from interview_server.config import Config, load_config

STUN = '[{"urls": "stun:stun.example.org:3478"}]'
TURN_URLS = "turn:turn.example.org:3478?transport=udp turns:turn.example.org:5349"
SECRET = "turn-secret-for-tests-0123456789"


async def welcome_of(client, name: str) -> dict:
    session_id = (await (await client.post("/api/sessions")).json())["session_id"]
    ws = await client.ws_connect(f"/ws/{session_id}")
    await ws.receive_json()  # session_state
    await ws.send_json({"type": "hello", "data": {"name": name}})
    while (message := await ws.receive_json())["type"] != "welcome":
        pass
    await ws.close()
    return message["data"]


async def test_without_settings_no_ice_servers_are_named(aiohttp_client):
    client = await aiohttp_client(create_app(Config(store="memory")))
    assert (await welcome_of(client, "Ada"))["ice_servers"] == []


async def test_welcome_carries_stun_and_turn_credentials_of_each_participants_own(aiohttp_client):
    config = Config(store="memory", ice_servers=STUN, turn_urls=TURN_URLS, turn_secret=SECRET, turn_ttl=3600)
    client = await aiohttp_client(create_app(config))
    before = int(time.time())
    ada, bo = await welcome_of(client, "Ada"), await welcome_of(client, "Bo")
    for welcome in (ada, bo):
        stun, turn = welcome["ice_servers"]
        assert stun == {"urls": "stun:stun.example.org:3478"}
        assert turn["urls"] == TURN_URLS.split()
        expires_at, participant = turn["username"].split(":")
        assert participant == welcome["participant"]["id"]
        assert before + 3600 <= int(expires_at) <= int(time.time()) + 3600
        # coturn's rule (use-auth-secret), computed here on its own
        digest = hmac.new(SECRET.encode(), turn["username"].encode(), hashlib.sha1).digest()
        assert turn["credential"] == base64.b64encode(digest).decode()
    assert ada["ice_servers"][1]["username"] != bo["ice_servers"][1]["username"]


@pytest.mark.parametrize(
    "environ, message",
    [
        ({"ICE_SERVERS": "stun:x"}, "ICE_SERVERS is not JSON"),
        ({"ICE_SERVERS": '{"urls": "stun:x"}'}, "ICE_SERVERS must be a JSON list"),
        ({"ICE_SERVERS": '[{"urls": "http://x"}]'}, "needs urls starting with stun:, turn: or turns:"),
        ({"ICE_SERVERS": '[{"urls": "turn:x:3478"}]'}, "the TURN server turn:x:3478 needs a username and a credential"),
        ({"TURN_URLS": "stun:x", "TURN_SECRET": SECRET}, "TURN_URLS: 'stun:x' is not a turn: or turns: URL"),
        ({"TURN_URLS": TURN_URLS}, "TURN_URLS and TURN_SECRET go together"),
        ({"TURN_SECRET": SECRET}, "TURN_URLS and TURN_SECRET go together"),
        ({"TURN_URLS": TURN_URLS, "TURN_SECRET": "short"}, "TURN_SECRET must be at least 16 characters"),
        ({"TURN_URLS": TURN_URLS, "TURN_SECRET": SECRET, "TURN_TTL_SECONDS": "5"}, "TURN_TTL_SECONDS must be between"),
    ],
)
def test_settings_a_browser_could_not_use_stop_the_start(environ, message):
    with pytest.raises(SystemExit, match=message):
        load_config([], environ)


def test_usable_settings_are_taken():
    config = load_config(
        [], {"ICE_SERVERS": STUN, "TURN_URLS": TURN_URLS, "TURN_SECRET": SECRET, "TURN_TTL_SECONDS": "7200"}
    )
    assert (config.ice_servers, config.turn_urls, config.turn_secret, config.turn_ttl) == (
        STUN,
        TURN_URLS,
        SECRET,
        7200,
    )

"""LOG_FORMAT=json: a real server writes one JSON object per line, tagged with the request and the session."""

from __future__ import annotations

import json
import urllib.request

import aiohttp
import pytest

from .support.server_process import ServerProcess

pytestmark = pytest.mark.system


async def test_json_logs_carry_request_and_session_ids(tmp_path):
    log_path = tmp_path / "server.log"
    server = ServerProcess("--store", "memory", log_path=log_path, env={"LOG_FORMAT": "json", "LOG_LEVEL": "INFO"})
    server.start()
    try:
        request = urllib.request.Request(server.url + "/api/sessions", data=b"{}", method="POST")
        with urllib.request.urlopen(request) as response:
            session_id = json.loads(response.read())["session_id"]
            request_id = response.headers["X-Request-ID"]
        async with aiohttp.ClientSession() as http, http.ws_connect(f"{server.url}/ws/{session_id}") as ws:
            assert json.loads(await ws.receive_str())["type"] == "session_state"
    finally:
        assert server.terminate() == 0
    lines = log_path.read_text().splitlines()
    records = [json.loads(line) for line in lines]  # every line is one JSON object
    assert all({"time", "level", "logger", "message"} <= set(record) for record in records)
    assert records[0]["message"].startswith("interview_server listening on http://")
    joined = [record for record in records if record["message"].startswith("peer joined session")]
    assert len(joined) == 1
    assert joined[0]["session_id"] == session_id
    assert joined[0]["logger"] == "interview_server.ws"
    assert joined[0]["level"] == "INFO"
    assert joined[0]["time"].endswith("Z")
    assert len(joined[0]["request_id"]) == 16 and joined[0]["request_id"] != request_id  # the socket's own request
    assert "session_id" not in records[0] and "request_id" not in records[0]  # start-up belongs to no request
    [created] = [record for record in records if '"POST /api/sessions' in record["message"]]  # the access log
    assert created["logger"] == "aiohttp.access" and created["request_id"] == request_id


def test_a_forwarded_request_id_is_kept_only_when_plain(tmp_path):
    server = ServerProcess("--store", "memory", env={"LOG_FORMAT": "json"})
    server.start()
    try:
        for sent, kept in (("abc-123.x_Y", True), ("no spaces allowed", False), ("x" * 65, False)):
            request = urllib.request.Request(server.url + "/api/health", headers={"X-Request-ID": sent})
            with urllib.request.urlopen(request) as response:
                assert (response.headers["X-Request-ID"] == sent) is kept
                assert len(response.headers["X-Request-ID"]) <= 64
    finally:
        assert server.terminate() == 0

"""Storage faults under typing: PostgreSQL or Redis crashes (SIGKILL), restarts cleanly and hangs (SIGSTOP, ~10 s)
while people type. The server stays up, says so on /api/health, refuses what it cannot commit
(`store_unavailable`: the pages show "saving paused" and keep their edits), and once the store answers every
unconfirmed edit lands without a reload: each client's line holds exactly the tokens it typed, in order.
/metrics says interview_store_up 0 while it lasts.
"""

from __future__ import annotations

import asyncio
import json
import time

import aiohttp
import pytest
from prometheus_client.parser import text_string_to_metric_families

from .support.postgres_server import PostgresServer
from .support.redis_server import RedisServer
from .support.server_process import ServerProcess
from .support.typists import start_typists
from .test_kill import session_state, set_code

pytestmark = pytest.mark.system  # counts what landed, times nothing: runs in parallel

CLIENTS = 3
TYPING_SECONDS = 30


async def health(url: str) -> str:
    async with aiohttp.ClientSession() as http, http.get(url + "/api/health") as response:
        return (await response.json())["status"]


async def wait_for_health(url: str, wanted: str, timeout: float) -> float:
    """Seconds until /api/health says `wanted` (fails after `timeout`)."""
    started = time.monotonic()
    while (status := await health(url)) != wanted:
        assert time.monotonic() - started < timeout, f"/api/health still says {status!r}, not {wanted!r}"
        await asyncio.sleep(0.1)
    return time.monotonic() - started


async def store_up_metric(url: str) -> float:
    """interview_store_up as /metrics says it (parsed by prometheus_client)."""
    async with aiohttp.ClientSession() as http, http.get(url + "/metrics") as response:
        text = await response.text()
    [family] = [family for family in text_string_to_metric_families(text) if family.name == "interview_store_up"]
    return family.samples[0].value


def start_backend(store: str, tmp_path):
    if store == "postgres":
        return PostgresServer()
    return RedisServer(durable_dir=tmp_path)  # appendfsync always: a killed Redis keeps what it answered


@pytest.mark.parametrize("store", ["postgres", "redis"])
async def test_store_crash_restart_and_hang_under_typing_lose_nothing(store, tmp_path):
    backend = start_backend(store, tmp_path)
    url_flag = "--database-url" if store == "postgres" else "--redis-url"
    server = ServerProcess("--store", store, url_flag, backend.url, log_path=tmp_path / "server.log")
    try:
        server.start()
        async with aiohttp.ClientSession() as http:
            session_id = (await (await http.post(server.url + "/api/sessions")).json())["session_id"]
        await set_code(server.url, session_id, "\n".join(f"c{i}:" for i in range(CLIENTS)))
        typists = await start_typists(f"ws://127.0.0.1:{server.port}/ws/{session_id}", CLIENTS, TYPING_SECONDS)
        outages = [
            ("crash (SIGKILL)", backend.kill, 3.0),
            ("clean restart", backend.shut_down, 3.0),
            ("unreachable (SIGSTOP)", backend.pause, 10.0),
        ]
        seen = {}
        for name, take_down, down_seconds in outages:
            await asyncio.sleep(2.0)  # typing lands while the store is up
            taken_down = time.monotonic()
            await asyncio.to_thread(take_down)
            noticed = await wait_for_health(server.url, "store_down", timeout=8)
            assert await store_up_metric(server.url) == 0
            await asyncio.sleep(max(0.0, down_seconds - (time.monotonic() - taken_down)))
            await asyncio.to_thread(backend.resume if take_down == backend.pause else backend.restart)
            recovered = await wait_for_health(server.url, "ok", timeout=20)
            assert await store_up_metric(server.url) == 1
            seen[name] = (round(noticed, 1), round(recovered, 1))
        stdout, stderr = await asyncio.wait_for(typists.communicate(b"settle\n"), TYPING_SECONDS + 60)
        assert typists.returncode == 0, stderr.decode()
        result = json.loads(stdout)
        final = await session_state(server.url, session_id)
        assert server.process.poll() is None, "the server exited"
    finally:
        server.kill()
        backend.stop()
    summary = {key: value for key, value in result.items() if key not in ("lines", "docs")}
    print(f"{store}: seconds to notice / to recover per outage: {seen}; clients: {summary}")
    assert result["paused"] >= len(outages), f"the typists were not told that saving paused: {summary}"
    assert result["settled"], f"clients still had unconfirmed edits: {summary}"
    assert result["wentBack"] == 0, "the server came back with fewer updates than a client had seen acknowledged"
    assert result["acked"] == result["typed"] > 100
    expected = "\n".join(result["lines"])
    assert final["code"] == expected
    assert set(result["docs"]) == {expected}
    assert set(result["versions"]) == {final["version"]}


async def test_the_admin_dashboard_says_the_store_is_down_and_still_answers(tmp_path):
    database = PostgresServer()
    server = ServerProcess(
        "--store",
        "postgres",
        "--database-url",
        database.url,
        env={"ADMIN_TOKEN": "admin-secret-0123456789"},
        log_path=tmp_path / "log",
    )
    try:
        server.start()
        headers = {"Authorization": "Bearer admin-secret-0123456789"}
        async with aiohttp.ClientSession(headers=headers) as http:
            await http.post(server.url + "/api/sessions")
            up = await (await http.get(server.url + "/api/admin/overview")).json()
            assert [instance["store_up"] for instance in up["instances"]] == [True]
            await asyncio.to_thread(database.kill)
            await wait_for_health(server.url, "store_down", timeout=8)
            response = await http.get(server.url + "/api/admin/overview")
            assert response.status == 200
            down = await response.json()
            assert [(instance["instance"], instance["store_up"]) for instance in down["instances"]] == [
                (up["instance"], False)
            ]
            assert len(down["sessions"]) == len(up["sessions"])  # this instance's live sessions, from memory
    finally:
        server.kill()
        database.stop()

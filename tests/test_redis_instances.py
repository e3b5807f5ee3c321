"""Two real server processes share sessions through a real redis-server."""

from __future__ import annotations

import asyncio
import json

import aiohttp
import pytest

from .support.server_process import ROOT, ServerProcess

pytestmark = pytest.mark.system


@pytest.fixture
def instances(redis_server, tmp_path):
    """Two server processes on two ports, both on the same Redis."""
    redis_server.flush()
    servers = [ServerProcess("--redis-url", redis_server.url, log_path=tmp_path / f"server{i}.log") for i in range(2)]
    for server in servers:
        server.start()
    yield servers
    for server in servers:
        server.kill()


def ws_url(server: ServerProcess, session_id: str) -> str:
    return f"ws://127.0.0.1:{server.port}/ws/{session_id}"


async def create_session(server: ServerProcess, code: str | None = None) -> str:
    async with aiohttp.ClientSession() as http:
        session_id = (await (await http.post(server.url + "/api/sessions")).json())["session_id"]
        if code is not None:
            async with http.ws_connect(f"{server.url}/ws/{session_id}") as ws:
                await ws.receive_json()
                await ws.send_json({"type": "code_update", "data": {"code": code}})
                while (await ws.receive_json())["type"] != "updates":
                    pass
    return session_id


async def state_on(server: ServerProcess, session_id: str) -> dict:
    async with aiohttp.ClientSession() as http, http.ws_connect(f"{server.url}/ws/{session_id}") as ws:
        return (await ws.receive_json())["data"]


async def watch(server: ServerProcess, session_id: str, http: aiohttp.ClientSession):
    """A socket on `server` that only listens; `updates_seen(ws, n)` waits until it has seen n more edits."""
    ws = await http.ws_connect(ws_url(server, session_id))
    await ws.receive_json()  # session_state
    return ws


async def updates_seen(ws, count: int, timeout: float = 30) -> None:
    """Read `ws` until `count` more updates (anyone's edits) have arrived on it."""
    async with asyncio.timeout(timeout):
        while count > 0:
            message = await ws.receive_json()
            if message["type"] == "updates":
                count -= len(message["data"]["updates"])


async def run_node(*args: str, timeout: float = 90) -> dict:
    process = await asyncio.create_subprocess_exec(
        "node",
        "--experimental-websocket",
        "--no-warnings",
        *args,
        cwd=ROOT,
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    stdout, stderr = await asyncio.wait_for(process.communicate(b"settle\n"), timeout)
    assert process.returncode == 0, stderr.decode()
    return json.loads(stdout)


async def test_clients_on_two_instances_type_at_once_and_converge(instances):
    a, b = instances
    session_id = await create_session(a)
    urls = f"{ws_url(a, session_id)},{ws_url(b, session_id)}"
    result = await run_node("tests/node/collab_clients.mjs", urls, "6", "40", "11")
    final_a, final_b = await state_on(a, session_id), await state_on(b, session_id)
    assert result["settled"]
    assert set(result["docs"]) == {final_a["code"]} == {final_b["code"]}
    assert final_a["version"] == final_b["version"] > 40
    assert result["rejected"] > 0  # the instances really raced for the same versions


async def test_one_instance_dies_and_its_clients_move_to_the_other_losing_nothing(instances):
    a, b = instances
    session_id = await create_session(a, "\n".join(f"c{i}:" for i in range(4)))
    urls = f"{ws_url(a, session_id)},{ws_url(b, session_id)}"
    async with aiohttp.ClientSession() as http:
        watcher = await watch(b, session_id, http)
        typists = asyncio.ensure_future(run_node("tests/node/typists.mjs", urls, "4", "6", "40"))
        await updates_seen(watcher, 100)  # typing is well under way on both instances
        a.kill()  # SIGKILL: its clients reconnect to b by themselves
        await watcher.close()
    result = await typists
    final = await state_on(b, session_id)
    expected = "\n".join(result["lines"])
    assert result["settled"] and result["wentBack"] == 0
    assert result["acked"] == result["typed"] > 40
    assert final["code"] == expected
    assert set(result["docs"]) == {expected}


async def test_a_dropped_subscription_is_healed_by_version_catch_up(instances, redis_server):
    a, b = instances
    session_id = await create_session(a, "\n".join(f"c{i}:" for i in range(4)))
    urls = f"{ws_url(a, session_id)},{ws_url(b, session_id)}"
    async with aiohttp.ClientSession() as http:
        watcher = await watch(a, session_id, http)
        typists = asyncio.ensure_future(run_node("tests/node/typists.mjs", urls, "4", "5", "30"))
        for _ in range(4):
            await updates_seen(watcher, 50)  # edits went through since the last cut
            # Cut every pub/sub connection: messages published meanwhile are lost for good.
            killed = await asyncio.to_thread(redis_server.client.client_kill_filter, _type="pubsub")
            assert killed >= 1
        await watcher.close()
    result = await typists
    final = await state_on(b, session_id)
    expected = "\n".join(result["lines"])
    assert result["settled"] and result["acked"] == result["typed"]
    assert final["code"] == expected == (await state_on(a, session_id))["code"]
    assert set(result["docs"]) == {expected}


async def test_active_users_count_every_instance(instances):
    a, b = instances
    session_id = await create_session(a)
    async with aiohttp.ClientSession() as http:
        on_a = []
        for _ in range(2):
            on_a.append(await http.ws_connect(ws_url(a, session_id)))
            await on_a[-1].receive_json()  # session_state: joined
        assert await next_presence(on_a[0]) == {"type": "user_joined", "data": {"user_count": 2}}
        on_b = await http.ws_connect(ws_url(b, session_id))
        state = (await on_b.receive_json())["data"]
        assert state["active_users"] == 3
        # The peers on a hear of the join on b with the total; from then on, both instances answer it.
        assert await next_presence(on_a[0]) == {"type": "user_joined", "data": {"user_count": 3}}
        for server in (a, b):
            info = await (await http.get(f"{server.url}/api/sessions/{session_id}")).json()
            assert info["active_users"] == 3
        await on_b.close()
        assert await next_presence(on_a[0]) == {"type": "user_left", "data": {"user_count": 2}}
        info = await (await http.get(f"{b.url}/api/sessions/{session_id}")).json()
        assert info["active_users"] == 2
        for ws in on_a:
            await ws.close()


async def next_presence(ws) -> dict:
    while True:
        message = await ws.receive_json(timeout=30)
        if message["type"] in ("user_joined", "user_left"):
            return message


async def test_users_of_a_dead_instance_stop_counting(instances):
    a, b = instances
    session_id = await create_session(a)
    async with aiohttp.ClientSession() as http:
        on_a = await http.ws_connect(ws_url(a, session_id))
        await on_a.receive_json()
        on_b = await http.ws_connect(ws_url(b, session_id))
        assert (await on_b.receive_json())["data"]["active_users"] == 2
        a.kill()  # no goodbye: b learns from a's expired heartbeat
        message = await asyncio.wait_for(next_presence(on_b), 30)
        assert message == {"type": "user_left", "data": {"user_count": 1}}
        info = await (await http.get(f"{b.url}/api/sessions/{session_id}")).json()
        assert info["active_users"] == 1
        await on_b.close()


async def test_chat_runs_cursors_and_language_cross_instances(instances):
    """A participant on one instance sees what someone on the other instance says, runs and switches."""
    a, b = instances
    session_id = await create_session(a)
    async with aiohttp.ClientSession() as http, http.ws_connect(ws_url(a, session_id)) as ada:
        bo = await http.ws_connect(ws_url(b, session_id))

        async def receive(ws, type_):
            while True:
                message = await ws.receive_json(timeout=10)
                if message["type"] == type_:
                    return message["data"]

        me, lists = {}, {}
        for ws, name in ((ada, "Ada"), (bo, "Bo")):
            await ws.receive_json()
            await ws.send_json({"type": "hello", "data": {"name": name}})
            me[name] = (await receive(ws, "welcome"))["participant"]
            lists[ws] = [(await receive(ws, "participants"))["participants"]]
        assert me["Ada"]["color"] != me["Bo"]["color"]
        everyone = [me["Ada"], me["Bo"]]
        for ws in (ada, bo):
            seen = lists[ws]  # Bo's first list may already hold both
            while seen[-1] != everyone:
                assert len(seen) < 5, seen
                seen.append((await receive(ws, "participants"))["participants"])
        await ada.send_json({"type": "chat", "data": {"text": "from instance A"}})
        assert (await receive(bo, "chat"))["message"]["name"] == "Ada"
        await ada.send_json({"type": "cursor", "data": {"version": 0, "ranges": [{"anchor": 3, "head": 5}]}})
        assert (await receive(bo, "cursor"))["ranges"] == [{"anchor": 3, "head": 5}]
        await ada.send_json({"type": "run_start", "data": {"version": 0, "language": "python"}})
        run_id = (await receive(bo, "run_started"))["run"]["id"]
        for line in ("one\n", "two\n", "three\n"):
            await ada.send_json({"type": "run_output", "data": {"stream": "stdout", "text": line}})
        await ada.send_json({"type": "run_end", "data": {"status": "ok", "duration_ms": 3}})
        texts = [(await receive(bo, "run_output"))["text"] for _ in range(3)]
        assert texts == ["one\n", "two\n", "three\n"]
        assert (await receive(bo, "run_finished"))["run_id"] == run_id
        await bo.send_json({"type": "set_language", "data": {"language": "javascript"}})
        assert (await receive(ada, "language"))["language"] == "javascript"
        # A late joiner on instance B sees A's run and chat, relayed and kept there.
        async with http.ws_connect(ws_url(b, session_id)) as cy:
            assert (await cy.receive_json())["data"]["language"] == "javascript"
            await cy.send_json({"type": "hello", "data": {}})
            history = await receive(cy, "history")
            assert [m["text"] for m in history["chat"]] == ["from instance A"]
            assert history["runs"][0]["output"] == [{"stream": "stdout", "text": "one\ntwo\nthree\n"}]


async def test_participants_of_an_instance_that_dies_leave_the_list(instances):
    a, b = instances
    session_id = await create_session(a)
    async with aiohttp.ClientSession() as http, http.ws_connect(ws_url(a, session_id)) as ada:

        async def participants(ws):
            while True:
                message = await ws.receive_json(timeout=20)
                if message["type"] == "participants":
                    return [person["name"] for person in message["data"]["participants"]]

        await ada.receive_json()
        await ada.send_json({"type": "hello", "data": {"name": "Ada"}})
        assert await participants(ada) == ["Ada"]
        bo = await http.ws_connect(ws_url(b, session_id))
        await bo.receive_json()
        await bo.send_json({"type": "hello", "data": {"name": "Bo"}})
        assert await participants(ada) == ["Ada", "Bo"]
        b.kill()  # no goodbye from Bo's instance: its heartbeat expires
        assert await participants(ada) == ["Ada"]


async def test_host_powers_and_private_notes_span_instances(instances):
    """A host on A locks editing: a candidate on B is refused; notes reach a host on B, never a candidate."""
    a, b = instances
    async with aiohttp.ClientSession() as http:
        created = await (await http.post(a.url + "/api/sessions")).json()
        session_id, key = created["session_id"], created["host_url"].split("#host=")[1]

        async def join(server, name, host_key=None):
            ws = await http.ws_connect(ws_url(server, session_id))
            state = (await ws.receive_json())["data"]
            await ws.send_json(
                {"type": "hello", "data": {"name": name, **({"host_key": host_key} if host_key else {})}}
            )
            return ws, state

        async def receive(ws, type_):
            while True:
                message = await ws.receive_json(timeout=10)
                if message["type"] == type_:
                    return message["data"]

        ada, _ = await join(a, "Ada", key)
        cy, _ = await join(b, "Cy", key)
        assert (await receive(cy, "notes"))["version"] == 0  # the notes as they are, on joining
        bo, state = await join(b, "Bo")
        await receive(bo, "session_info")
        await ada.send_json({"type": "lock", "data": {"locked": True}})
        assert (await receive(bo, "session_info"))["locked"] is True
        length = len(state["code"])
        await bo.send_json(
            {"type": "push", "data": {"version": 0, "updates": [{"clientID": "bo", "changes": [length, [0, "!"]]}]}}
        )
        assert (await receive(bo, "error"))["code"] == "locked"
        await ada.send_json({"type": "set_notes", "data": {"text": "SECRET across instances", "version": 0}})
        assert (await receive(cy, "notes"))["text"] == "SECRET across instances"
        # Two hosts on two instances change different things at once: both instances end with both changes.
        await asyncio.gather(
            cy.send_json({"type": "rename", "data": {"title": "From B"}}),
            ada.send_json({"type": "lock", "data": {"locked": False}}),
        )
        for ws in (ada, bo):
            while await receive(ws, "session_info") != {
                "title": "From B",
                "locked": False,
                "ended": False,
                "problem": None,
            }:
                pass
        # Two hosts on two instances save on the same notes version at once: one wins, the other is sent the
        # winner's notes (to merge into and save again), never a silent second version 2.
        await asyncio.gather(
            ada.send_json({"type": "set_notes", "data": {"text": "from A", "version": 1}}),
            cy.send_json({"type": "set_notes", "data": {"text": "from B", "version": 1}}),
        )
        first_a, first_b = await receive(ada, "notes"), await receive(cy, "notes")
        winner = first_a if first_a["text"] == "from A" else first_b
        loser_ws = cy if winner is first_a else ada
        assert winner["version"] == 2
        # The loser's host gets the winner's notes (relayed, and as the answer to its refused save).
        later = first_b if loser_ws is cy else first_a
        assert later == {"text": winner["text"], "version": 2, "participant": winner["participant"]}
        assert (await receive(loser_ws, "notes"))["text"] == winner["text"]
        await bo.send_json({"type": "chat", "data": {"text": "end of test"}})
        seen = []
        while True:
            message = await bo.receive_json(timeout=10)
            seen.append(message)
            if message["type"] == "chat":
                break
        assert not any(m["type"] == "notes" or "SECRET" in json.dumps(m) for m in seen)
        for ws in (ada, cy, bo):
            await ws.close()


async def test_grading_spans_instances(redis_server, tmp_path):
    """Hidden checks' results reported on A reach hosts on B (and the allowed summary its candidates), a scorecard
    saved on B reaches A, the timer is everyone's, and a host joining later on B gets all of it from Redis."""
    from .test_hidden_checks import GRADED

    redis_server.flush()
    (tmp_path / "problems").mkdir()
    (tmp_path / "problems" / "add.md").write_text(GRADED)
    a, b = servers = [
        ServerProcess(
            "--redis-url",
            redis_server.url,
            "--problems-dir",
            str(tmp_path / "problems"),
            log_path=tmp_path / f"s{i}.log",
        )
        for i in range(2)
    ]
    for server in servers:
        server.start()
    try:
        async with aiohttp.ClientSession() as http:
            created = await (await http.post(a.url + "/api/sessions", json={"problem": "add"})).json()
            session_id, key = created["session_id"], created["host_url"].split("#host=")[1]

            async def join(server, name, host_key=None):
                ws = await http.ws_connect(ws_url(server, session_id))
                await ws.receive_json()
                await ws.send_json(
                    {"type": "hello", "data": {"name": name, **({"host_key": host_key} if host_key else {})}}
                )
                return ws

            async def receive(ws, type_, seen=None):
                while True:
                    message = await ws.receive_json(timeout=10)
                    if seen is not None:
                        seen.append(message)
                    if message["type"] == type_:
                        return message["data"]

            ada, cy = await join(a, "Ada", key), await join(b, "Cy", key)
            checks = (await receive(cy, "grading"))["problem"]["hidden_checks"]
            assert "grade(" in checks["python"]
            bo_frames: list[dict] = []
            bo = await join(b, "Bo")
            await receive(bo, "session_info", bo_frames)
            cases = [{"name": "small", "passed": False, "ms": 1, "message": "returned -1, expected 5"}]
            await ada.send_json(
                {"type": "report_hidden_results", "data": {"version": 0, "language": "python", "cases": cases}}
            )
            assert (await receive(cy, "hidden_results"))["result"]["cases"] == cases
            assert (await receive(bo, "hidden_summary", bo_frames))["cases"] == [{"name": "small", "passed": False}]
            card = {
                "card": "card-cy-0001",
                "version": 0,
                "scores": {"Correctness": 2},
                "comment": "",
                "recommendation": "no",
            }
            await cy.send_json({"type": "set_scorecard", "data": card})
            assert (await receive(ada, "scorecard"))["card"]["name"] == "Cy"
            await ada.send_json({"type": "set_timer", "data": {"action": "start", "minutes": 30}})
            assert (await receive(bo, "timer", bo_frames))["timer"]["duration_ms"] == 30 * 60_000

            dee = await join(b, "Dee", key)
            grading = await receive(dee, "grading")
            assert [r["cases"] for r in grading["results"]] == [cases]
            assert [c["card"] for c in grading["scorecards"]] == ["card-cy-0001"]
            await bo.send_json({"type": "chat", "data": {"text": "end of test"}})
            await receive(bo, "chat", bo_frames)
            text = json.dumps(bo_frames)
            assert "grade(" not in text and "expected 5" not in text and "Correctness" not in text
            assert not {m["type"] for m in bo_frames} & {"grading", "hidden_results", "scorecard"}
            for ws in (ada, cy, bo, dee):
                await ws.close()
    finally:
        for server in servers:
            server.kill()


async def test_two_hosts_ending_at_once_on_two_instances_send_one_webhook(redis_server, tmp_path, aiohttp_server):
    from aiohttp import web

    deliveries: list[dict] = []

    async def receive(request):
        deliveries.append(await request.json())
        return web.Response()

    app = web.Application()
    app.router.add_post("/hook", receive)
    hook = await aiohttp_server(app)
    redis_server.flush()
    env = {"WEBHOOK_URL": str(hook.make_url("/hook")), "WEBHOOK_SECRET": "webhook-secret-0123456789"}
    servers = [
        ServerProcess("--redis-url", redis_server.url, log_path=tmp_path / f"w{i}.log", env=env) for i in range(2)
    ]
    for server in servers:
        server.start()
    try:
        async with aiohttp.ClientSession() as http:
            created = await (await http.post(servers[0].url + "/api/sessions")).json()
            session_id, key = created["session_id"], created["host_url"].split("#host=")[1]
            hosts = []
            for index, server in enumerate(servers):
                ws = await http.ws_connect(ws_url(server, session_id))
                await ws.receive_json()
                await ws.send_json({"type": "hello", "data": {"name": f"Host {index}", "host_key": key}})
                while (await ws.receive_json())["type"] != "session_info":
                    pass
                hosts.append(ws)
            await asyncio.gather(*(ws.send_json({"type": "end_session", "data": {}}) for ws in hosts))
            for _ in range(50):
                if deliveries:
                    break
                await asyncio.sleep(0.1)
            await asyncio.sleep(1)  # time for a second delivery, were there one
            assert [d["report"]["session_id"] for d in deliveries] == [session_id]
            for ws in hosts:
                await ws.close()
    finally:
        for server in servers:
            server.kill()

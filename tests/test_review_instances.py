"""Comments and integrity signals across two server processes sharing Redis or PostgreSQL (issue 23): a thread
made on one instance reaches the participants of the other, its anchor moves with edits made on either exactly as
on the one that made it, a hosts-only thread reaches the other instance's hosts and never its candidates, and one's
own comment stays one's own on the other instance (the author key); an integrity event reaches the hosts of both
instances (live, and joining later there) and no candidate."""

from __future__ import annotations

import asyncio
import json

import aiohttp
import pytest

from .test_call_signalling import two_instances  # noqa: F401  (the fixture: two processes on one Redis or PostgreSQL)

pytestmark = pytest.mark.system


class Socket:
    """A participant's socket that keeps every frame it receives."""

    def __init__(self, ws):
        self.ws, self.frames = ws, []

    @classmethod
    async def join(cls, http, server, session_id: str, name: str, **hello) -> Socket:
        socket = cls(await http.ws_connect(f"ws://127.0.0.1:{server.port}/ws/{session_id}"))
        await socket.ws.send_json({"type": "hello", "data": {"name": name, **hello}})
        socket.me = (await socket.next("welcome"))["participant"]["id"]
        return socket

    async def send(self, type_: str, data: dict) -> None:
        await self.ws.send_json({"type": type_, "data": data})

    async def next(self, type_: str, timeout: float = 10) -> dict:
        async with asyncio.timeout(timeout):
            while True:
                message = await self.ws.receive_json()
                self.frames.append(message)
                if message["type"] == type_:
                    return message["data"]

    async def until(self, type_: str, holds) -> dict:
        """The first frame of a type whose data `holds`."""
        while not holds(data := await self.next(type_)):
            pass
        return data

    async def drain(self) -> list[dict]:
        try:
            while True:
                self.frames.append(await self.ws.receive_json(timeout=0.3))
        except TimeoutError:
            return self.frames


async def test_threads_cross_instances_and_stay_on_their_text(two_instances):  # noqa: F811
    a, b = two_instances
    async with aiohttp.ClientSession() as http:
        created = await (await http.post(a.url + "/api/sessions")).json()
        session_id, key = created["session_id"], created["host_url"].split("#host=")[1]
        host_a = await Socket.join(http, a, session_id, "Hana", host_key=key)
        ada_a = await Socket.join(http, a, session_id, "Ada", author_key="ada-author-key-000001")
        host_b = await Socket.join(http, b, session_id, "Hugo", host_key=key)
        cy_b = await Socket.join(http, b, session_id, "Cy")
        await asyncio.sleep(0.3)  # both instances watch the session
        await ada_a.send("code_update", {"code": "def add(a, b):\n    return a - b\n"})
        version = (await ada_a.next("updates"))["version"] + 1
        await ada_a.send("comment_add", {"version": version, "from": 19, "to": 31, "text": "a + b?"})
        thread = (await cy_b.next("comment_thread"))["thread"]
        assert thread["comments"][0]["text"] == "a + b?" and [thread["from"], thread["to"]] == [19, 31]
        # Cy (on b) types above the range; Ada (on a) types inside it: both instances move it alike.
        await cy_b.send("push", {"version": version, "updates": [{"clientID": "cy", "changes": [[0, "# sum\n"], 32]}]})
        await cy_b.next("updates")
        await asyncio.sleep(0.5)
        await ada_a.send("pull", {"version": version})
        await ada_a.next("updates")
        await ada_a.send(
            "push", {"version": version + 1, "updates": [{"clientID": "ada", "changes": [34, [1, "+"], 3]}]}
        )
        await ada_a.next("updates")
        await asyncio.sleep(0.5)
        late_a = await Socket.join(http, a, session_id, "Late A")
        late_b = await Socket.join(http, b, session_id, "Late B")
        seen_a = (await late_a.next("comment_threads"))["threads"][0]
        seen_b = (await late_b.next("comment_threads"))["threads"][0]
        assert [seen_a["from"], seen_a["to"], seen_a["version"]] == [25, 37, version + 2]
        assert [seen_b["from"], seen_b["to"], seen_b["version"]] == [25, 37, version + 2]
        # Ada, back on the other instance with her author key, edits her comment there.
        await ada_a.ws.close()
        ada_b = await Socket.join(http, b, session_id, "Ada", author_key="ada-author-key-000001")
        await ada_b.send(
            "comment_edit", {"thread": thread["id"], "comment": thread["comments"][0]["id"], "text": "a + b!"}
        )
        await host_a.until("comment_thread", lambda data: data["thread"]["comments"][0]["text"] == "a + b!")
        # A hosts-only thread made on b reaches a's host, never a candidate on either.
        await host_b.send(
            "comment_add",
            {"version": version + 2, "from": 0, "to": 5, "text": "PRIVATE: slow start", "visibility": "hosts"},
        )
        private = (await host_a.until("comment_thread", lambda data: data["thread"]["visibility"] == "hosts"))["thread"]
        assert private["visibility"] == "hosts"
        await host_b.send("comment_delete", {"thread": private["id"], "comment": private["comments"][0]["id"]})
        assert (await host_a.next("comment_removed"))["thread"] == private["id"]
        for candidate in (cy_b, late_a, late_b, ada_b):
            frames = json.dumps(await candidate.drain())
            assert "PRIVATE" not in frames and private["id"] not in frames
        for socket in (host_a, host_b, cy_b, late_a, late_b, ada_b):
            await socket.ws.close()


async def test_integrity_events_reach_every_instances_hosts_and_no_candidate(two_instances):  # noqa: F811
    a, b = two_instances
    async with aiohttp.ClientSession() as http:
        created = await (await http.post(a.url + "/api/sessions")).json()
        session_id, key = created["session_id"], created["host_url"].split("#host=")[1]
        host_b = await Socket.join(http, b, session_id, "Hugo", host_key=key)
        bo_a = await Socket.join(http, a, session_id, "Bo")
        cy_b = await Socket.join(http, b, session_id, "Cy")
        await asyncio.sleep(0.3)
        await bo_a.send("integrity_event", {"kind": "paste", "chars": 777, "external": True})
        event = (await host_b.next("integrity"))["event"]
        assert event["chars"] == 777 and event["participant"] == bo_a.me
        late_host = await Socket.join(http, b, session_id, "Hal", host_key=key)
        assert (await late_host.next("integrity_events"))["events"] == [event]
        for candidate in (bo_a, cy_b):
            frames = await candidate.drain()
            assert not [frame for frame in frames if frame["type"].startswith("integrity")]
        for socket in (host_b, bo_a, cy_b, late_host):
            await socket.ws.close()

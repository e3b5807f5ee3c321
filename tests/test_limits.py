"""Abuse limits, each with its error: message size, document size, message rate, participants per
session, sockets and session creation per client address, session ids checked before the store."""

from __future__ import annotations

import asyncio
import functools
import json
import time

import aiohttp
import pytest

from interview_server import ws as ws_module
from interview_server.app import create_app
from interview_server.config import Config, load_config
from interview_server.limits import AddressLimits, MessageRate, TokenBucket
from interview_server.store.memory import MemoryStore

from .conftest import Peer


@pytest.fixture
def make_client(aiohttp_client, tmp_path):
    """A client of a fresh server (memory store) with some settings changed."""

    async def make(store=None, **settings):
        return await aiohttp_client(create_app(Config(store="memory", data_dir=str(tmp_path), **settings), store=store))

    return make


async def new_session(client) -> str:
    response = await client.post("/api/sessions")
    assert response.status == 201, await response.text()
    return (await response.json())["session_id"]


async def join(client, session_id, headers=None) -> tuple[Peer, dict]:
    peer = Peer(await client.ws_connect(f"/ws/{session_id}", headers=headers or {}))
    return peer, await peer.receive()


async def closed_with(peer: Peer) -> tuple[int, str]:
    message = await peer.ws.receive(timeout=5)
    assert message.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED, aiohttp.WSMsgType.CLOSING), message
    return peer.ws.close_code, message.extra or ""


async def until(predicate, timeout: float = 5, message: str = "condition") -> None:
    """Poll an async predicate until it is truthy (the server handles a close in its own time)."""
    deadline = time.monotonic() + timeout
    while not await predicate():
        assert time.monotonic() < deadline, f"timed out waiting for {message}"
        await asyncio.sleep(0.01)


async def current_code(client, session_id) -> tuple[str, int]:
    peer, state = await join(client, session_id)
    await peer.close()
    return state["data"]["code"], state["data"]["version"]


def insert_at_end(length: int, text: str) -> list:
    return [length, [0, text]] if length else [[0, text]]


# -- WebSocket message size, heartbeat, compression --------------------------------------------------


def test_socket_defaults_are_safe():
    config = load_config([], environ={})
    assert config.max_message_bytes == 256 * 1024
    assert config.heartbeat < 55
    with pytest.raises(SystemExit, match="HEARTBEAT"):
        load_config(["--heartbeat", "60"], environ={})


async def test_a_message_over_the_size_limit_closes_with_1009_and_loses_nothing(make_client):
    client = await make_client(max_message_bytes=4096)
    session_id = await new_session(client)
    writer, state = await join(client, session_id)
    await writer.send(
        "push",
        {"version": 0, "updates": [{"clientID": "w", "changes": insert_at_end(len(state["data"]["code"]), "kept")}]},
    )
    await writer.receive_type("updates")
    big, _ = await join(client, session_id)
    await big.ws.send_str(json.dumps({"type": "chat", "data": {"text": "x" * 5000}}))
    assert (await closed_with(big))[0] == 1009
    # The others carry on, the document is intact.
    await writer.send("pull", {"version": 1})
    assert (await writer.receive_type("updates"))["data"]["updates"] == []
    assert (await current_code(client, session_id))[0].endswith("kept")


async def test_permessage_deflate_is_not_negotiated(make_client):
    client = await make_client()
    session_id = await new_session(client)
    ws = await client.ws_connect(f"/ws/{session_id}", compress=15)
    assert ws.compress == 0
    await ws.close()


# -- Document size -------------------------------------------------------------------------------------


async def test_a_push_past_the_document_cap_is_refused_and_the_text_is_unchanged(make_client):
    client = await make_client(max_document_bytes=2048)
    session_id = await new_session(client)
    peer, state = await join(client, session_id)
    code = state["data"]["code"]
    # 700 CJK characters are 700 UTF-16 units but 2,100 UTF-8 bytes: over the cap with the starter code.
    await peer.send(
        "push", {"version": 0, "updates": [{"clientID": "p", "changes": insert_at_end(len(code), "中" * 700)}]}
    )
    error = await peer.receive_type("error")
    assert error["data"]["code"] == "document_too_large"
    assert "2,048 bytes" in error["data"]["message"] and "nothing was applied" in error["data"]["message"]
    assert await current_code(client, session_id) == (code, 0)
    # Up to the cap is fine, and so is shrinking.
    fill = "a" * (2048 - len(code.encode()))
    await peer.send("push", {"version": 0, "updates": [{"clientID": "p", "changes": insert_at_end(len(code), fill)}]})
    assert (await peer.receive_type_in(("updates", "error")))["type"] == "updates"
    await peer.send("push", {"version": 1, "updates": [{"clientID": "p", "changes": insert_at_end(2048, "!")}]})
    assert (await peer.receive_type("error"))["data"]["code"] == "document_too_large"
    await peer.send("push", {"version": 1, "updates": [{"clientID": "p", "changes": [[2048]]}]})
    assert (await peer.receive_type_in(("updates", "error")))["type"] == "updates"
    assert await current_code(client, session_id) == ("", 2)


async def test_a_whole_text_code_update_past_the_cap_is_refused(make_client):
    client = await make_client(max_document_bytes=1024)
    session_id = await new_session(client)
    peer, state = await join(client, session_id)
    await peer.send("code_update", {"code": "😀" * 300, "timestamp": 0})
    assert (await peer.receive_type("error"))["data"]["code"] == "document_too_large"
    assert await current_code(client, session_id) == (state["data"]["code"], 0)


# -- Message rate ---------------------------------------------------------------------------------------


def test_human_typing_with_cursors_never_meets_the_default_rate_limit():
    now = [0.0]
    config = Config()
    rate = MessageRate(config.message_rate, config.message_burst, clock=lambda: now[0])
    # Key repeat held for a whole minute (33 keys/s, one push each) plus a cursor every 60 ms (the page's throttle).
    for tick in range(60 * 1000):
        now[0] = tick / 1000
        if tick % 30 == 0 or tick % 60 == 0:
            assert rate.admit() == (0.0, "ok"), f"limited after {now[0]:.2f} s"


def test_a_burst_is_slowed_then_a_flood_is_cut():
    now = [0.0]
    rate = MessageRate(10, 5, clock=lambda: now[0])
    assert [rate.admit()[1] for _ in range(5)] == ["ok"] * 5
    wait, verdict = rate.admit()
    assert verdict == "slow" and wait == pytest.approx(0.1)
    now[0] += wait
    assert rate.admit()[1] == "slowing"
    now[0] = 10.0  # a pause refills the bucket and forgives
    assert rate.admit() == (0.0, "ok") and rate.strikes == 0
    verdicts = [rate.admit()[1] for _ in range(20)]
    assert verdicts[:4] == ["ok"] * 4 and "cut" in verdicts
    assert MessageRate(0, 0).admit() == (0.0, "ok")  # 0 = no limit


async def test_a_flooding_socket_gets_an_error_then_is_closed_while_others_keep_working(make_client, monkeypatch):
    skew = [0.0]  # the sockets' rate limits see time this far ahead
    monkeypatch.setattr(
        ws_module, "MessageRate", functools.partial(MessageRate, clock=lambda: time.monotonic() + skew[0])
    )
    client = await make_client(message_rate=20, message_burst=10)
    session_id = await new_session(client)
    flooder, _ = await join(client, session_id)
    worker, state = await join(client, session_id)
    # A short burst over the limit: one warning, every message still answered (nothing is dropped).
    for _ in range(15):
        await flooder.send("pull", {"version": 0})
    answers = []
    while sum(a["type"] == "updates" for a in answers) < 15:  # every pull is answered
        answers.append(await flooder.receive(timeout=5))
    assert [a["data"].get("code") for a in answers if a["type"] == "error"] == ["rate_limited"]
    skew[0] += 1  # a second passes: the bucket fills again
    # A flood that goes on: closed with 1008 after the warning.
    for _ in range(200):
        if flooder.ws.closed:
            break
        await flooder.send("pull", {"version": 0})
    kinds = []
    while True:
        message = await flooder.ws.receive(timeout=10)
        if message.type != aiohttp.WSMsgType.TEXT:
            break
        kinds.append(json.loads(message.data))
    assert flooder.ws.close_code == 1008
    assert kinds[-1]["data"]["code"] == "rate_limited" and "closed" in kinds[-1]["data"]["message"]
    # Meanwhile the other participant's edits go through.
    code = state["data"]["code"]
    await worker.send("push", {"version": 0, "updates": [{"clientID": "w", "changes": insert_at_end(len(code), "ok")}]})
    assert (await worker.receive_type("updates"))["data"]["version"] == 0


# -- Participants per session -------------------------------------------------------------------------------


async def participant(client, session_id, name: str, **hello) -> Peer:
    """A socket that said hello and was welcomed."""
    peer, _ = await join(client, session_id)
    await peer.send("hello", {"name": name, **hello})
    assert (await peer.receive_type_in(("welcome", "error")))["type"] == "welcome"
    return peer


async def test_the_participant_after_the_cap_is_told_the_session_is_full(make_client):
    client = await make_client(max_participants=2)
    session_id = await new_session(client)
    first = await participant(client, session_id, "Ada")
    second = await participant(client, session_id, "Bo")
    # Connecting takes no place (a page says hello at once; a silent script is no participant)...
    third, state = await join(client, session_id)
    assert state["type"] == "session_state"
    # ...saying hello does.
    await third.send("hello", {"name": "Cy"})
    message = await third.receive_type("error")
    assert message["data"]["code"] == "session_full"
    assert "session is full" in message["data"]["message"]
    assert (await closed_with(third))[0] == 4409
    page = await client.get(f"/session/{session_id}")
    assert page.status == 409 and "This session is full" in await page.text()

    # Someone leaves: there is a place again.
    async def a_place_is_free():
        return (await client.get(f"/session/{session_id}")).status == 200

    await first.close()
    await until(a_place_is_free, message="Ada's place to be free")
    fourth = await participant(client, session_id, "Dee")
    assert (await client.get(f"/session/{session_id}")).status == 409
    await second.close()
    await until(a_place_is_free, message="Bo's place to be free")
    await fourth.close()


# -- Per client address ---------------------------------------------------------------------------------------


async def test_open_sockets_per_address_are_capped(make_client):
    client = await make_client(sockets_per_ip=2)
    session_id = await new_session(client)
    kept = [await join(client, session_id), await join(client, session_id)]
    refused, message = await join(client, session_id)
    assert message["data"]["code"] == "too_many_connections"
    assert (await closed_with(refused))[0] == 4429
    # X-Forwarded-For is not believed unless a proxy is trusted.
    forged, message = await join(client, session_id, headers={"X-Forwarded-For": "203.0.113.9"})
    assert message["data"]["code"] == "too_many_connections"
    await kept[0][0].close()
    joined = []

    async def joins_again():
        peer, message = await join(client, session_id)
        joined.append(peer)
        return message["type"] == "session_state"

    await until(joins_again, message="the closed socket to stop counting")


async def test_behind_a_trusted_proxy_each_forwarded_address_has_its_own_allowance(make_client):
    client = await make_client(sockets_per_ip=1, sessions_per_ip=1, trust_proxy=1)
    session_id = await new_session(client)  # address: 127.0.0.1 (no header)
    one = await join(client, session_id, headers={"X-Forwarded-For": "198.51.100.1"})
    two = await join(client, session_id, headers={"X-Forwarded-For": "198.51.100.2"})
    assert one[1]["type"] == two[1]["type"] == "session_state"
    # A client cannot choose its address: the proxy appends the real one, which is the one counted.
    spoofed = await join(client, session_id, headers={"X-Forwarded-For": "198.51.100.77, 198.51.100.1"})
    assert spoofed[1]["data"]["code"] == "too_many_connections"
    response = await client.post("/api/sessions", headers={"X-Forwarded-For": "198.51.100.3"})
    assert response.status == 201
    response = await client.post("/api/sessions", headers={"X-Forwarded-For": "198.51.100.3"})
    assert response.status == 429


async def test_session_creation_per_address_is_limited_with_a_json_error(make_client):
    client = await make_client(sessions_per_ip=3)
    for _ in range(3):
        await new_session(client)
    response = await client.post("/api/sessions")
    assert response.status == 429
    assert "too many sessions" in (await response.json())["error"]


def test_session_creation_allowance_refills_over_the_hour():
    now = [0.0]
    limits = AddressLimits(sockets_per_ip=0, sessions_per_hour=2, clock=lambda: now[0])
    assert [limits.may_create_session("a") for _ in range(3)] == [True, True, False]
    assert limits.may_create_session("b")
    now[0] = 1800  # half an hour: one more
    assert [limits.may_create_session("a") for _ in range(2)] == [True, False]
    assert TokenBucket(1, 1, clock=lambda: 0.0).try_take()


# -- Session ids are checked before any store access ------------------------------------------------------------


class CountingStore(MemoryStore):
    """The real memory store, counting reads of sessions."""

    def __init__(self):
        super().__init__()
        self.reads = 0

    async def get(self, session_id):
        self.reads += 1
        return await super().get(session_id)


@pytest.mark.parametrize(
    "bad_id", ["not-a-uuid", "00000000-0000-0000-0000-00000000000G", "A" * 36, "%2e%2e%2fetc%2fpasswd", "x" * 5000]
)
async def test_malformed_session_ids_never_reach_the_store(make_client, bad_id):
    store = CountingStore()
    client = await make_client(store=store)
    ws = await client.ws_connect(f"/ws/{bad_id}")
    assert json.loads(await ws.receive_str())["data"]["message"] == "malformed session id"
    await ws.close()
    assert (await client.get(f"/api/sessions/{bad_id}")).status in (400, 404)
    assert (await client.get(f"/session/{bad_id}")).status == 404
    assert store.reads == 0


# -- Cursors: the work one may ask for is bounded ------------------------------------------------------------------


async def test_a_cursor_that_asks_for_too_much_mapping_is_refused_cheaply(make_client):
    client = await make_client(message_rate=0)
    session_id = await new_session(client)
    peer, state = await join(client, session_id)
    await peer.send("hello", {"name": "Ada"})
    await peer.receive_type("participants")
    length = len(state["data"]["code"])
    await peer.send("push", {"version": 0, "updates": [{"clientID": "a", "changes": [[0, "y" * 4000], length]}]})
    await peer.receive_type("updates")
    length += 4000
    # Three updates of 7,000 parts each (a typed character every other unit): 21,000 parts to map through.
    for version in range(1, 4):
        changes = [1, [0, "x"]] * 3500 + [length - 3500]
        await peer.send("push", {"version": version, "updates": [{"clientID": "a", "changes": changes}]})
        await peer.receive_type("updates")
        length += 3500
    # One range three updates behind asks for more than the budget of 20,000: refused before any work.
    await peer.send("cursor", {"version": 1, "ranges": [{"anchor": 0, "head": 0}]})
    error = await peer.receive_type("error")
    assert "too much to place" in error["data"]["message"] and error["data"]["code"] == "cursor_refused"
    # One update behind is fine, and so are 50 ranges at the current version.
    await peer.send("cursor", {"version": 3, "ranges": [{"anchor": 1, "head": 1}]})
    await peer.send("cursor", {"version": 4, "ranges": [{"anchor": 1, "head": 1}] * 50})
    await peer.send("pull", {"version": 4})
    assert (await peer.receive())["type"] == "updates"  # answered in order, no error before it


async def test_big_edits_do_not_pile_up_in_memory_for_cursor_mapping(make_client):
    from interview_server.keys import SESSIONS
    from interview_server.session import CURSOR_MAP_BYTES

    client = await make_client(message_rate=0, max_document_bytes=8 * 1024 * 1024, max_message_bytes=1024 * 1024)
    session_id = await new_session(client)
    peer, state = await join(client, session_id)
    length = len(state["data"]["code"])
    chunk = "y" * 200_000
    for version in range(12):  # 1.2 M units inserted, deleted again each time
        changes = [[0, chunk], length] if version % 2 == 0 else [[200_000], length]
        await peer.send("push", {"version": version, "updates": [{"clientID": "a", "changes": changes}]})
        assert (await peer.receive_type_in(("updates", "error")))["type"] == "updates"
    session = client.server.app[SESSIONS].live(session_id)
    assert session.recent.nbytes <= CURSOR_MAP_BYTES
    await peer.send("hello", {})
    await peer.send("cursor", {"version": 0, "ranges": [{"anchor": 0, "head": 0}]})
    assert "too old" in (await peer.receive_type("error"))["data"]["message"]


def test_bytes_per_address_are_shared_by_its_sockets_and_delay_rather_than_drop():
    now = [0.0]
    limits = AddressLimits(sockets_per_ip=0, sessions_per_hour=0, clock=lambda: now[0], byte_rate=1000, byte_burst=4000)
    assert limits.open_socket("a") and limits.open_socket("a") and limits.open_socket("b")
    assert limits.bytes_wait("a", 3000) == 0
    assert limits.bytes_wait("a", 1000) == 0  # the burst is spent, by both sockets of "a" together
    assert limits.bytes_wait("a", 500) == pytest.approx(0.5)
    assert limits.bytes_wait("b", 4000) == 0  # another address has its own
    limits.close_socket("a")
    limits.close_socket("a")
    # Reconnecting does not refill the allowance: it is kept until it has refilled by itself.
    assert limits.open_socket("a")
    assert limits.bytes_wait("a", 1000) == pytest.approx(1.5)
    assert AddressLimits(0, 0).bytes_wait("a", 10**9) == 0  # 0 = no limit


async def test_a_big_push_stream_is_slowed_to_the_byte_rate(make_client):
    client = await make_client(byte_rate=64 * 1024, max_message_bytes=64 * 1024, message_rate=0)
    session_id = await new_session(client)
    peer, state = await join(client, session_id)
    length = len(state["data"]["code"])
    chunk = "z" * 60_000
    started = asyncio.get_running_loop().time()
    for version in range(30):  # 15 inserts of 60 kB: 512 kB of burst, then ~6 s at 64 KiB/s
        changes = [[0, chunk], length] if version % 2 == 0 else [[60_000], length]
        await peer.send("push", {"version": version, "updates": [{"clientID": "a", "changes": changes}]})
        assert (await peer.receive_type_in(("updates", "error"), timeout=20))["type"] == "updates"
    assert asyncio.get_running_loop().time() - started > 4


def test_recent_changes_are_bounded_by_the_memory_they_really_hold():
    """The bound counts bytes held (checked against tracemalloc), not parts: 13 updates of 10,000 parts each
    (issue 15 measured ~41 MiB held for them before) stay within CURSOR_MAP_BYTES, and the estimate is honest."""
    import tracemalloc

    from interview_server.changes import canonical_changes
    from interview_server.protocol import Update
    from interview_server.recent import MAX_BYTES, RecentChanges

    length = 60_000
    changes = canonical_changes([1, [0, "x"]] * 4999 + [length - 4999], length)
    tracemalloc.start()
    try:
        recent = RecentChanges()
        before = tracemalloc.get_traced_memory()[0]
        for _ in range(13):
            recent.add([Update("m", changes)], length)
        held = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    assert recent.nbytes <= MAX_BYTES and held <= MAX_BYTES * 1.1
    assert 0.8 <= held / recent.nbytes <= 1.25

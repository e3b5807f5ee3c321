"""Hostile participants cannot stall the server: each attack runs while an honest typist works in another
session, and that typist's pushes stay fast (p99 under 50 ms) with nothing lost.

Every client has an address of its own (X-Forwarded-For behind TRUST_PROXY=1), as on a real network, so
the per-address limits sort attacker from victim as they would there. The server is the default one
(SQLite); each attack is a message shape found by a review of the protocol (issue 15).
"""

from __future__ import annotations

import asyncio
import json
import socket
import statistics
import time

import pytest

from interview_server.app import create_app
from interview_server.config import Config
from interview_server.keys import LOOP_MONITOR

from .conftest import Peer

pytestmark = [pytest.mark.system, pytest.mark.serial]  # bounds the honest typist's p99: runs alone

ATTACK_SECONDS = 3.0
VICTIM_P99_MS = 50.0


@pytest.fixture
async def server(aiohttp_client, tmp_path):
    return await aiohttp_client(create_app(Config(store="sqlite", data_dir=str(tmp_path), trust_proxy=1)))


async def new_session(client) -> str:
    response = await client.post("/api/sessions")
    assert response.status == 201
    return (await response.json())["session_id"]


async def join(client, session_id: str, address: str) -> tuple[Peer, dict]:
    peer = Peer(await client.ws_connect(f"/ws/{session_id}", headers={"X-Forwarded-For": address}, max_msg_size=0))
    state = await peer.receive()
    assert state["type"] == "session_state", state
    return peer, state["data"]


def frame(type_: str, data: dict) -> str:
    return json.dumps({"type": type_, "data": data}, separators=(",", ":"))


class Typist:
    """An honest participant in a session of its own: one character per push, as the page sends them, each
    waited for (the server's `updates` with its own clientID is the acknowledgement after commit)."""

    def __init__(self, client):
        self.client = client
        self.latencies_ms: list[float] = []
        self.typed = ""

    async def run(self, stop: asyncio.Event) -> None:
        session_id = await new_session(self.client)
        peer, state = await join(self.client, session_id, "10.0.0.1")
        await peer.send("hello", {"name": "Victim"})
        version, start = state["version"], state["code"]
        while not stop.is_set():
            char = "abcdefghij"[len(self.typed) % 10]
            length = len(start) + len(self.typed)
            sent = time.perf_counter()
            await peer.send(
                "push",
                {
                    "version": version,
                    "rebase": True,
                    "updates": [{"clientID": "victim", "changes": [length, [0, char]] if length else [[0, char]]}],
                },
            )
            while True:
                message = await peer.receive(timeout=30)
                if message["type"] == "updates" and any(u["clientID"] == "victim" for u in message["data"]["updates"]):
                    break
            self.latencies_ms.append((time.perf_counter() - sent) * 1000)
            self.typed += char
            version = message["data"]["version"] + len(message["data"]["updates"])
            await asyncio.sleep(0.02)
        # Nothing typed was lost: a newcomer sees all of it.
        newcomer, state = await join(self.client, session_id, "10.0.0.2")
        assert state["code"] == start + self.typed
        await newcomer.close()
        await peer.close()

    def p99(self) -> float:
        ordered = sorted(self.latencies_ms)
        return ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]


async def while_typing(client, attack, seconds: float = ATTACK_SECONDS) -> Typist:
    """Run `attack(stop)` for `seconds` beside an honest typist; check the typist was served promptly."""
    typist, stop = Typist(client), asyncio.Event()
    typing = asyncio.create_task(typist.run(stop))
    attacking = asyncio.create_task(attack(stop))
    await asyncio.sleep(seconds)
    stop.set()
    await asyncio.wait_for(attacking, 60)
    await asyncio.wait_for(typing, 60)
    lag = client.server.app[LOOP_MONITOR].summary()
    print(
        f"typist: {len(typist.latencies_ms)} pushes, p50 {statistics.median(typist.latencies_ms):.1f} ms, "
        f"p99 {typist.p99():.1f} ms; server loop lag {lag}"
    )
    assert len(typist.latencies_ms) > 20
    assert typist.p99() < VICTIM_P99_MS
    return typist


async def drain(peer: Peer, stop: asyncio.Event) -> list[dict]:
    """Read what the server sends an attacker (so its socket never backs up), keeping errors and state."""
    kept = []
    while not stop.is_set():
        try:
            message = await peer.receive(timeout=0.2)
        except (TimeoutError, TypeError):
            continue
        if message["type"] in ("error", "session_state", "push_rejected"):
            kept.append(message)
    return kept


async def grow(peer: Peer, version: int, length: int, units: int, chunk: int = 200_000) -> tuple[int, int]:
    """Insert `units` characters in pushes of `chunk`; returns (version, length) after."""
    while units > 0:
        size = min(chunk, units)
        await peer.send(
            "push",
            {
                "version": version,
                "updates": [
                    {"clientID": "grow", "changes": [[0, "z" * size], length] if length else [[0, "z" * size]]}
                ],
            },
        )
        await peer.receive_type("updates", timeout=30)
        version, length, units = version + 1, length + size, units - size
    return version, length


async def attacker_with_text(client, units: int) -> tuple[Peer, int, int]:
    """An attacker alone in a session of its own, whose text it has grown by `units`: (socket, version, length)."""
    attacker, state = await join(client, await new_session(client), "10.6.6.6")
    return attacker, *await grow(attacker, state["version"], len(state["code"]), units)


def spread_inserts(length: int, every: int, text: str) -> list:
    """A ChangeSet inserting `text` after every `every` units of a document `length` long: many parts."""
    parts, at = [], 0
    while at + every <= length and len(parts) < 9_990:
        parts += [every, [0, text]]
        at += every
    if length > at:
        parts.append(length - at)
    return parts


async def test_cursors_at_an_old_version_over_many_parts_are_refused_before_any_work(server):
    client = server
    session_id = await new_session(client)
    attacker, state = await join(client, session_id, "10.6.6.6")
    await attacker.send("hello", {"name": "Mallory"})
    version, length = await grow(attacker, state["version"], len(state["code"]), 30_000)
    old, old_length = version, length
    for _ in range(4):  # four updates of ~10,000 parts each
        await attacker.send(
            "push", {"version": version, "updates": [{"clientID": "m", "changes": spread_inserts(length, 6, "x")}]}
        )
        await attacker.receive_type("updates", timeout=30)
        version += 1
        length = len((await join(client, session_id, "10.6.6.7"))[1]["code"])
    # At the end of the text, where mapping walks every part of every update since (at its start: none).
    cursor = frame(
        "cursor",
        {"version": old, "ranges": [{"anchor": old_length - 50 + i, "head": old_length - 49 + i} for i in range(49)]},
    )

    async def attack(stop):
        draining = asyncio.create_task(drain(attacker, stop))
        while not stop.is_set():
            await attacker.ws.send_str(cursor)
            await asyncio.sleep(0.02)
        errors = await draining
        assert errors and all(e["data"].get("code") == "cursor_refused" for e in errors if e["type"] == "error")

    await while_typing(client, attack)


async def test_a_rebased_push_gathering_many_insertions_in_one_place_is_linear(server):
    client = server
    attacker, version, length = await attacker_with_text(client, 60_000)

    async def attack(stop):
        nonlocal version, length
        round_ = 0
        while not stop.is_set():
            # A stale push of 2,000 insertions of 110 units spread over the text (~250 KB), made before someone
            # deleted the whole text: rebased over that deletion, every insertion lands in the one place it left.
            changes = spread_inserts(length, length // 2000, "y" * 110)
            stale = frame(
                "push",
                {"version": version, "rebase": True, "updates": [{"clientID": f"m{round_}", "changes": changes}]},
            )
            assert 200_000 < len(stale) < 256 * 1024  # within MAX_MESSAGE_BYTES
            await attacker.send(
                "push", {"version": version, "updates": [{"clientID": "eraser", "changes": [[length]]}]}
            )
            await attacker.ws.send_str(stale)
            while True:  # rebased and accepted
                message = await attacker.receive(timeout=30)
                assert message["type"] == "updates", message
                if message["data"]["updates"][-1]["clientID"] == f"m{round_}":
                    break
            version += 2
            length = sum(len(part[1]) for part in changes if isinstance(part, list))
            round_ += 1
            await asyncio.sleep(0.1)
        assert round_ >= 3

    await while_typing(client, attack)


async def test_a_pull_from_far_behind_gets_the_text_not_every_update(server):
    client = server
    session_id = await new_session(client)
    attacker, state = await join(client, session_id, "10.6.6.6")
    version, length = state["version"], len(state["code"])
    for _ in range(3):  # 3,000 versions
        updates = [{"clientID": "m", "changes": [length + i, [0, "q"]]} for i in range(1000)]
        await attacker.send("push", {"version": version, "updates": updates})
        await attacker.receive_type("updates", timeout=30)
        version, length = version + 1000, length + 1000
    pull = frame("pull", {"version": 0})
    await attacker.ws.send_str(pull)
    answer = await attacker.receive_type_in(("updates", "session_state"))
    assert answer["type"] == "session_state" and answer["data"]["version"] == version
    assert len(answer["data"]["code"]) == length

    async def attack(stop):
        draining = asyncio.create_task(drain(attacker, stop))
        while not stop.is_set():
            await attacker.ws.send_str(pull)
            await asyncio.sleep(0.01)
        await draining

    await while_typing(client, attack)


async def test_many_update_pushes_on_a_big_document_do_not_stall_others(server):
    client = server
    attacker, version, length = await attacker_with_text(client, 480_000)

    def thousand_updates(version: int, length: int) -> str:
        return frame(
            "push",
            {
                "version": version,
                "rebase": True,
                "updates": [
                    {"clientID": "m", "changes": [i * 400, [0, "w"], length + i - i * 400]} for i in range(1000)
                ],
            },
        )

    async def attack(stop):
        nonlocal version, length
        accepted = 0
        while not stop.is_set():
            await attacker.ws.send_str(thousand_updates(version, length))
            message = await attacker.receive(timeout=30)
            if message["type"] == "error":  # past the versions budget: this push waits, the others too
                assert message["data"]["code"] == "rate_limited", message
                break
            assert message["type"] == "updates" and message["data"]["updates"][-1]["clientID"] == "m", message
            version, length, accepted = version + 1000, length + 1000, accepted + 1
        assert accepted >= 2

    typist = await while_typing(client, attack)
    assert typist.p99() < VICTIM_P99_MS
    # The attacker's last push waits out the versions budget, so its handler reads nothing more, not even a
    # close: the attacker hangs up instead (else the server's shutdown waits 10 s for its answer to a close).
    attacker.ws.get_extra_info("socket").shutdown(socket.SHUT_RDWR)


async def test_silent_sockets_and_a_full_session_never_lock_the_host_out(aiohttp_client, tmp_path):
    client = await aiohttp_client(
        create_app(Config(store="sqlite", data_dir=str(tmp_path), trust_proxy=1, max_participants=3))
    )
    created = await (await client.post("/api/sessions")).json()
    session_id, key = created["session_id"], created["host_url"].split("#host=")[1]
    # Sockets that never say hello hold no place; there are as many as the socket bound allows.
    silent = [(await join(client, session_id, f"10.1.0.{i}"))[0] for i in range(3 * 3 + 2)]
    # Candidates take every place.
    candidates = []
    for i in range(3):
        peer, _ = await join(client, session_id, f"10.2.0.{i}")
        await peer.send("hello", {"name": f"Candidate {i}"})
        assert (await peer.receive_type_in(("welcome", "error")))["type"] == "welcome"
        candidates.append(peer)
    assert (await client.get(f"/session/{session_id}")).status == 409  # full, for candidates
    assert (await client.get(f"/session/{session_id}?host")).status == 200  # a host's page asks with ?host
    # One more candidate is turned away at hello...
    extra, _ = await join(client, session_id, "10.2.0.9")
    await extra.send("hello", {"name": "Extra"})
    assert (await extra.receive_type("error"))["data"]["code"] == "session_full"
    # ...the host gets in (a silent socket made room for its connection), and so does a co-host.
    for name in ("Interviewer", "Co-interviewer"):
        host, _ = await join(client, session_id, "10.3.0.1")
        await host.send("hello", {"name": name, "host_key": key})
        welcome = await host.receive_type_in(("welcome", "error"))
        assert welcome["type"] == "welcome" and welcome["data"]["role"] == "host", welcome
    closed = [peer for peer in silent if peer.ws.closed or (await _closed_soon(peer))]
    assert len(closed) >= 1
    for peer in candidates:
        assert not peer.ws.closed


async def _closed_soon(peer: Peer) -> bool:
    try:
        while True:
            message = await peer.ws.receive(timeout=0.3)
            if message.type.name in ("CLOSE", "CLOSED", "CLOSING"):
                return True
    except TimeoutError:
        return False


async def test_names_cannot_impersonate_a_host_or_change_after_the_end(server):
    client = server
    created = await (await client.post("/api/sessions")).json()
    session_id, key = created["session_id"], created["host_url"].split("#host=")[1]
    host, _ = await join(client, session_id, "10.3.0.1")
    await host.send("hello", {"name": "Grace Hopper", "host_key": key})
    await host.receive_type("welcome")
    candidate, _ = await join(client, session_id, "10.2.0.1")
    # A name that claims a role, at hello: joined, but as Guest, and told why.
    await candidate.send("hello", {"name": "Mallory (interviewer)"})
    welcome = await candidate.receive_type("welcome")
    assert welcome["data"]["participant"]["name"] == "Guest"
    refused = await candidate.receive_type("error")
    assert refused["data"]["code"] == "name_refused"
    for name in ("grace  HOPPER", "Ｇｒａｃｅ Hopper", "Host", "the interviewer"):
        await candidate.send("set_name", {"name": name})
        assert (await candidate.receive_type("error"))["data"]["code"] == "name_refused", name
    await candidate.send("set_name", {"name": "Mallory"})
    people = await candidate.receive_type("participants")
    assert sorted(p["name"] for p in people["data"]["participants"]) == ["Grace Hopper", "Mallory"]
    # Hosts may call themselves anything.
    await host.send("set_name", {"name": "Grace (interviewer)"})
    await host.receive_type("participants")
    await host.send("end_session", {})
    await candidate.receive_type("session_info")
    await candidate.send("set_name", {"name": "Someone Else"})
    assert (await candidate.receive_type("error"))["data"]["code"] == "ended"


async def test_a_socket_guessing_host_keys_is_closed_after_three(server, caplog):
    client = server
    session_id = await new_session(client)
    guesser, _ = await join(client, session_id, "10.6.6.6")
    for attempt in range(3):
        await guesser.send("hello", {"host_key": f"guess-{attempt}"})
        assert (await guesser.receive_type("error"))["data"]["code"] == "bad_host_key"
    message = await guesser.ws.receive(timeout=5)
    assert message.type.name in ("CLOSE", "CLOSED", "CLOSING") and guesser.ws.close_code == 1008
    # Reconnecting does not buy many more: the address has 10 a minute, then each socket is closed at its first.
    closed_at_first = 0
    for attempt in range(8):
        guesser, _ = await join(client, session_id, "10.6.6.6")
        await guesser.send("hello", {"host_key": f"again-{attempt}"})
        assert (await guesser.receive_type("error"))["data"]["code"] == "bad_host_key"
        closed_at_first += await _closed_soon(guesser)
    assert closed_at_first == 8 - (10 - 3)
    assert sum("wrong host key" in record.getMessage() for record in caplog.records) == 1  # once a minute per address
    # The right key still works from that address.
    created = await (await client.post("/api/sessions")).json()
    host, _ = await join(client, created["session_id"], "10.6.6.6")
    await host.send("hello", {"host_key": created["host_url"].split("#host=")[1]})
    assert (await host.receive_type("welcome"))["data"]["role"] == "host"


async def test_a_flood_of_versions_cannot_erase_the_recording(server, monkeypatch):
    """Pushing past the log's bound compacts it (here at 300 versions instead of 200,000), but the recording
    stays replayable: history starts where the log now starts, from the text there, and ends at the text."""
    from interview_server import recording

    monkeypatch.setattr(recording, "MAX_HISTORY_UPDATES", 300)
    monkeypatch.setattr(recording, "COMPACT_STEP", 100)
    client = server
    created = await (await client.post("/api/sessions")).json()
    session_id, key = created["session_id"], created["host_url"].split("#host=")[1]
    attacker, state = await join(client, session_id, "10.6.6.6")
    version, text = state["version"], state["code"]
    texts = {version: text}
    for _ in range(5):  # 500 versions of one character each, in pushes of 100
        updates = []
        for i in range(100):
            updates.append({"clientID": "m", "changes": [len(text.encode("utf-16-le")) // 2, [0, "😀é"[i % 2]]]})
            text += "😀é"[i % 2]
            texts[version + i + 1] = text
        await attacker.send("push", {"version": version, "updates": updates})
        await attacker.receive_type("updates")
        version += 100
    from interview_server import hosting
    from interview_server.keys import STORE

    for _ in range(100):  # compaction runs beside the session
        if (await client.server.app[STORE].get(session_id)).meta.get(hosting.PLAYBACK_START):
            break
        await asyncio.sleep(0.05)
    response = await client.get(f"/api/sessions/{session_id}/history", headers={"Authorization": f"Bearer {key}"})
    history = await response.json()
    start = history["start"]["version"]
    assert start == 100 and history["compacted_before"] == 100  # the first compaction: at 400, down to 100
    assert history["start"]["text"] == texts[start]
    replayed = history["start"]["text"]
    from interview_server.changes import Text

    doc = Text.from_str(replayed)
    for update in history["updates"]:
        doc = doc.apply(update["changes"])
    assert len(history["updates"]) == version - start and str(doc) == texts[version] == history["text"]


async def test_noop_updates_are_refused_and_the_sender_is_given_the_state_to_resync_from(server):
    """An update that changes nothing takes no version: the push is refused whole (`noop_refused`), and a
    session_state follows so a client that cannot drop it resyncs; at most one every 5 s per socket, so a
    stream of no-op pushes cannot be turned into a stream of whole documents."""
    client = server
    session_id = await new_session(client)
    peer, state = await join(client, session_id, "10.6.6.6")
    version, length = state["version"], len(state["code"])
    after = length + 1  # the second update of each push applies to the text the first made
    noops = [[after], [0, after], [[0], after], [[0, ""], after], [after, [0, ""], [0]]]
    for index, changes in enumerate(noops):
        real = {"clientID": "n", "changes": [length, [0, "x"]]}
        await peer.send(
            "push", {"version": version, "rebase": True, "updates": [real, {"clientID": "n", "changes": changes}]}
        )
        error = await peer.receive_type("error")
        assert error["data"]["code"] == "noop_refused", (changes, error)
        assert "update 1 changes nothing" in error["data"]["message"], error
        if index == 0:  # the first refusal brings the state; the next ones within 5 s do not
            resync = await peer.receive()
            assert resync["type"] == "session_state" and resync["data"]["version"] == version
    await peer.send("pull", {"version": version})
    answer = await peer.receive()
    assert answer == {"type": "updates", "data": {"version": version, "updates": []}}, answer  # nothing applied
    # An empty document has one no-op too: the empty ChangeSet.
    await peer.send("push", {"version": version, "updates": [{"clientID": "n", "changes": [[length]]}]})
    assert (await peer.receive_type("updates"))["data"]["version"] == version
    await peer.send("push", {"version": version + 1, "updates": [{"clientID": "n", "changes": []}]})
    assert (await peer.receive_type("error"))["data"]["code"] == "noop_refused"

    async def attack(stop):
        draining = asyncio.create_task(drain(attacker, stop))
        while not stop.is_set():
            await attacker.ws.send_str(
                frame("push", {"version": at, "updates": [{"clientID": "a", "changes": [text_length]}]})
            )
            await asyncio.sleep(0.005)
        kept = await draining
        states = [message for message in kept if message["type"] == "session_state"]
        assert len(states) <= 1 + ATTACK_SECONDS / 5, len(states)
        assert sum(message["data"].get("code") == "noop_refused" for message in kept) > 50

    attacker, at, text_length = await attacker_with_text(client, 300_000)
    await while_typing(client, attack)

"""Integrity signals (issue 23), on every store: pastes, time away and typing bursts a page reports are stamped by
the server, kept, sent to hosts only (live and to a host joining later) and summed up per person in the report;
a candidate never receives one; bad, oversized and forged events are refused with errors."""

from __future__ import annotations

import json

import pytest

from interview_server.protocol import INTEGRITY_BURST

from .test_comments import Recording, join, set_code
from .test_hosting import create, host_key


async def test_events_reach_hosts_only_stamped_kept_and_summed_up(connect, client):
    created = await create(client)
    session_id, key = created["session_id"], host_key(created)
    host, _ = await join(connect, session_id, "Hana", key)
    bo = Recording((await join(connect, session_id, "Bo"))[0])
    cy = Recording((await join(connect, session_id, "Cy"))[0])
    version = await set_code(host, "print(1)\n")
    bo_id = (await bo.receive_type("participants"))["data"]["participants"][1]["id"]
    await bo.send("integrity_event", {"kind": "paste", "chars": 1240, "external": True})
    await bo.send("integrity_event", {"kind": "paste", "chars": 12, "external": False})
    await bo.send("integrity_event", {"kind": "away", "ms": 150_000, "reason": "hidden"})
    await bo.send("integrity_event", {"kind": "away", "ms": 100_400.4, "reason": "blur"})
    await bo.send("integrity_event", {"kind": "burst", "chars": 400, "ms": 2000})
    events = [(await host.receive_type("integrity"))["data"]["event"] for _ in range(5)]
    first = events[0]
    assert first["kind"] == "paste" and first["chars"] == 1240 and first["external"] is True
    assert first["participant"] == bo_id and first["name"] == "Bo" and first["version"] == version
    assert isinstance(first["at"], int) and first["id"].startswith("i-")
    assert events[3]["ms"] == 100_400 and events[4] == {**events[4], "kind": "burst", "chars": 400, "ms": 2000}
    # A host joining later gets them all at once; a candidate joining later gets none.
    late_host, _ = await connect(session_id)
    await late_host.send("hello", {"name": "Hal", "host_key": key})
    assert (await late_host.receive_type("integrity_events"))["data"]["events"] == events
    late = Recording((await connect(session_id))[0])
    await late.send("hello", {"name": "Di"})
    for candidate in (bo, cy, late):
        frames = await candidate.drain()
        assert not [f for f in map(json.loads, candidate.frames) if f["type"].startswith("integrity")], frames
        assert "1240" not in frames and "150000" not in frames
    # Kept: in the history (hosts) and summed up per person in the report.
    auth = {"Authorization": f"Bearer {key}"}
    history = await (await client.get(f"/api/sessions/{session_id}/history", headers=auth)).json()
    assert history["integrity"] == events
    report = await (await client.get(f"/api/sessions/{session_id}/report", headers=auth)).json()
    (bo_summary,) = [person for person in report["integrity"] if person["name"] == "Bo"]
    assert bo_summary == {
        "participant": bo_id,
        "name": "Bo",
        "pastes": 2,
        "largest_paste": 1240,
        "external_pastes": 1,
        "away_ms": 250_400,
        "away_spans": 2,
        "bursts": 1,
        "runs": 0,
        "first_ok_run_at": None,
    }
    page = await (await client.get(f"/api/sessions/{session_id}/report.html", headers=auth)).text()
    assert "2 pastes, largest 1,240 characters" in page and "away 4 min 10 s in 2 spans" in page
    assert "cheat" not in page.lower()


@pytest.mark.parametrize(
    ("data", "says"),
    [
        ({"kind": "copy", "chars": 1}, "data.kind must be one of: paste, away, burst"),
        ({"kind": "paste", "chars": 0, "external": True}, "data.chars must be a number from 1 to"),
        ({"kind": "paste", "chars": 10**8, "external": True}, "data.chars must be a number from 1 to 10,000,000"),
        ({"kind": "paste", "chars": 5, "external": "yes"}, "data.external must be true or false"),
        ({"kind": "paste", "chars": True, "external": True}, "data.chars must be a number"),
        ({"kind": "away", "ms": -1, "reason": "hidden"}, "data.ms must be a number from 1 to"),
        ({"kind": "away", "ms": 5, "reason": "asleep"}, "data.reason must be one of: hidden, blur"),
        ({"kind": "burst", "chars": 5, "ms": 5}, "data.ms must be a number from 100 to 60,000"),
        ({"kind": "paste", "chars": 5, "external": True, "participant": "h0st"}, "unexpected field(s) 'participant'"),
        ({"kind": "away", "ms": 5, "reason": "blur", "name": "Hana"}, "unexpected field(s) 'name'"),
        ({"kind": "burst", "chars": 5, "ms": 500, "at": 0}, "unexpected field(s) 'at'"),
        ({"kind": "paste", "chars": 5, "external": True, "ms": 3}, "a paste has no field 'ms'"),
    ],
)
async def test_bad_and_forged_events_are_refused(connect, client, data, says):
    created = await create(client)
    host, _ = await join(connect, created["session_id"], "Hana", host_key(created))
    bo, _ = await join(connect, created["session_id"], "Bo")
    await bo.send("integrity_event", data)
    message = (await bo.receive_type("error"))["data"]["message"]
    assert message.startswith("integrity_event: ") and says in message, message


async def test_events_need_hello_and_have_a_rate(connect, client):
    created = await create(client)
    script, _ = await connect(created["session_id"])
    await script.send("integrity_event", {"kind": "away", "ms": 5, "reason": "blur"})
    assert "say hello first" in (await script.receive_type("error"))["data"]["message"]
    bo, _ = await join(connect, created["session_id"], "Bo")
    for _ in range(INTEGRITY_BURST + 10):
        await bo.send("integrity_event", {"kind": "away", "ms": 5, "reason": "blur"})
    await bo.send("pull", {"version": -1})  # answered after every one of them
    errors = []
    while "pull:" not in (message := (await bo.receive_type("error"))["data"])["message"]:
        errors.append(message)
    assert len(errors) >= 5 and {error["code"] for error in errors} == {"rate_limited"}

"""The `history` frame a joiner receives is bounded in bytes as sent: long run output keeps its end (marked, with
how much was left out) and GET /api/sessions/{id}/runs/{run} answers the whole of it."""

from __future__ import annotations

import json

import pytest

from interview_server import protocol
from interview_server.activity import (
    HISTORY_MAX_BYTES,
    HISTORY_RUN_OUTPUT_BYTES,
    MAX_RUN_OUTPUT_CHARS,
    RECENT_CHAT,
    RECENT_RUNS,
    Activity,
)
from interview_server.app import create_app
from interview_server.config import Config

from .conftest import Peer

EMOJI_CHUNK = 50_000  # emoji per run_output: 200 KB as UTF-8, under MAX_MESSAGE_BYTES
ENDING = "\nTraceback (most recent call last):\nValueError: the end 😀\n"


async def send_utf8(peer: Peer, type_: str, data: dict) -> None:
    """As a browser sends: UTF-8 JSON (an ASCII-escaped emoji would take 12 bytes of MAX_MESSAGE_BYTES); half an
    emoji as its escape."""
    text = json.dumps({"type": type_, "data": data}, ensure_ascii=False)
    await peer.ws.send_str(text.encode("utf-8", "backslashreplace").decode("utf-8"))


async def joined(client, session_id: str, name: str) -> tuple[Peer, str]:
    """A participant who said hello; returns (peer, the raw `history` frame it got)."""
    peer = Peer(await client.ws_connect(f"/ws/{session_id}", max_msg_size=0))
    assert (await peer.receive())["type"] == "session_state"
    await peer.send("hello", {"name": name})
    assert (await peer.receive())["type"] == "welcome"
    frame = await peer.ws.receive_str(timeout=30)
    assert json.loads(frame)["type"] == "history"
    assert (await peer.receive())["type"] == "session_info"
    return peer, frame


async def still_connected(peer: Peer) -> None:
    """The peer is served after its history: its chat message comes back to it."""
    await peer.send("chat", {"text": "still here"})
    assert (await peer.receive_type("chat", timeout=30))["data"]["message"]["text"] == "still here"


@pytest.fixture(params=["memory", "sqlite"])
async def roomy_client(request, aiohttp_client, tmp_path):
    """A server whose byte rate lets a test send 8 MB of run output in a moment."""
    return await aiohttp_client(create_app(Config(store=request.param, data_dir=str(tmp_path), byte_rate=0)))


async def test_a_late_joiner_gets_history_under_the_cap_after_ten_runs_of_200000_emoji(roomy_client):
    client = roomy_client
    session_id = (await (await client.post("/api/sessions")).json())["session_id"]
    runner, _ = await joined(client, session_id, "Ada")
    body = "😀" * (MAX_RUN_OUTPUT_CHARS - len(ENDING))
    for _ in range(RECENT_RUNS):
        await runner.send("run_start", {"version": 0, "language": "python"})
        for start in range(0, len(body), EMOJI_CHUNK):
            await send_utf8(runner, "run_output", {"stream": "stdout", "text": body[start : start + EMOJI_CHUNK]})
        await send_utf8(runner, "run_output", {"stream": "stderr", "text": ENDING})
        await runner.send("run_end", {"status": "error", "duration_ms": 5})
        await runner.receive_type("run_finished", timeout=30)

    for when in ("live", "loaded from the store"):
        if when != "live":
            await runner.close()
        joiner, frame = await joined(client, session_id, "Bo")
        assert len(frame.encode("utf-8")) <= HISTORY_MAX_BYTES, when
        runs = json.loads(frame)["data"]["runs"]
        assert len(runs) == RECENT_RUNS
        for run in runs:
            kept = "".join(chunk["text"] for chunk in run["output"])
            assert run["output_shortened"] is True and run["output_chars"] == MAX_RUN_OUTPUT_CHARS
            assert run["output_omitted_chars"] == MAX_RUN_OUTPUT_CHARS - len(kept)
            assert kept.endswith(ENDING) and run["output"][-1] == {"stream": "stderr", "text": ENDING}
            assert (
                len(json.dumps(run["output"], ensure_ascii=False, separators=(",", ":")).encode())
                <= HISTORY_RUN_OUTPUT_BYTES
            )
            assert len(kept) > HISTORY_RUN_OUTPUT_BYTES // 4 - 100  # about as much as fits: 4 bytes an emoji
            assert (run["status"], run["truncated"]) == ("error", False)
        await still_connected(joiner)
        await joiner.close()


def activity_with(outputs: list[list[tuple[str, str]]], chat_text: str = "", name: str = "Bo") -> Activity:
    activity = Activity("s", store=None)
    person = {"id": "p1", "name": name, "color": "#2563eb"}
    for output in outputs:
        run = activity.start_run(person, 0, "python")
        for stream, text in output:
            run.add_output(stream, text)
        activity.end_run("p1", "ok", 1)
    for _ in range(RECENT_CHAT if chat_text else 0):
        activity.add_chat(activity.new_chat(person, chat_text))
    return activity


@pytest.mark.parametrize(
    "kind, output, chat",
    [
        ("emoji", [("stdout", "😀" * MAX_RUN_OUTPUT_CHARS)], ""),
        ("CJK, and the longest chat messages", [("stdout", "中" * MAX_RUN_OUTPUT_CHARS)], "中" * 2000),
        ("control characters (6-byte escapes)", [("stdout", "\x01" * MAX_RUN_OUTPUT_CHARS)], "😀" * 1000),
        ("half an emoji: the frame goes ASCII-escaped", [("stdout", "\ud83d" + "😀" * (MAX_RUN_OUTPUT_CHARS - 1))], ""),
        (
            "one character per chunk, streams alternating",
            [("stdout" if i % 2 else "stderr", "x") for i in range(20_000)],
            "",
        ),
    ],
)
def test_history_frame_stays_under_the_cap_whatever_the_characters(kind, output, chat):
    activity = activity_with([output] * RECENT_RUNS, chat, name="😀" * 40)
    frame = protocol.history(*activity.history())
    assert len(frame.encode("utf-8")) <= HISTORY_MAX_BYTES, kind
    runs = json.loads(frame)["data"]["runs"]
    assert all(run["output_shortened"] and run["output_omitted_chars"] > 0 for run in runs)
    whole = []  # as the server keeps it: neighbours of one stream merged
    for stream, text in output:
        if whole and whole[-1][0] == stream:
            whole[-1] = (stream, whole[-1][1] + text)
        else:
            whole.append((stream, text))
    for run in runs:  # the end of the output, as it was
        kept = [(chunk["stream"], chunk["text"]) for chunk in run["output"]]
        first = whole[len(whole) - len(kept)]
        assert kept[1:] == whole[len(whole) - len(kept) + 1 :]
        assert kept[0][0] == first[0] and first[1].endswith(kept[0][1])
    assert activity.history() == activity.history()  # the same again (finished runs are cut once)


async def test_a_runs_whole_output_is_served_by_id_to_anyone_with_the_link(client, connect, session_id):
    ada, _ = await connect(session_id)
    await ada.send("hello", {"name": "Ada"})
    chunks = [("stdout", "é" * 60_000), ("stderr", "\ud83d half an emoji\n"), ("stdout", "😀" * 40_000 + "</script>\n")]
    await ada.send("run_start", {"version": 0, "language": "python"})
    run_id = (await ada.receive_type("run_started"))["data"]["run"]["id"]
    for stream, text in chunks:
        await send_utf8(ada, "run_output", {"stream": stream, "text": text})
    await ada.send("run_end", {"status": "ok", "duration_ms": 7})
    await ada.receive_type("run_finished")

    url = f"/api/sessions/{session_id}/runs/{run_id}"
    response = await client.get(url)
    assert response.status == 200 and response.content_type == "application/json"
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    run = json.loads(await response.read())
    assert run["output"] == [{"stream": stream, "text": text} for stream, text in chunks]
    assert run["output_chars"] == sum(len(text) for _, text in chunks)
    assert (run["id"], run["name"], run["status"], run["duration_ms"], run["truncated"]) == (
        run_id,
        "Ada",
        "ok",
        7,
        False,
    )

    unknown_session = "00000000-0000-4000-8000-000000000000"
    for path, status, error in [
        (f"/api/sessions/{session_id}/runs/r-000000000000", 404, "run not found"),
        (f"/api/sessions/{unknown_session}/runs/{run_id}", 404, "session not found"),
        (f"/api/sessions/{session_id}/runs/{run_id.upper()}", 400, "malformed run id"),
        (f"/api/sessions/{session_id}/runs/{run_id}%0A", 400, "malformed run id"),
        (f"/api/sessions/{session_id}/runs/r-{'0' * 13}", 400, "malformed run id"),
        (f"/api/sessions/{session_id[:-1]}/runs/{run_id}", 400, "malformed session id"),
    ]:
        response = await client.get(path)
        assert response.status == status, path
        assert (await response.json())["error"].startswith(error), path


def test_long_output_is_cut_at_the_start_of_a_line_and_short_output_is_sent_as_before():
    lines = [f"line {n:06d} é\n" for n in range(14_000)]  # 196,000 characters: all kept by the server
    short = [("stdout", "1\n"), ("stderr", "😀\n")]
    long_run, short_run = activity_with([[("stdout", "".join(lines))], short]).history()[0]
    kept = long_run["output"][0]["text"]
    assert kept.startswith("line ") and "".join(lines).endswith(kept)
    assert long_run["output_omitted_chars"] == len("".join(lines)) - len(kept)
    assert short_run["output"] == [{"stream": stream, "text": text} for stream, text in short]
    assert "output_shortened" not in short_run and "output_chars" not in short_run

"""What playback gets from the server: every name a participant had (with when), a start after compaction, and the
history and export written in pieces that add up to exactly what one render would have made."""

from __future__ import annotations

import asyncio
import json
import re

import aiohttp_jinja2
import jinja2
import pytest

from interview_server import export, hosting
from interview_server.activity import MAX_NAMES
from interview_server.assets import Assets
from interview_server.changes import Text
from interview_server.keys import ASSETS, STORE

from .test_hosting import create, host_key, join


def old_render(history: dict, assets: Assets, env: jinja2.Environment) -> str:
    """The export as it was made in one string before it was streamed (the reference for the bytes)."""
    script, style = (export._built(assets, name) for name in (export.PLAYER_SCRIPT, export.PLAYER_STYLE))
    return env.get_template("export.html").render(
        title=history["title"] or "Interview",
        history_json=export._script_safe(json.dumps(history, separators=(",", ":"))),
        player_script=export._inline_safe(script, "script"),
        player_style=export._inline_safe(style, "style"),
    )


async def push_chars(peer, version: int, text: Text, chars: str) -> tuple[int, Text]:
    """One push of one update per character, each appended at the end; returns the new (version, text)."""
    updates = []
    for char in chars:
        change = [len(text), [0, char]]
        updates.append({"clientID": "c", "changes": change})
        text = text.apply(change)
    await peer.send("push", {"version": version, "updates": updates})
    while (await peer.receive_type("updates", timeout=30))["data"]["version"] != version:
        pass
    return version + len(chars), text


async def get_history(client, session_id: str, key: str) -> dict:
    response = await client.get(f"/api/sessions/{session_id}/history", headers={"Authorization": f"Bearer {key}"})
    assert response.status == 200, await response.text()
    return json.loads(await response.read())


async def test_playback_keeps_every_name_a_participant_had_with_when(client, connect):
    created = await create(client)
    session_id, key = created["session_id"], host_key(created)
    host, _ = await join(connect, session_id, "Ada", key)
    bo, me = await join(connect, session_id, "Bo")
    text = Text.from_str((await connect(session_id))[1]["data"]["code"])
    version, text = await push_chars(bo, 0, text, "a")
    await bo.send("set_name", {"name": "Bob"})
    await host.receive_type("participants")
    version, text = await push_chars(bo, version, text, "b")

    history = await get_history(client, session_id, key)
    bo_id = me["participant"]["id"]
    person = history["participants"][bo_id]
    assert person["name"] == "Bob"  # the latest, as before
    assert [entry["name"] for entry in person["names"]] == ["Bo", "Bob"]
    named, renamed = (entry["at"] for entry in person["names"])
    first_edit, second_edit = (update["at"] for update in history["updates"])
    assert named <= first_edit <= renamed <= second_edit  # server ms: the first edit was made as "Bo"

    # Renamed many times: the first name and the latest ones are kept, MAX_NAMES in all.
    for n in range(MAX_NAMES + 5):
        await bo.send("set_name", {"name": f"Bo {n}"})
        await host.receive_type("participants")
    await bo.send("chat", {"text": "done"})  # handled once the last rename is stored (one message at a time)
    await host.receive_type("chat")
    names = [entry["name"] for entry in (await get_history(client, session_id, key))["participants"][bo_id]["names"]]
    assert names == ["Bo", *[f"Bo {n}" for n in range(6, MAX_NAMES + 5)]] and len(names) == MAX_NAMES
    assert "Bob" not in names


async def test_after_compaction_playback_starts_where_the_log_was_kept(client, connect):
    created = await create(client)
    session_id, key = created["session_id"], host_key(created)
    host, _ = await join(connect, session_id, "Ada", key)
    viewer, state = await connect(session_id)
    text = Text.from_str(state["data"]["code"])
    texts = {0: str(text)}
    version = 0
    for chars in ("é" * 100, "😀" * 100, "x\n" * 25):
        version, text = await push_chars(host, version, text, chars)
        texts[version] = str(text)
    assert version == 250
    store = client.server.app[STORE]
    stored = await store.get(session_id)
    start = Text.from_str(texts[0])
    for update in (await store.updates_since(session_id, 0))[:200]:
        start = start.apply(update.changes)
    # What compaction past 200,000 versions leaves (recording.py), here at 200: the start kept in the meta.
    await store.set_meta(session_id, hosting.PLAYBACK_START, {"version": 200, "text": str(start)})
    await store.compact(session_id, 200)
    assert await store.updates_since(session_id, 0) is None and stored.version == 250

    for when in ("live", "nobody connected"):
        if when != "live":
            await host.close()
            await viewer.close()
            deadline = asyncio.get_running_loop().time() + 10
            while users := (await (await client.get(f"/api/sessions/{session_id}")).json())["active_users"]:
                assert asyncio.get_running_loop().time() < deadline, f"{users} users still counted after both left"
                await asyncio.sleep(0.02)  # the session is let go once its last socket has closed
        history = await get_history(client, session_id, key)
        assert history["start"] == {"version": 200, "text": str(start)} and history["compacted_before"] == 200
        assert len(history["updates"]) == 50 and history["version"] == 250
        replayed = Text.from_str(history["start"]["text"])
        for update in history["updates"]:
            replayed = replayed.apply(update["changes"])
        assert str(replayed) == history["text"] == texts[250]
        export_response = await client.get(
            f"/api/sessions/{session_id}/export.html", headers={"Authorization": f"Bearer {key}"}
        )
        assert export_response.status in (200, 503)  # 503: the frontend is not built

    # Compacted by a server that kept no start: playback from where the session is now, not a 409.
    await store.set_meta(session_id, hosting.PLAYBACK_START, None)
    history = await get_history(client, session_id, key)
    assert history["start"] == {"version": 250, "text": texts[250]} and history["updates"] == []
    assert history["compacted_before"] == 250
    # Only a session whose start was never kept cannot be replayed.
    await store.set_meta(session_id, hosting.START_TEXT, None)
    response = await client.get(f"/api/sessions/{session_id}/history", headers={"Authorization": f"Bearer {key}"})
    assert response.status == 409 and "starting text was not kept" in (await response.json())["error"]


async def test_export_and_history_are_written_in_pieces_that_add_up_to_one_render(client, connect):
    created = await create(client, title="Café 😀 </script>")
    session_id, key = created["session_id"], host_key(created)
    host, _ = await join(connect, session_id, "Ada é 😀", key)
    text = Text.from_str((await connect(session_id))[1]["data"]["code"])
    version = 0
    for chars in ("é😀<" * 333, "</script>\u2028" * 100, "<!--x" * 60):  # 2,299 updates: three pieces
        version, text = await push_chars(host, version, text, chars)
    await host.send("chat", {"text": "</script><script>alert('é 😀')</script>"})
    await host.receive_type("chat")
    for output in ("😀" * 1000, "</script> é\n"):
        await host.send("run_start", {"version": version, "language": "python"})
        await host.send("run_output", {"stream": "stdout", "text": output})
        await host.send("run_end", {"status": "ok", "duration_ms": 3})
        await host.receive_type("run_finished")

    response = await client.get(f"/api/sessions/{session_id}/export.html", headers={"Authorization": f"Bearer {key}"})
    if response.status == 503:
        pytest.skip("the frontend is not built")
    assert response.status == 200 and response.content_type == "text/html"
    assert response.headers.get("Transfer-Encoding") == "chunked" and "Content-Length" not in response.headers
    assert response.headers["Cache-Control"] == "no-store" and response.headers["X-Content-Type-Options"] == "nosniff"
    streamed = await response.read()
    data = re.search(rb'<script type="application/json" id="session-data">(.*?)</script>', streamed, re.DOTALL).group(1)
    history = json.loads(data)
    assert len(history["updates"]) == version == 2299 and history["chat"][0]["text"].startswith("</script>")
    assert [run["output"][0]["text"] for run in history["runs"]] == ["😀" * 1000, "</script> é\n"]
    env = aiohttp_jinja2.get_env(client.server.app)
    assert streamed == old_render(history, client.server.app[ASSETS], env).encode("utf-8")

    response = await client.get(f"/api/sessions/{session_id}/history", headers={"Authorization": f"Bearer {key}"})
    assert response.headers.get("Transfer-Encoding") == "chunked" and response.content_type == "application/json"
    assert response.headers["Cache-Control"] == "no-store"
    raw = await response.read()
    assert "😀".encode() in raw  # UTF-8, not ASCII escapes: a quarter of the bytes for emoji
    assert {**json.loads(raw), "exported_at": None} == {**history, "exported_at": None}

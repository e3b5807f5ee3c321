"""The playback model (static/src/playback/timeline.js) replays a session's history exactly: text and
authorship at every version against a naive replay, UTF-16 units, events in time order (run in Node)."""

from __future__ import annotations

import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_playback_model_matches_a_naive_replay():
    result = subprocess.run(
        ["node", "tests/node/playback.test.mjs"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=120,
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    assert "# fail 0" in result.stdout and "# pass 9" in result.stdout, result.stdout[-2000:]


def test_call_spans_follow_joins_mutes_and_leaves():
    """static/src/playback/call-spans.js (tests/node/call-spans.test.mjs): history.calls as spans per person."""
    result = subprocess.run(
        ["node", "--test", "tests/node/call-spans.test.mjs"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=120,
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    assert "# fail 0" in result.stdout and "# pass 3" in result.stdout, result.stdout[-2000:]

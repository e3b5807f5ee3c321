"""Integrity signals summed up in words and, with comments, as playback events (static/src/integrity/summary-text.js,
static/src/playback/review-events.js through timeline.js; run in Node)."""

from __future__ import annotations

import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_summaries_and_playback_events():
    result = subprocess.run(
        ["node", "tests/node/review.test.mjs"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=120,
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    assert "# fail 0" in result.stdout and "# pass 3" in result.stdout, result.stdout[-2000:]

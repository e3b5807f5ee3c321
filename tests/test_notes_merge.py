"""The hosts' notes merge (static/src/notes-merge.js) keeps everyone's typing: its Node tests, run with node."""

from __future__ import annotations

import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_notes_merge_keeps_both_peoples_text():
    result = subprocess.run(
        ["node", "--test", "tests/node/notes-merge.test.mjs"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        encoding="utf-8",
        errors="replace",
        timeout=120,
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    assert "# fail 0" in result.stdout and "# pass 5" in result.stdout, result.stdout[-2000:]

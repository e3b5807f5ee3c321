"""The whiteboard's document model (static/src/board/board-document.js) in Node (tests/node/board-document.test.mjs):
lenient parsing, updates applied once and in order, pending operations answered in order and resent after a
reconnect without doubling a draw, clients with disconnects ending identical, playback's text at any update, and ChangeSet JSON applied as @codemirror/state applies it."""

from __future__ import annotations

import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_board_document_converges_and_replays():
    result = subprocess.run(
        ["node", "--test", "tests/node/board-document.test.mjs"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        encoding="utf-8",
        errors="replace",
        timeout=120,
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    assert "# fail 0" in result.stdout and "# pass 7" in result.stdout, result.stdout[-2000:]

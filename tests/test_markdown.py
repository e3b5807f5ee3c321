"""static/src/markdown.js in Node (tests/node/markdown.test.mjs): the blocks and inlines it reads, links it
refuses, the DOM it builds (never innerHTML), and its speed on adversarial input."""

from __future__ import annotations

import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_markdown_renderer_in_node():
    result = subprocess.run(
        ["node", "--test", "tests/node/markdown.test.mjs"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=120,
    )
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]

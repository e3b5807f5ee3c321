"""Running a Node test file of the page's own modules (tests/node/*.test.mjs) from pytest, and checking its count."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def run_node_tests(path: str, passes: int, *, node_test_runner: bool = True) -> str:
    """Run `path` (with `node --test`, or plainly for a file that prints TAP itself); assert it passed, with exactly
    `passes` tests (a file whose tests quietly vanished fails too). Its output."""
    command = ["node", "--test", path] if node_test_runner else ["node", path]
    result = subprocess.run(
        command, cwd=ROOT, capture_output=True, text=True, encoding="utf-8", errors="replace", timeout=120
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    assert "# fail 0" in result.stdout, result.stdout[-2000:]
    found = re.search(r"^# pass (\d+)$", result.stdout, re.MULTILINE)
    assert found and int(found.group(1)) == passes, result.stdout[-2000:]
    return result.stdout

"""A ~10 s soak (bench/soak.py) against a real server: after clients come, type and go, nothing leaks."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.system  # counts what a load leaves behind (no timing): runs in parallel with the rest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.timeout(90)
def test_short_soak_leaves_no_connections_sessions_tasks_or_fds(tmp_path):
    result_path = tmp_path / "soak.json"
    process = subprocess.run(
        [
            sys.executable,
            str(ROOT / "bench" / "soak.py"),
            "--minutes",
            "0.17",
            "--store",
            "sqlite",
            "--connections",
            "24",
            "--participants",
            "3",
            "--lifetime",
            "5",
            "--wave-every",
            "1.25",
            "--sample-every",
            "2",
            "--settle",
            "4",
            "--json",
            str(result_path),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=80,
    )
    assert result_path.exists(), process.stdout + process.stderr
    result = json.loads(result_path.read_text())
    failed = [name for name, ok in result["checks"].items() if not ok]
    assert not failed, f"{failed}\n{process.stdout}"
    assert process.returncode == 0, process.stdout + process.stderr

    totals, end, baseline = result["totals"], result["end"], result["baseline"]
    # The load was real: sockets came and went both ways, and edits went through (whether pushes also
    # collided depends on timing, so it is not asked here).
    assert totals["clean_closes"] > 5 and totals["aborts"] > 5
    assert totals["pushes_accepted"] > 100
    assert totals["received_by_type"].get("chat", 0) + totals["received_by_type"].get("cursor", 0) > 0
    assert max(sample["connections"] for sample in result["samples"]) >= 12
    assert end["connections"] == 0 and end["live_sessions"] == 0 and end["tcp_clients"] == 0
    assert end["tasks"] <= baseline["tasks"] + 2

"""A few seconds of bench/load.py on every store: the benchmark itself works and measures real traffic
(figures are the benchmark's business, not a test's: see docs/PERFORMANCE.md)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.system  # asserts that the benchmark works (with 5x margins), not how fast: runs in parallel

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.timeout(180)
def test_short_load_run_measures_every_store(tmp_path):
    process = subprocess.run(
        [
            sys.executable,
            str(ROOT / "bench" / "load.py"),
            "--stores",
            "memory,sqlite,redis",
            "--sessions",
            "20",
            "--participants",
            "3",
            "--hot",
            "6",
            "--seconds",
            "3",
            "--warmup",
            "1",
            "--results",
            str(tmp_path),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=170,
    )
    assert process.returncode == 0, process.stdout + process.stderr
    assert "store    conns group" in process.stdout  # the table
    summaries = json.loads((tmp_path / "load.json").read_text())["summaries"]
    assert [summary["store"] for summary in summaries] == ["memory", "sqlite", "redis"]
    for summary in summaries:
        assert (tmp_path / f"load-{summary['store']}.json").exists()
        assert summary["connections"] == 20 * 3 + 6 and summary["connect_failures"] == 0
        assert not summary["errors"] and summary["resyncs"] == 0 and summary["gaps"] == 0
        assert summary["unconfirmed_after_drain"] == 0  # every typed update went through
        for name, group in summary["groups"].items():
            # ~2.5 updates/s per typist for 3 s (20 typists + a few others, or 6 hot ones), each seen by the others
            assert group["confirmed"] > (40 if name == "normal" else 20), (name, group)
            assert group["deliveries"] >= group["confirmed"], (name, group)
            assert 0 < group["p50_ms"] <= group["p99_ms"] <= group["max_ms"]
        assert summary["server_cpu_pct"] > 0 and summary["idle_kib_per_connection"] > 0

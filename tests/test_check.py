"""`interview-server --check`: the resolved settings, and whether assets and store are usable."""

from __future__ import annotations

import subprocess
import sys

from .support.server_process import ROOT


def check(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "interview_server", "--check", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_check_reports_settings_with_their_source_and_says_usable(tmp_path):
    result = check("--store", "sqlite", "--data-dir", str(tmp_path), env={"PATH": "/usr/bin", "MAX_PARTICIPANTS": "4"})
    assert result.returncode == 0, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    assert any(line.split()[:3] == ["STORE", "sqlite", "(flag)"] for line in lines), result.stdout
    assert any(line.split()[:3] == ["MAX_PARTICIPANTS", "4", "(env)"] for line in lines)
    assert any(line.split()[:3] == ["HEARTBEAT_SECONDS", "25.0", "(default)"] for line in lines)
    assert (
        "ok    static assets" in result.stdout
        and f"ok    store: sqlite ({tmp_path}/sessions.db) opens" in result.stdout
    )
    assert lines[-1] == "Usable."


def test_check_fails_on_missing_assets_and_an_unreachable_store_without_showing_the_password(tmp_path):
    result = check("--static-dir", str(tmp_path), "--store", "redis", "--redis-url", "redis://:s3cret@127.0.0.1:1/0")
    assert result.returncode == 1
    assert "FAIL  static assets: dist/manifest.json" in result.stdout
    assert "FAIL  store redis: cannot open it" in result.stdout
    assert "s3cret" not in result.stdout + result.stderr

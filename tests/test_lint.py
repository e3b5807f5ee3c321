"""The code is checked as part of the tests: the page's ES modules type-check from their JSDoc (tsc --checkJs,
static/tsconfig.json), and the Python passes ruff's lint and format checks (pyproject.toml)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def run(*command: str) -> subprocess.CompletedProcess:
    return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=300)


def test_the_page_modules_type_check():
    result = run(str(ROOT / "node_modules" / ".bin" / "tsc"), "-p", "static")
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_python_passes_ruff_lint():
    result = run(sys.executable, "-m", "ruff", "check", ".")
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_python_is_formatted():
    result = run(sys.executable, "-m", "ruff", "format", "--check", ".")
    assert result.returncode == 0, result.stdout + result.stderr

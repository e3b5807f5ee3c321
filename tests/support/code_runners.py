"""Code run as the page's workers run it (CPython in a subprocess; Node with the code as the body of an async
function, TypeScript's types stripped first by the page's own module; Lua through the Lua worker's own module on
the same wasm; SQL through the SQL worker's), and the hidden checks' program built and read back by the page's own
module (static/src/grading/hidden-program.js, through tests/support/hidden_program.mjs)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from .server_process import ROOT

BRIDGE = ROOT / "tests" / "support" / "hidden_program.mjs"
TS_RUNNER = ROOT / "tests" / "support" / "ts_runner.mjs"
SQL_RUNNER = ROOT / "tests" / "support" / "sql_runner.mjs"
LUA_RUNNER = ROOT / "tests" / "support" / "lua_runner.mjs"
NONCE = "0123456789abcdef01234567"

# The page's JavaScript worker runs the code as the body of an async function, in sloppy mode.
NODE_RUNNER = """
const AsyncFunction = (async () => {}).constructor;
const code = require("fs").readFileSync(0, "utf8");
new AsyncFunction(code)().catch((error) => { console.error(error); process.exit(1); });
"""


def run_python(code: str) -> str:
    """Run code in a fresh CPython; its output, after checking nothing escaped."""
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=60,
        env={**os.environ, "PYTHONIOENCODING": "utf-8"},
    )
    assert result.returncode == 0 and "Traceback" not in result.stderr, result.stderr
    return result.stdout


def run_javascript(code: str) -> str:
    """Run code in Node the way the page's worker does; its output, after checking nothing escaped."""
    result = subprocess.run(
        ["node", "-e", NODE_RUNNER], input=code, capture_output=True, text=True, encoding="utf-8", timeout=60
    )
    assert result.returncode == 0 and not result.stderr, result.stderr
    return result.stdout


def run_typescript(code: str) -> str:
    """Run code in Node the way the page's TypeScript worker does (its types stripped by the page's own module)."""
    result = subprocess.run(
        ["node", str(TS_RUNNER)], input=code, capture_output=True, text=True, encoding="utf-8", timeout=60
    )
    assert result.returncode == 0 and not result.stderr, result.stderr
    return result.stdout


def lua_run(code: str, stdin: str = "") -> dict:
    """Run Lua as the page's Lua worker does: {"status": "ok" | "error", "stdout", "stderr"}."""
    return lua_runs([code], stdin)[0]


def lua_runs(codes: list[str], stdin: str = "") -> list[dict]:
    """Run Lua programs one after the other on one wasm instance, as the page's Lua worker does."""
    result = subprocess.run(
        ["node", str(LUA_RUNNER)],
        input=json.dumps({"runs": [{"code": code, "stdin": stdin} for code in codes]}),
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def run_lua(code: str) -> str:
    """Run Lua as the page's Lua worker does; its output, after checking nothing escaped."""
    result = lua_run(code)
    assert result["status"] == "ok" and not result["stderr"], result["stderr"]
    return result["stdout"]


RUNNERS = {"python": run_python, "javascript": run_javascript, "typescript": run_typescript, "lua": run_lua}


def bridge(asked: dict) -> str:
    """One call of the page's hidden-program module (see hidden_program.mjs)."""
    result = subprocess.run(
        ["node", str(BRIDGE)], input=json.dumps(asked), capture_output=True, text=True, encoding="utf-8", timeout=30
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def run_sql(code: str, schema: str = "") -> dict:
    """{status, stdout, stderr, version} of a run as the page's SQL worker makes it (its module, its wasm, in Node)."""
    result = subprocess.run(
        ["node", str(SQL_RUNNER)],
        input=json.dumps({"schema": schema, "code": code}),
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def graded(language: str, code: str, checks: str, ending: str = "", schema: str = "") -> dict:
    """Build the program with the page's module, run it like the page's worker, read the results back (SQL: on a
    fresh database made from `schema`; a run that fails says why, as the host's page does)."""
    program = bridge({"build": {"language": language, "code": code, "checks": checks, "nonce": NONCE}})
    if language == "sql":
        run = run_sql(program, schema)
        output, ending = run["stdout"], ending or (run["stderr"] if run["status"] != "ok" else "")
    else:
        output = RUNNERS[language](program)
    return json.loads(bridge({"read": {"output": output, "nonce": NONCE, "ending": ending}}))

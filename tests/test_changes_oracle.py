"""The server applies ChangeSets exactly as the real @codemirror/state does (run in Node), unit for unit."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from interview_server.changes import Text, canonical_changes

ROOT = Path(__file__).resolve().parent.parent


def test_python_matches_codemirror_on_random_unicode_changesets():
    output = subprocess.run(
        ["node", "tests/node/changes_oracle.mjs", "3000", "42"],
        cwd=ROOT, check=True, capture_output=True, text=True, encoding="utf-8", errors="surrogatepass",
    ).stdout
    cases = [json.loads(line) for line in output.splitlines()]
    assert len(cases) == 3000
    mismatches = []
    for case in cases:
        doc = Text.from_str(case["doc"])
        result = doc.apply(canonical_changes(case["changes"], len(doc)))
        if str(result) != case["result"]:
            mismatches.append(case)
    assert not mismatches, f"{len(mismatches)} of {len(cases)} differ, e.g. {mismatches[0]}"

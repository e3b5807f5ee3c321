"""The server applies ChangeSets, and maps positions through them (cursors), exactly as the real
@codemirror/state does (run in Node), unit for unit."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from interview_server.changes import Text, canonical_changes, map_position

ROOT = Path(__file__).resolve().parent.parent


def test_python_matches_codemirror_on_random_unicode_changesets():
    output = subprocess.run(
        ["node", "tests/node/changes_oracle.mjs", "3000", "42"],
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
        encoding="utf-8",
        errors="surrogatepass",
    ).stdout
    cases = [json.loads(line) for line in output.splitlines()]
    assert len(cases) == 3000
    mismatches, mapping_mismatches = [], []
    for case in cases:
        doc = Text.from_str(case["doc"])
        changes = canonical_changes(case["changes"], len(doc))
        if str(doc.apply(changes)) != case["result"]:
            mismatches.append(case)
        for pos, assoc, expected in case["mapped"]:
            if map_position(changes, pos, assoc) != expected:
                mapping_mismatches.append((case["changes"], pos, assoc, expected))
    assert not mismatches, f"{len(mismatches)} of {len(cases)} differ, e.g. {mismatches[0]}"
    assert sum(len(case["mapped"]) for case in cases) > 50_000
    assert not mapping_mismatches, f"{len(mapping_mismatches)} positions map differently, e.g. {mapping_mismatches[0]}"

"""Server-side rebasing (interview_server/rebase.py) gives exactly what the real @codemirror/state and
@codemirror/collab give (run in Node): ChangeSet map (both sides of a tie), and pushed updates moved
over accepted ones one at a time, as the page receives them."""

from __future__ import annotations

import json
import subprocess
from collections import Counter
from pathlib import Path

from interview_server.protocol import Update
from interview_server.rebase import map_changes, rebase_updates

ROOT = Path(__file__).resolve().parent.parent


def _updates(items: list[dict]) -> list[Update]:
    return [Update(item["clientID"], item["changes"]) for item in items]


def test_map_compose_and_rebase_match_codemirror():
    output = subprocess.run(
        ["node", "tests/node/rebase_oracle.mjs", "2000", "7"],
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
        encoding="utf-8",
        errors="surrogatepass",
    ).stdout
    cases = [json.loads(line) for line in output.splitlines()]
    kinds = Counter(case["kind"] for case in cases)
    assert kinds == {"map": 2000, "rebase": 2000}
    wrong = []
    for case in cases:
        if case["kind"] == "map":
            got = (map_changes(case["a"], case["b"]), map_changes(case["a"], case["b"], before=True))
            if got != (case["map"], case["mapBefore"]):
                wrong.append((case, got))
        else:
            got = [u.to_json() for u in rebase_updates(_updates(case["updates"]), _updates(case["over"]))]
            if got != case["rebased"]:
                wrong.append((case, got))
    assert not wrong, f"{len(wrong)} of {len(cases)} differ, e.g. {wrong[0]}"
    # The cases exercise what matters: ties, deletions over insertions, dropped duplicates.
    assert sum(1 for c in cases if c["kind"] == "map" and c["map"] != c["mapBefore"]) > 20
    assert sum(1 for c in cases if c["kind"] == "rebase" and len(c["rebased"]) < len(c["updates"])) > 100


def test_rebasing_goes_one_accepted_update_at_a_time():
    """Found by the convergence fuzz: collab's rebaseUpdates over two accepted updates at once (their
    composition) places Bo's "中𝒳" after Ada's "def ", while a client that received Ada's two updates
    one by one (as the page does) places it before: the server must do what the client does."""
    over = _updates(
        [{"clientID": "ada", "changes": [9, [0, "文字"]]}, {"clientID": "ada", "changes": [5, [5, "def "], 1]}]
    )
    pushed = _updates(
        [
            {"clientID": "bo", "changes": [3, [5], 1]},
            {"clientID": "bo", "changes": [3, [1, "中𝒳"]]},
            {"clientID": "bo", "changes": [4, [0, "🇫🇷"], 2]},
        ]
    )
    one_at_a_time = [[3, [2], 5], [3, [0, "中𝒳"], 5], [4, [0, "🇫🇷"], 7]]  # both from the real libraries
    all_at_once = [[3, [2], 5], [8, [0, "中𝒳"]], [9, [0, "🇫🇷"], 2]]
    assert [u.changes for u in rebase_updates(pushed, over)] == one_at_a_time != all_at_once

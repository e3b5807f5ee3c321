"""The hosts' notes merge (static/src/notes-merge.js) keeps everyone's typing: its Node tests, run with node."""

from __future__ import annotations

from .support.node_tests import run_node_tests


def test_notes_merge_keeps_both_peoples_text():
    run_node_tests("tests/node/notes-merge.test.mjs", 5)

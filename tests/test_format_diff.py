"""Format's changes (static/src/code-tools/diff.js) against the real @codemirror/state: its Node tests, run with node."""

from __future__ import annotations

from .support.node_tests import run_node_tests


def test_format_changes_give_the_formatted_text_and_keep_characters_in_place():
    run_node_tests("tests/node/format-diff.test.mjs", 6)

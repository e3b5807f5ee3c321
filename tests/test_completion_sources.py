"""The editor's completion sources (static/src/completion/) in Node, against the Python index the build ships: import
parsing, what Python offers where, JavaScript's curated globals, SQL's schema, and completionSources' contract."""

from __future__ import annotations

from .support.node_tests import run_node_tests


def test_the_completion_sources():
    run_node_tests("tests/node/completion.test.mjs", 9)

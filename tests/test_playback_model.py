"""The playback model (static/src/playback/timeline.js) replays a session's history exactly: text and
authorship at every version against a naive replay, UTF-16 units, events in time order (run in Node)."""

from __future__ import annotations

from .support.node_tests import run_node_tests


def test_playback_model_matches_a_naive_replay():
    run_node_tests("tests/node/playback.test.mjs", 9, node_test_runner=False)


def test_call_spans_follow_joins_mutes_and_leaves():
    """static/src/playback/call-spans.js (tests/node/call-spans.test.mjs): history.calls as spans per person."""
    run_node_tests("tests/node/call-spans.test.mjs", 3)

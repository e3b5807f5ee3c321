"""Integrity signals summed up in words and, with comments, as playback events (static/src/integrity/summary-text.js,
static/src/playback/review-events.js through timeline.js; run in Node)."""

from __future__ import annotations

from .support.node_tests import run_node_tests


def test_summaries_and_playback_events():
    run_node_tests("tests/node/review.test.mjs", 3, node_test_runner=False)

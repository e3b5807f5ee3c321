"""The whiteboard's document model (static/src/board/board-document.js) in Node (tests/node/board-document.test.mjs):
lenient parsing, updates applied once and in order, pending operations answered in order and resent after a
reconnect without doubling a draw, clients with disconnects ending identical, playback's text at any update, and ChangeSet JSON applied as @codemirror/state applies it."""

from __future__ import annotations

from .support.node_tests import run_node_tests


def test_board_document_converges_and_replays():
    run_node_tests("tests/node/board-document.test.mjs", 7)

"""The whiteboard's messages (protocol.py declares them; board.py keeps the board): operations on elements, each
answered to its sender with board_done once committed, pulls, and pointers relayed like cursors."""

from __future__ import annotations

from collections.abc import Callable

from . import protocol
from .handlers import Context, check_may_edit, handles
from .hub import Peer
from .limits import take_from_both
from .presence import CursorThrottle
from .protocol import (
    BOARD_OP_BURST,
    BOARD_OPS_PER_SECOND,
    BoardClear,
    BoardDraw,
    BoardErase,
    BoardMove,
    BoardPointer,
    BoardPull,
    ProtocolError,
)


def _take_op(ctx: Context, what: str) -> Callable[[], None]:
    """Count one board operation against the sender's rate; the check that it may draw now (in turn with the
    board's other operations: a lock or the end may come first)."""
    peer = ctx.peer
    if not take_from_both(peer.rate("board", BOARD_OPS_PER_SECOND, BOARD_OP_BURST), ctx.session.budgets.board):
        raise ProtocolError(
            f"{what}: more board operations than a connection ({BOARD_OPS_PER_SECOND} a second) or the session "
            f"({ctx.session.budgets.board_rate:g} a second) may send; this one was not applied",
            "rate_limited",
        )
    return lambda: check_may_edit(ctx.session, peer, what)


def _done(peer: Peer, op: str, version: int) -> None:
    peer.send(protocol.board_done(op, version))


@handles(BoardDraw)
async def _board_draw(ctx: Context, message: BoardDraw) -> None:
    may_edit = _take_op(ctx, "board_draw")
    _done(
        ctx.peer,
        message.op,
        await ctx.session.board.draw(message.op, ctx.peer.id, message.element, may_edit, ctx.peer.is_host),
    )


@handles(BoardMove)
async def _board_move(ctx: Context, message: BoardMove) -> None:
    may_edit = _take_op(ctx, "board_move")
    _done(
        ctx.peer,
        message.op,
        await ctx.session.board.move(message.op, ctx.peer.id, message.moves, may_edit, ctx.peer.is_host),
    )


@handles(BoardErase)
async def _board_erase(ctx: Context, message: BoardErase) -> None:
    may_edit = _take_op(ctx, "board_erase")
    _done(
        ctx.peer,
        message.op,
        await ctx.session.board.erase(message.op, ctx.peer.id, message.ids, may_edit, ctx.peer.is_host),
    )


@handles(BoardClear)
async def _board_clear(ctx: Context, message: BoardClear) -> None:
    may_edit = _take_op(ctx, "board_clear")
    _done(ctx.peer, message.op, await ctx.session.board.clear(message.op, ctx.peer.id, may_edit))


@handles(BoardPull)
async def _board_pull(ctx: Context, message: BoardPull) -> None:
    board = ctx.session.board
    missed = await board.updates_since(message.version)
    if missed is None:
        ctx.peer.send(protocol.board_state(board.version, board.text))
    else:  # every pull is answered: no updates when the page is up to date
        ctx.peer.send(protocol.board_updates(message.version, missed))


@handles(BoardPointer)
async def _board_pointer(ctx: Context, message: BoardPointer) -> None:
    peer, audience = ctx.peer, ctx.session.audience
    if peer.board_pointer is None:
        peer.board_pointer = CursorThrottle(lambda frame: audience.share(frame, exclude=peer))
    peer.board_pointer.offer(protocol.board_pointer(peer.id, message.x, message.y))

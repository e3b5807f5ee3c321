"""Comment threads' messages (protocol.py declares them; comments.py keeps the threads): each change is stored,
then sent to those who may see the thread (hosts only for a hosts-only thread), on every instance."""

from __future__ import annotations

from . import protocol
from .comments import QUOTE_CHARS, Thread
from .handlers import Context, handles
from .limits import SessionBudgets, take_from_both
from .protocol import (
    COMMENT_BURST,
    COMMENTS_PER_SECOND,
    CommentAdd,
    CommentDelete,
    CommentEdit,
    CommentReply,
    CommentResolve,
    ProtocolError,
)


def _take(ctx: Context, what: str) -> None:
    """Count one comment message against the sender's rate; refuse candidates once the interview has ended (hosts
    may still review the code)."""
    peer = ctx.peer
    if not take_from_both(peer.rate("comment", COMMENTS_PER_SECOND, COMMENT_BURST), ctx.session.budgets.comments):
        raise ProtocolError(
            f"{what}: more comment messages than a connection ({COMMENTS_PER_SECOND} a second) or the session "
            f"({SessionBudgets.COMMENT_RATE} a second) may send; this one was not taken",
            "rate_limited",
        )
    if ctx.session.host.ended and not peer.is_host:
        raise ProtocolError(f"{what}: the interview has ended; the session is read-only", "ended")


def share_thread(ctx: Context, thread: Thread) -> None:
    ctx.share(protocol.comment_thread(thread.public()), hosts_only=thread.visibility == "hosts")


@handles(CommentAdd)
async def _comment_add(ctx: Context, message: CommentAdd) -> None:
    session, peer = ctx.session, ctx.peer
    _take(ctx, "comment_add")
    if message.visibility == "hosts" and not peer.is_host:
        raise ProtocolError("comment_add: only a host can start a hosts-only thread", "host_only")
    try:
        ((start, end),) = session.map_ranges(message.version, [(message.start, message.end)])
    except ProtocolError as exc:  # placed as a cursor is: its words are a cursor's
        raise ProtocolError(str(exc).replace("cursor:", "comment_add:", 1)) from None
    if start == end:
        raise ProtocolError("comment_add: the text of that range was deleted meanwhile; select text to comment on")
    quote = session.slice(start, min(end, start + QUOTE_CHARS))
    comments = session.comments
    thread = comments.add(
        peer.public(), peer.author, message.visibility, session.version, start, end, quote, message.text
    )
    await comments.save(thread)  # stored before it is shown
    await comments.save_author(thread.comments[-1]["id"])
    share_thread(ctx, thread)


@handles(CommentReply)
async def _comment_reply(ctx: Context, message: CommentReply) -> None:
    _take(ctx, "comment_reply")
    comments, peer = ctx.session.comments, ctx.peer
    thread = comments.thread(message.thread, peer.is_host, "comment_reply")
    comments.reply(thread, peer.public(), peer.author, message.text, ctx.session.version)
    await comments.save(thread)
    await comments.save_author(thread.comments[-1]["id"])
    share_thread(ctx, thread)


@handles(CommentEdit)
async def _comment_edit(ctx: Context, message: CommentEdit) -> None:
    _take(ctx, "comment_edit")
    comments, peer = ctx.session.comments, ctx.peer
    thread = comments.thread(message.thread, peer.is_host, "comment_edit")
    await _as_author(
        ctx, thread, message.comment, lambda: comments.edit(thread, message.comment, peer.id, peer.author, message.text)
    )
    await comments.save(thread)
    share_thread(ctx, thread)


@handles(CommentDelete)
async def _comment_delete(ctx: Context, message: CommentDelete) -> None:
    _take(ctx, "comment_delete")
    comments, peer = ctx.session.comments, ctx.peer
    thread = comments.thread(message.thread, peer.is_host, "comment_delete")
    removed = await _as_author(
        ctx,
        thread,
        message.comment,
        lambda: comments.delete(thread, message.comment, peer.id, peer.author, peer.is_host),
    )
    if removed:
        await comments.forget(thread.id)
        # The other instances merge its deletions first: a comment made there meanwhile keeps the thread there.
        ctx.session.audience.relay_only(protocol.comment_thread(thread.public()))
        ctx.share(protocol.comment_removed(thread.id), hosts_only=thread.visibility == "hosts")
    else:
        await comments.save(thread)
        share_thread(ctx, thread)


@handles(CommentResolve)
async def _comment_resolve(ctx: Context, message: CommentResolve) -> None:
    _take(ctx, "comment_resolve")
    comments, peer = ctx.session.comments, ctx.peer
    thread = comments.thread(message.thread, peer.is_host, "comment_resolve")
    if comments.resolve(thread, message.resolved, peer.id):
        await comments.save(thread)
        share_thread(ctx, thread)


async def _as_author(ctx: Context, thread: Thread, comment_id: str, change):
    """Apply a change only an author may make; refused, and the comment's author unknown here (made on another
    instance), its author digest is read from the store (at most every 30 s a thread), and the change tried again."""
    try:
        return change()
    except ProtocolError as exc:
        if exc.code != "not_yours" or not ctx.peer.author or ctx.session.comments.knows_author(comment_id):
            raise
    await ctx.session.comments.reload_authors(thread.id)
    return change()

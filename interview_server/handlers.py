"""What the server does with each client message: one handler per message type, found in one table.

protocol.py declares the messages (their data, who may send them); `dispatch` checks the sender against
that declaration, then calls the message's handler. Adding a message: a declaration there, a handler
here (`@handles(TheMessage)`), and the page's handler.
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass
from typing import Any
from collections.abc import Awaitable, Callable

from aiohttp import WSCloseCode, web

from . import protocol, webhook
from .hub import Peer
from .comments import author_digest
from .ice import ice_servers_for
from .keys import CONFIG, LIMITS, METRICS, PROBLEMS, SESSIONS, STORE, STORE_HEALTH
from .metrics import OTHER, Metrics
from .presence import name_refusal
from .report import session_report
from .protocol import (
    CLIENT_MESSAGES,
    CLOSE_SESSION_FULL,
    HOSTS,
    PARTICIPANTS,
    Chat,
    CodeUpdate,
    Cursor,
    EndSession,
    Hello,
    Lock,
    ProtocolError,
    Pull,
    Push,
    Rename,
    RunEnd,
    RunOutput,
    RunStart,
    SetLanguage,
    SetName,
    SetNotes,
    SetProblem,
)
from .session import PushResult, Session

log = logging.getLogger(__name__)

HOST_SEATS = 2  # places beyond MAX_PARTICIPANTS kept for hosts: a full session never locks its interviewer out
MAX_BAD_HOST_KEYS = 3  # wrong host keys one socket may try before it is closed
NOOP_RESYNC_SECONDS = 5  # a socket whose pushes hold no-op updates gets the session's state at most this often
STORE_DOWN = "the server cannot reach its storage just now: nothing was applied; send it again in a moment"
WEBHOOK_CLAIM = "webhook"  # meta: {"version": 1} once an instance has taken on the session's end-of-session webhook


@dataclass(frozen=True)
class Context:
    """Who sent a message, and where: the app, the session and the sender's connection."""

    app: web.Application
    session: Session
    peer: Peer

    def share(self, frame: str, **options: Any) -> None:
        """Send a frame to everyone in the session, over every instance (Audience.share)."""
        self.session.audience.share(frame, **options)


Handler = Callable[[Context, Any], Awaitable[None]]
HANDLERS: dict[type, Handler] = {}


def handles(message_type: type) -> Callable[[Handler], Handler]:
    def register(handler: Handler) -> Handler:
        assert message_type not in HANDLERS, message_type
        HANDLERS[message_type] = handler
        return handler

    return register


class Closed(Exception):
    """The socket was closed while handling a message: nothing more to answer."""


async def dispatch(ctx: Context, text: str) -> None:
    """Answer one client frame. Bad input gets an `error`; nothing is applied and the socket stays."""
    peer, metrics, what = ctx.peer, ctx.app[METRICS], "message"
    try:
        try:
            message = protocol.parse_client_message(text)
        except ProtocolError:
            metrics.received(OTHER)
            raise
        spec = message.SPEC
        what = spec.type
        metrics.received(spec.type)
        if spec.sender == HOSTS and not peer.is_host:
            raise ProtocolError(
                f"{spec.type}: only a host can do that (open the session with its host link)", "host_only"
            )
        if spec.sender == PARTICIPANTS and not peer.introduced:
            raise ProtocolError(f"{spec.type}: say hello first; only participants can do that")
        await HANDLERS[type(message)](ctx, message)
    except ProtocolError as exc:
        if exc.code == "document_too_large":
            metrics.limit_hit("max_document_bytes")
        peer.send(protocol.error(str(exc), exc.code))
        if exc.code == "noop_refused" and _may_resync(peer):
            peer.send(full_state(ctx.session))  # how a client that cannot drop the no-op recovers
    except Closed:
        pass
    except Exception as exc:
        if ctx.app[STORE_HEALTH].failed(exc):
            peer.send(protocol.error(f"{what}: {STORE_DOWN}", "store_unavailable"))
            return
        log.exception("failed to handle a message in session %s", ctx.session.session_id)
        peer.send(protocol.error("internal error: the message was not applied"))


def full_state(session: Session) -> str:
    return protocol.session_state(session.code, session.language, session.audience.known_total(), session.version)


def _may_resync(peer: Peer) -> bool:
    """At most one resync every NOOP_RESYNC_SECONDS per socket: refusals cannot be turned into a stream of
    whole documents."""
    now = time.monotonic()
    if now - peer.resynced_at < NOOP_RESYNC_SECONDS:
        return False
    peer.resynced_at = now
    return True


# ---- editing ----


@handles(Push)
async def _push(ctx: Context, push: Push) -> None:
    session, peer, metrics = ctx.session, ctx.peer, ctx.app[METRICS]
    if not ctx.app[STORE_HEALTH].up:  # refused at once, not left waiting on a dead connection
        raise ProtocolError(f"push: {STORE_DOWN}", "store_unavailable")
    arrived = time.perf_counter()
    await _pace_versions(ctx, len(push.updates))
    # Checked in turn with the other changes (under the session's lock): a push queued behind a lock is refused.
    result = await session.push(
        push.version,
        push.updates,
        participant=peer.id,
        rebase=push.rebase,
        may_edit=lambda: check_may_edit(session, peer, "push"),
        cursor=push.cursor if peer.introduced else None,
    )
    if result is PushResult.STALE:
        metrics.push("rejected")
        peer.send(protocol.push_rejected(session.version))
    elif result is PushResult.AHEAD:
        # The client is ahead of the server (the server lost history): resync from the full text.
        metrics.push("resync")
        peer.send(full_state(session))
    else:
        metrics.push(result.value, time.perf_counter() - arrived)


@handles(Pull)
async def _pull(ctx: Context, pull: Pull) -> None:
    missed = await ctx.session.updates_since(pull.version)
    # No await between the read above and this send, so it cannot overtake a broadcast.
    if missed is None:
        ctx.peer.send(full_state(ctx.session))
    else:
        ctx.peer.send(protocol.updates(pull.version, missed))


@handles(CodeUpdate)
async def _code_update(ctx: Context, message: CodeUpdate) -> None:
    session, peer = ctx.session, ctx.peer
    await _pace_versions(ctx, 1)
    await session.replace_code(
        message.code, participant=peer.id, may_edit=lambda: check_may_edit(session, peer, "code_update")
    )


@handles(SetLanguage)
async def _set_language(ctx: Context, message: SetLanguage) -> None:
    check_may_edit(ctx.session, ctx.peer, "set_language")
    problem = ctx.session.host.problem or {}
    offered = problem.get("languages")  # absent in problems shown before languages were kept: any goes
    if offered and message.language not in offered:
        raise ProtocolError(
            f"set_language: the problem {str(problem.get('title', ''))[:100]!r} has no {message.language} version "
            f"(it has {', '.join(offered)}); load another problem first",
            "language_refused",
        )
    await ctx.session.set_language(message.language)
    ctx.share(protocol.language(message.language, ctx.peer.id))


async def _pace_versions(ctx: Context, count: int) -> None:
    """Delay (never refuse) edits past the versions this connection and this session may add per second."""
    session, peer = ctx.session, ctx.peer
    if peer.versions is None or session.versions is None:
        return
    wait = max(peer.versions.take_or_wait(count), session.versions.take_or_wait(count))
    if wait:
        ctx.app[METRICS].limit_hit("version_rate")
        peer.send(
            protocol.error(
                f"edits are coming faster than {peer.versions.rate:g} versions a second from "
                f"one connection (or {session.versions.rate:g} in a session): this one waits "
                f"{wait:.1f} s",
                "rate_limited",
            )
        )
        await asyncio.sleep(wait)
        if peer.ws.closed:  # closed while it waited (the server is stopping): unacknowledged, so sent again later
            raise Closed


def check_may_edit(session: Session, peer: Peer, what: str) -> None:
    """Refuse an edit after the session ended, or a candidate's while a host has locked editing."""
    if session.host.ended:
        raise ProtocolError(
            f"{what}: the interview has ended and the session is read-only; nothing was applied", "ended"
        )
    if session.host.locked and not peer.is_host:
        raise ProtocolError(
            f"{what}: the host has locked editing; your change was not applied (the page keeps it and "
            "sends it once editing is unlocked)",
            "locked",
        )


# ---- people ----


@handles(Hello)
async def _hello(ctx: Context, message: Hello) -> None:
    """Make a socket a participant: host if its key is right, a place if the session has one, a name that
    claims no one else's role."""
    session, peer, audience = ctx.session, ctx.peer, ctx.session.audience
    if peer.introduced:
        raise ProtocolError("hello: already said; change your name with set_name")
    peer.author = author_digest(message.author_key)
    if message.host_key is not None:
        if not session.host.is_host_key(message.host_key):  # the right key always works, from any address
            await _wrong_host_key(ctx)
        peer.is_host = True
    others = await _take_place(ctx)
    if others is None:
        return
    refusal = message.name and name_refusal(message.name, peer.is_host, _host_names(others))
    audience.introduce(peer, None if refusal else message.name, others)
    # Sent together, with no await in between, so no output, chat or change can fall between them.
    public = peer.public()
    ice_servers = ice_servers_for(ctx.app[CONFIG], peer.id, time.time())
    peer.send(protocol.welcome(public, session.language, public["role"], ice_servers))
    peer.send(protocol.history(*session.activity.history()))
    threads = session.comments.visible(peer.is_host)
    if threads:  # none: no frame (a page clears its threads at each welcome)
        peer.send(protocol.comment_threads(threads))
    peer.send(protocol.session_info(session.host.info()))
    if peer.is_host:
        host = session.host
        peer.send(protocol.notes(host.notes_text, host.notes_version, host.notes_by))
        peer.send(protocol.grading(session.grading.for_hosts()))
        events = session.integrity.events()
        if events:  # none: no frame
            peer.send(protocol.integrity_events(events))
    if session.grading.timer is not None:
        peer.send(protocol.timer(session.grading.timer_state()))
    summary = session.grading.latest_summary()
    if summary is not None:
        peer.send(protocol.hidden_summary(summary))
    if refusal:
        peer.send(protocol.error(f"hello: {refusal}; you joined as {peer.name}", "name_refused"))
    named = session.activity.named(public)  # named at hello, whatever the announcement below waits for
    await audience.announce_participants()
    await session.activity.save_named(named)


async def _wrong_host_key(ctx: Context) -> None:
    """Refuse a hello with a wrong host key. A socket that keeps guessing is closed, and so is one whose address
    has guessed too often lately (a few a minute over all its sockets); logged once a minute per address."""
    limits, peer = ctx.app[LIMITS], ctx.peer
    peer.bad_host_keys += 1
    guessing = not limits.may_try_host_key(peer.address)
    if limits.wrong_host_key(peer.address):
        log.warning("a hello in session %s had a wrong host key", ctx.session.session_id)  # never the key
    if guessing or peer.bad_host_keys >= MAX_BAD_HOST_KEYS:
        ctx.app[METRICS].limit_hit("key_guesses")
        why = (
            "too many wrong host keys from your address: try again in a minute"
            if guessing
            else f"{MAX_BAD_HOST_KEYS} wrong host keys"
        )
        peer.send(protocol.error(f"hello: {why}; this connection is closed", "bad_host_key"))
        peer.write_pending()
        await peer.ws.close(code=WSCloseCode.POLICY_VIOLATION, message=b"too many wrong host keys")
        raise Closed
    raise ProtocolError(
        "hello: that host key is not this session's (check the host link); you have "
        "not joined: say hello without host_key to join as a candidate",
        "bad_host_key",
    )


async def _take_place(ctx: Context) -> list[dict] | None:
    """The other participants, if the session has a place for this one (MAX_PARTICIPANTS over every instance;
    hosts have HOST_SEATS more); if not, None, and the socket is told and closed."""
    peer, cap = ctx.peer, ctx.app[CONFIG].max_participants
    others = await ctx.session.audience.participants(excluding=peer)
    if not cap or len(others) < cap + (HOST_SEATS if peer.is_host else 0):
        return others
    peer.is_host = False
    ctx.app[METRICS].limit_hit("max_participants")
    await refuse(
        peer.ws,
        CLOSE_SESSION_FULL,
        "session_full",
        f"session is full: it already has {cap} participants, the most this server allows",
        ctx.app[METRICS],
    )
    return None


async def refuse(ws: web.WebSocketResponse, close_code: int, code: str, message: str, metrics: Metrics) -> None:
    """Tell a socket why it is closed (an `error` with `code`), then close it with `close_code`."""
    frame = protocol.error(message, code)
    metrics.sent(frame)
    await ws.send_str(frame)
    await ws.close(code=close_code, message=message.split(":")[0].encode())


def _host_names(people: list[dict]) -> list[str]:
    return [person["name"] for person in people if person.get("role") == "host"]


@handles(SetName)
async def _set_name(ctx: Context, message: SetName) -> None:
    session, peer = ctx.session, ctx.peer
    if session.host.ended:
        raise ProtocolError("set_name: the interview has ended; names stay as they were", "ended")
    others = await session.audience.participants(excluding=peer)
    refusal = name_refusal(message.name, peer.is_host, _host_names(others))
    if refusal:
        raise ProtocolError(f"set_name: {refusal}", "name_refused")
    peer.name = message.name
    await session.audience.announce_participants()
    await session.activity.save_person(peer.public())


@handles(Cursor)
async def _cursor(ctx: Context, message: Cursor) -> None:
    # Checked now (cheap), mapped to the current version only when relayed, at a bounded rate.
    ctx.session.check_ranges(message.version, message.ranges)
    ctx.peer.cursors.offer((message.version, message.ranges))


def relay_cursor(session: Session, peer: Peer, latest: tuple) -> None:
    """Send a peer's latest cursor to the others, mapped to the session's current version."""
    version, ranges = latest
    try:
        ranges = session.map_ranges(version, ranges)  # the document may have moved on while throttled
    except ProtocolError:
        return  # too far behind to place; the next cursor will do
    session.audience.share(protocol.cursor(peer.public(), session.version, ranges), exclude=peer)


# ---- runs and chat: stamped with who and when, relayed to everyone, stored with the session ----


@handles(RunStart)
async def _run_start(ctx: Context, message: RunStart) -> None:
    session, activity = ctx.session, ctx.session.activity
    if session.host.ended:
        raise ProtocolError("run_start: the interview has ended; runs are no longer shared", "ended")
    if message.version > session.version:
        raise ProtocolError(f"run_start: version {message.version} is ahead of the session (at {session.version})")
    previous = activity.end_run(ctx.peer.id, "stopped", None)
    if previous is not None:
        ctx.app[METRICS].run_finished(previous.language, "stopped")
        await save_run(session, previous)  # stored before it is shown: an export made after it has it
        ctx.share(protocol.run_finished(previous.id, "stopped", None, previous.truncated))
    run = activity.start_run(ctx.peer.public(), message.version, message.language)
    ctx.share(protocol.run_started(run.header()))
    await save_run(session, run)


@handles(RunOutput)
async def _run_output(ctx: Context, message: RunOutput) -> None:
    run = ctx.session.activity.running(ctx.peer.id)
    if run is None:
        raise ProtocolError("run_output: you have no run in progress; send run_start first")
    kept = run.add_output(message.stream, message.text)
    if kept:
        # The runner shows its own output as it happens: the others get it from here.
        ctx.share(protocol.run_output(run.id, message.stream, kept), exclude=ctx.peer)


@handles(RunEnd)
async def _run_end(ctx: Context, message: RunEnd) -> None:
    run = ctx.session.activity.end_run(ctx.peer.id, message.status, message.duration_ms)
    if run is None:
        raise ProtocolError("run_end: you have no run in progress")
    ctx.app[METRICS].run_finished(run.language, run.status)
    await save_run(ctx.session, run)  # stored before it is shown: an export made after run_finished has it
    ctx.share(protocol.run_finished(run.id, run.status, run.duration_ms, run.truncated))


async def save_run(session: Session, run) -> None:
    """Store a run; a failure is logged (the run was already shown live) rather than refused."""
    try:
        await session.activity.save_run(run)
    except Exception:
        log.exception("could not store a run in session %s", session.session_id)


@handles(Chat)
async def _chat(ctx: Context, message: Chat) -> None:
    activity = ctx.session.activity
    if ctx.session.host.ended:
        raise ProtocolError("chat: the interview has ended; the session is read-only", "ended")
    chat_message = activity.new_chat(ctx.peer.public(), message.text)
    await activity.save_chat(chat_message)  # stored before anyone sees it
    # Kept for late joiners and shared with no await in between: a joiner gets it once, in one or the other.
    activity.add_chat(chat_message)
    ctx.share(protocol.chat(chat_message))


# ---- hosts: notes go to hosts only; everything else changes `session_info` for everyone ----


@handles(SetNotes)
async def _set_notes(ctx: Context, message: SetNotes) -> None:
    host, peer = ctx.session.host, ctx.peer
    if await host.save_notes(message.text, message.version, peer.id):
        ctx.share(protocol.notes(message.text, message.version + 1, peer.id), hosts_only=True)
    else:  # another host saved first: here is theirs, merge and save again on top of it
        peer.send(protocol.notes(host.notes_text, host.notes_version, host.notes_by))


@handles(Rename)
async def _rename(ctx: Context, message: Rename) -> None:
    await ctx.session.host.set_title(message.title)
    ctx.share(protocol.session_info(ctx.session.host.info()))


@handles(EndSession)
async def _end_session(ctx: Context, message: EndSession) -> None:
    await end_session(ctx.app, ctx.session, "a host")


async def end_session(app: web.Application, session: Session, by: str) -> None:
    """End a session (read-only from now on; its report to WEBHOOK_URL) and tell everyone, on every instance."""
    if not session.host.ended:  # ending twice changes nothing
        await session.host.end()
        log.info("session %s ended by %s", session.session_id, by)
        if app[CONFIG].webhook_url:
            app[SESSIONS].tasks.spawn(
                _send_report(app, session.session_id), f"webhook for session {session.session_id}"
            )
    session.audience.share(protocol.session_info(session.host.info()))


async def _send_report(app: web.Application, session_id: str) -> None:
    """The ended session's report to WEBHOOK_URL (in the background: retries never hold the session up). The
    store's compare-and-set claims the delivery first, so two hosts ending it at once on two instances send one."""
    if not await app[STORE].replace_versioned_meta(session_id, WEBHOOK_CLAIM, {"version": 1}, 0):
        return
    record = await app[SESSIONS].get_record(session_id)
    if record is not None:
        config = app[CONFIG]
        await webhook.deliver(config.webhook_url, config.webhook_secret, await session_report(record, app[STORE]))


@handles(Lock)
async def _lock(ctx: Context, message: Lock) -> None:
    _refuse_after_end(ctx, "lock")
    await ctx.session.host.set_locked(message.locked)
    ctx.share(protocol.session_info(ctx.session.host.info()))


@handles(SetProblem)
async def _set_problem(ctx: Context, message: SetProblem) -> None:
    """Show a problem's prompt to everyone and replace the text with its starter code (one shared edit)."""
    _refuse_after_end(ctx, "set_problem")
    session = ctx.session
    problem = ctx.app[PROBLEMS].get(message.problem)
    if problem is None:
        raise ProtocolError(f"set_problem: there is no problem {message.problem[:64]!r}; GET /api/problems lists them")
    language = problem.language_for(session.language)
    if language != session.language:
        await session.set_language(language)
        ctx.share(protocol.language(language, ctx.peer.id))
    await session.host.set_problem(problem.shown())
    await session.grading.set_problem(problem.grading())
    await session.replace_code(problem.starters[session.language], participant=ctx.peer.id)
    ctx.share(protocol.session_info(session.host.info()))
    ctx.share(protocol.grading(session.grading.for_hosts()), hosts_only=True)


def _refuse_after_end(ctx: Context, what: str) -> None:
    if ctx.session.host.ended:
        raise ProtocolError(f"{what}: the interview has ended; only its title and notes can change now", "ended")


from . import grading_handlers  # noqa: E402, F401  (registers its handlers in HANDLERS)
from . import board_handlers, call_handlers, comment_handlers, integrity_handlers  # noqa: E402, F401

assert set(HANDLERS) == {cls for _, cls in CLIENT_MESSAGES.values()}, "every client message needs one handler"

"""The WebSocket endpoint /ws/{session_id}: joins a peer to a session and dispatches its messages."""

from __future__ import annotations

import asyncio
import logging
import time

from aiohttp import WSCloseCode, WSMsgType, web

from . import protocol
from .hub import Hub, Peer
from .keys import CONFIG, HUB, LIMITS, PROBLEMS, SESSIONS
from .limits import MessageRate, client_address, connection_versions
from .presence import CursorThrottle, name_refusal
from .protocol import (HOST_MESSAGES, Chat, CodeUpdate, Cursor, EndSession, Hello, Lock, ProtocolError, Pull, Push,
                       Rename, RunEnd, RunOutput, RunStart, SetLanguage, SetName, SetNotes, SetProblem)
from .security import origin_allowed
from .session import PushResult, Session
from .sessions import SessionRegistry, is_session_id

log = logging.getLogger(__name__)

CLOSE_SESSION_NOT_FOUND = 4404  # application close codes: do not reconnect at once
CLOSE_SESSION_FULL = 4409
CLOSE_TOO_MANY_CONNECTIONS = 4429

HOST_SEATS = 2  # places beyond MAX_PARTICIPANTS kept for hosts: a full session never locks its interviewer out
MAX_BAD_HOST_KEYS = 3  # wrong host keys one socket may try before it is closed
NOOP_RESYNC_SECONDS = 5  # a socket whose pushes hold no-op updates gets the session's state at most this often

# Messages of a participant (a page that said `hello`), not of a plain script.
PARTICIPANTS_ONLY = {Cursor: "cursor", SetName: "set_name", RunStart: "run_start", RunOutput: "run_output",
                     RunEnd: "run_end", Chat: "chat"}

routes = web.RouteTableDef()


@routes.get("/ws/{session_id}")
async def websocket(request: web.Request) -> web.WebSocketResponse:
    config, limits = request.app[CONFIG], request.app[LIMITS]
    if not origin_allowed(request, config):
        # Cross-site WebSocket hijacking: a page of another site may not open a socket here.
        raise web.HTTPForbidden(text="origin not allowed: this server accepts sockets from its own pages "
                                     "and from ALLOWED_ORIGINS / FRAME_ANCESTORS")
    # permessage-deflate is off: it costs ~150 KiB per connection and invites decompression bombs.
    # aiohttp refuses a message of max_msg_size bytes itself: +1 so MAX_MESSAGE_BYTES is the largest accepted.
    ws = web.WebSocketResponse(heartbeat=config.heartbeat, max_msg_size=config.max_message_bytes + 1, compress=False)
    await ws.prepare(request)
    address = client_address(request, config.trust_proxy)
    if not limits.open_socket(address):
        await _refuse(ws, CLOSE_TOO_MANY_CONNECTIONS, "too_many_connections",
                      f"too many connections from your address (at most {config.sockets_per_ip}); close some tabs "
                      "or try again later")
        return ws
    try:
        await _join(request.app, ws, request.transport, request.match_info["session_id"], address)
    finally:
        limits.close_socket(address)
    return ws


async def _join(app: web.Application, ws: web.WebSocketResponse, transport: asyncio.Transport, session_id: str,
                address: str) -> None:
    """Check the session id (before any store access) and the participant cap, then serve the socket."""
    sessions, cap = app[SESSIONS], app[CONFIG].max_participants
    session = await sessions.open(session_id) if is_session_id(session_id) else None
    if session is None:
        reason = "session not found" if is_session_id(session_id) else "malformed session id"
        await ws.send_str(protocol.error(reason))
        await ws.close(code=CLOSE_SESSION_NOT_FOUND, message=reason.encode())
        return
    # Places are taken by saying hello (see _take_place). Sockets are bounded too, so that silent ones cannot
    # pile up: at the bound, the one that has gone longest without a hello makes room.
    if cap and app[HUB].count(session_id) >= 3 * cap + HOST_SEATS:
        silent = sessions.silent_peer_to_evict(session_id)
        if silent is None:
            try:
                await _refuse(ws, CLOSE_SESSION_FULL, "session_full",
                              f"session is full: it already has {cap} participants, the most this server allows")
            finally:
                await sessions.release(session_id)
            return
        log.info("closing a socket in session %s that never said hello, to make room", session_id)
        await _refuse(silent.ws, CLOSE_SESSION_FULL, "session_full",
                      "session is full: this connection never said hello, and its place was needed")
    await _serve(app, ws, transport, session, address)


async def _refuse(ws: web.WebSocketResponse, close_code: int, code: str, message: str) -> None:
    await ws.send_str(protocol.error(message, code))
    await ws.close(code=close_code, message=message.split(":")[0].encode())


async def _serve(app: web.Application, ws: web.WebSocketResponse, transport: asyncio.Transport, session: Session,
                 address: str) -> None:
    hub, sessions, config = app[HUB], app[SESSIONS], app[CONFIG]
    rate = MessageRate(config.message_rate, config.message_burst)
    peer = Peer(ws, session.session_id, transport, hub.writer)
    peer.versions = connection_versions(config.version_rate)
    peer.address = address
    peer.cursors = CursorThrottle(lambda latest: _relay_cursor(session, peer, sessions, latest))
    # Join and send the state with no await in between, so no update, output or chat can fall between them.
    count = sessions.join(peer)
    peer.send(protocol.session_state(session.code, session.language, count, session.version))
    hub.broadcast(session.session_id, protocol.user_joined(count), exclude=peer)
    log.info("peer joined session %s (%d connected)", session.session_id, count)
    try:
        await sessions.sync_presence(session.session_id)
        async for message in ws:
            if not await _within_rate(rate, peer, ws):
                break
            if message.type in (WSMsgType.TEXT, WSMsgType.BINARY):
                # Bytes (as sent) are limited per address, over all its sockets: big pushes cannot flood disk and CPU.
                size = len(message.data.encode()) if message.type == WSMsgType.TEXT else len(message.data)
                wait = app[LIMITS].bytes_wait(address, size)
                if wait:
                    await asyncio.sleep(wait)
            if message.type == WSMsgType.TEXT:
                await _handle(app, session, peer, message.data)
            elif message.type == WSMsgType.BINARY:
                peer.send(protocol.error("binary frames are not supported: send JSON text"))
            elif message.type == WSMsgType.ERROR:
                log.info("socket error in session %s: %s", session.session_id, ws.exception())
    finally:
        await _leave(session, peer, hub, sessions)


async def _leave(session: Session, peer: Peer, hub: Hub, sessions: SessionRegistry) -> None:
    """Tell the others and end the peer's run; the session is released whatever fails on the way."""
    count = sessions.leave(peer)
    peer.cursors.cancel()
    try:
        peer.stop()
        hub.broadcast(session.session_id, protocol.user_left(count))
        unfinished = session.activity.end_run(peer.id, "disconnected", None)
        if unfinished is not None:
            sessions.share(session.session_id, protocol.run_finished(unfinished.id, "disconnected", None,
                                                                       unfinished.truncated))
            await _save(session.activity.save_run(unfinished), session)
        if peer.introduced:
            await sessions.announce_participants(session.session_id)
        log.info("peer left session %s (%d connected)", session.session_id, count)
        await sessions.sync_presence(session.session_id)
    except Exception:
        log.exception("cleaning up after a peer in session %s failed", session.session_id)
    finally:
        await sessions.release(session.session_id)


async def _within_rate(rate: MessageRate, peer: Peer, ws: web.WebSocketResponse) -> bool:
    """Slow a client down to the message rate (nothing is dropped); cut it off if it keeps flooding."""
    wait, verdict = rate.admit()
    if verdict == "cut":
        log.warning("closing a socket in session %s that kept sending too fast", peer.session_id)
        peer.send(protocol.error("too many messages: this connection kept sending faster than the server allows "
                                 "and is closed", "rate_limited"))
        peer.write_pending()
        await ws.close(code=WSCloseCode.POLICY_VIOLATION, message=b"too many messages")
        return False
    if verdict == "slow":
        peer.send(protocol.error("too many messages: slow down; your messages are being delayed, and the connection "
                                 "is closed if this goes on", "rate_limited"))
    if wait:
        await asyncio.sleep(wait)
    return True


def _may_resync(peer: Peer) -> bool:
    """At most one resync every NOOP_RESYNC_SECONDS per socket: refusals cannot be turned into a stream of
    whole documents."""
    now = time.monotonic()
    if now - peer.resynced_at < NOOP_RESYNC_SECONDS:
        return False
    peer.resynced_at = now
    return True


def _full_state(session: Session, sessions: SessionRegistry) -> str:
    return protocol.session_state(session.code, session.language, sessions.known_total(session.session_id),
                                  session.version)


async def _handle(app: web.Application, session: Session, peer: Peer, text: str) -> None:
    """Answer one client frame. Bad input gets an `error`; nothing is applied and the socket stays."""
    sessions, problems = app[SESSIONS], app[PROBLEMS]
    try:
        message = protocol.parse_client_message(text)
        if isinstance(message, (Push, CodeUpdate)):
            await _pace_versions(session, peer, len(message.updates) if isinstance(message, Push) else 1)
        if isinstance(message, Push):
            await _push(session, peer, sessions, message)
        elif isinstance(message, Pull):
            missed = await session.updates_since(message.version)
            # No await between the read above and this send, so it cannot overtake a broadcast.
            if missed is None:
                peer.send(_full_state(session, sessions))
            else:
                peer.send(protocol.updates(message.version, missed))
        elif isinstance(message, CodeUpdate):
            await session.replace_code(message.code, participant=peer.id,
                                       may_edit=lambda: _check_may_edit(session, peer, "code_update"))
        elif type(message) in HOST_MESSAGES:
            if not peer.is_host:
                raise ProtocolError(f"{HOST_MESSAGES[type(message)]}: only a host can do that (open the session with its "
                                    "host link)", "host_only")
            await _host_action(session, peer, sessions, problems, message)
        elif type(message) in PARTICIPANTS_ONLY and not peer.introduced:
            raise ProtocolError(f"{PARTICIPANTS_ONLY[type(message)]}: say hello first; only participants can do that")
        elif isinstance(message, Cursor):
            # Checked now (cheap), mapped to the current version only when relayed, at a bounded rate.
            session.check_ranges(message.version, message.ranges)
            peer.cursors.offer((message.version, message.ranges))
        elif isinstance(message, Hello):
            await _hello(app, session, peer, message)
        elif isinstance(message, SetName):
            if session.host.ended:
                raise ProtocolError("set_name: the interview has ended; names stay as they were", "ended")
            others = await sessions.participants(session.session_id, excluding=peer)
            refusal = name_refusal(message.name, peer.is_host, _host_names(others))
            if refusal:
                raise ProtocolError(f"set_name: {refusal}", "name_refused")
            peer.name = message.name
            await sessions.announce_participants(session.session_id)
            await session.activity.save_person(peer.public())
        elif isinstance(message, SetLanguage):
            _check_may_edit(session, peer, "set_language")
            await session.set_language(message.language)
            sessions.share(session.session_id, protocol.language(message.language, peer.id))
        else:
            await _activity(session, peer, sessions, message)
    except ProtocolError as exc:
        peer.send(protocol.error(str(exc), exc.code))
        if exc.code == "noop_refused" and _may_resync(peer):
            peer.send(_full_state(session, sessions))  # how a client that cannot drop the no-op recovers
    except _Closed:
        pass
    except Exception:
        log.exception("failed to handle a message in session %s", session.session_id)
        peer.send(protocol.error("internal error: the message was not applied"))


async def _hello(app: web.Application, session: Session, peer: Peer, message: Hello) -> None:
    """Make a socket a participant: host if its key is right, a place if the session has one, a name that
    claims no one else's role."""
    sessions = app[SESSIONS]
    if peer.introduced:
        raise ProtocolError("hello: already said; change your name with set_name")
    if message.host_key is not None:
        if not session.host.is_host_key(message.host_key):  # the right key always works, from any address
            await _wrong_host_key(app, session, peer)
        peer.is_host = True
    others = await _take_place(app, session, peer)
    if others is None:
        return
    refusal = message.name and name_refusal(message.name, peer.is_host, _host_names(others))
    sessions.introduce(peer, None if refusal else message.name, others)
    # Sent together, with no await in between, so no output, chat or change can fall between them.
    public = peer.public()
    peer.send(protocol.welcome(public, session.language, public["role"]))
    peer.send(protocol.history(*session.activity.history()))
    peer.send(protocol.session_info(session.host.info()))
    if peer.is_host:
        host = session.host
        peer.send(protocol.notes(host.notes_text, host.notes_version, host.notes_by))
    if refusal:
        peer.send(protocol.error(f"hello: {refusal}; you joined as {peer.name}", "name_refused"))
    await sessions.announce_participants(session.session_id)
    await session.activity.save_person(public)


async def _wrong_host_key(app: web.Application, session: Session, peer: Peer) -> None:
    """Refuse a hello with a wrong host key. A socket that keeps guessing is closed, and so is one whose address
    has guessed too often lately (a few a minute over all its sockets); logged once a minute per address."""
    limits = app[LIMITS]
    peer.bad_host_keys += 1
    guessing = not limits.may_try_host_key(peer.address)
    if limits.wrong_host_key(peer.address):
        log.warning("a hello in session %s had a wrong host key", session.session_id)  # never the key
    if guessing or peer.bad_host_keys >= MAX_BAD_HOST_KEYS:
        why = "too many wrong host keys from your address: try again in a minute" if guessing else \
            f"{MAX_BAD_HOST_KEYS} wrong host keys"
        peer.send(protocol.error(f"hello: {why}; this connection is closed", "bad_host_key"))
        peer.write_pending()
        await peer.ws.close(code=WSCloseCode.POLICY_VIOLATION, message=b"too many wrong host keys")
        raise _Closed
    raise ProtocolError("hello: that host key is not this session's (check the host link); you have "
                        "not joined: say hello without host_key to join as a candidate", "bad_host_key")


class _Closed(Exception):
    """The socket was closed while handling a message: nothing more to answer."""


async def _take_place(app: web.Application, session: Session, peer: Peer) -> list[dict] | None:
    """The other participants, if the session has a place for this one (MAX_PARTICIPANTS over every instance;
    hosts have HOST_SEATS more); if not, None, and the socket is told and closed."""
    cap = app[CONFIG].max_participants
    others = await app[SESSIONS].participants(session.session_id, excluding=peer)
    if not cap or len(others) < cap + (HOST_SEATS if peer.is_host else 0):
        return others
    peer.is_host = False
    await _refuse(peer.ws, CLOSE_SESSION_FULL, "session_full",
                  f"session is full: it already has {cap} participants, the most this server allows")
    return None


def _host_names(people: list[dict]) -> list[str]:
    return [person["name"] for person in people if person.get("role") == "host"]


async def _pace_versions(session: Session, peer: Peer, count: int) -> None:
    """Delay (never refuse) edits past the versions this connection and this session may add per second."""
    if peer.versions is None or session.versions is None:
        return
    wait = max(peer.versions.take_or_wait(count), session.versions.take_or_wait(count))
    if wait:
        peer.send(protocol.error(f"edits are coming faster than {peer.versions.rate:g} versions a second from "
                                 f"one connection (or {session.versions.rate:g} in a session): this one waits "
                                 f"{wait:.1f} s", "rate_limited"))
        await asyncio.sleep(wait)
        if peer.ws.closed:  # closed while it waited (the server is stopping): unacknowledged, so sent again later
            raise _Closed


async def _push(session: Session, peer: Peer, sessions: SessionRegistry, push: Push) -> None:
    # Checked in turn with the other changes (under the session's lock): a push queued behind a lock is refused.
    result = await session.push(push.version, push.updates, participant=peer.id, rebase=push.rebase,
                                may_edit=lambda: _check_may_edit(session, peer, "push"))
    if result is PushResult.STALE:
        peer.send(protocol.push_rejected(session.version))
    elif result is PushResult.AHEAD:
        # The client is ahead of the server (the server lost history): resync from the full text.
        peer.send(_full_state(session, sessions))


def _check_may_edit(session: Session, peer: Peer, what: str) -> None:
    """Refuse an edit after the session ended, or a candidate's while a host has locked editing."""
    if session.host.ended:
        raise ProtocolError(f"{what}: the interview has ended and the session is read-only; nothing was applied",
                            "ended")
    if session.host.locked and not peer.is_host:
        raise ProtocolError(f"{what}: the host has locked editing; your change was not applied (the page keeps it and "
                            "sends it once editing is unlocked)", "locked")


async def _host_action(session: Session, peer: Peer, sessions: SessionRegistry, problems: dict,
                       message: Lock | EndSession | Rename | SetProblem | SetNotes) -> None:
    """What only hosts may do. Notes go to hosts only; everything else changes `session_info` for everyone."""
    host, session_id = session.host, session.session_id
    if isinstance(message, SetNotes):
        if await host.save_notes(message.text, message.version, peer.id):
            sessions.share(session_id, protocol.notes(message.text, message.version + 1, peer.id), hosts_only=True)
        else:  # another host saved first: here is theirs, merge and save again on top of it
            peer.send(protocol.notes(host.notes_text, host.notes_version, host.notes_by))
        return
    if isinstance(message, Rename):
        await host.set_title(message.title)
    elif host.ended:
        if not isinstance(message, EndSession):  # ending twice changes nothing
            raise ProtocolError(f"{HOST_MESSAGES[type(message)]}: the interview has ended; only its title and notes "
                                "can change now", "ended")
    elif isinstance(message, Lock):
        await host.set_locked(message.locked)
    elif isinstance(message, EndSession):
        await host.end()
        log.info("session %s ended by a host", session_id)
    else:
        await _load_problem(session, peer, sessions, problems, message.problem)
    sessions.share(session_id, protocol.session_info(host.info()))


async def _load_problem(session: Session, peer: Peer, sessions: SessionRegistry, problems: dict, problem_id: str) -> None:
    """Show a problem's prompt to everyone and replace the text with its starter code (one shared edit)."""
    problem = problems.get(problem_id)
    if problem is None:
        raise ProtocolError(f"set_problem: there is no problem {problem_id[:64]!r}; GET /api/problems lists them")
    language = problem.language_for(session.language)
    if language != session.language:
        await session.set_language(language)
        sessions.share(session.session_id, protocol.language(language, peer.id))
    await session.host.set_problem(problem.shown())
    await session.replace_code(problem.starters[session.language], participant=peer.id)


def _relay_cursor(session: Session, peer: Peer, sessions: SessionRegistry, latest: tuple) -> None:
    version, ranges = latest
    try:
        ranges = session.map_ranges(version, ranges)  # the document may have moved on while throttled
    except ProtocolError:
        return  # too far behind to place; the next cursor will do
    sessions.share(session.session_id, protocol.cursor(peer.public(), session.version, ranges), exclude=peer)


async def _activity(session: Session, peer: Peer, sessions: SessionRegistry,
                    message: RunStart | RunOutput | RunEnd | Chat) -> None:
    """Runs and chat: stamped with who and when, relayed to everyone, stored with the session."""
    activity, session_id = session.activity, session.session_id
    if isinstance(message, RunOutput):
        run = activity.running(peer.id)
        if run is None:
            raise ProtocolError("run_output: you have no run in progress; send run_start first")
        kept = run.add_output(message.stream, message.text)
        if kept:
            # The runner shows its own output as it happens: the others get it from here.
            sessions.share(session_id, protocol.run_output(run.id, message.stream, kept), exclude=peer)
    elif isinstance(message, RunStart):
        if session.host.ended:
            raise ProtocolError("run_start: the interview has ended; runs are no longer shared", "ended")
        if message.version > session.version:
            raise ProtocolError(f"run_start: version {message.version} is ahead of the session (at {session.version})")
        previous = activity.end_run(peer.id, "stopped", None)
        if previous is not None:
            sessions.share(session_id, protocol.run_finished(previous.id, "stopped", None, previous.truncated))
            await _save(activity.save_run(previous), session)
        run = activity.start_run(peer.public(), message.version, message.language)
        sessions.share(session_id, protocol.run_started(run.header()))
        await _save(activity.save_run(run), session)
    elif isinstance(message, RunEnd):
        run = activity.end_run(peer.id, message.status, message.duration_ms)
        if run is None:
            raise ProtocolError("run_end: you have no run in progress")
        sessions.share(session_id, protocol.run_finished(run.id, run.status, run.duration_ms, run.truncated))
        await _save(activity.save_run(run), session)
    elif isinstance(message, Chat):
        if session.host.ended:
            raise ProtocolError("chat: the interview has ended; the session is read-only", "ended")
        chat_message = activity.new_chat(peer.public(), message.text)
        await activity.save_chat(chat_message)  # stored before anyone sees it
        # Kept for late joiners and shared with no await in between: a joiner gets it once, in one or the other.
        activity.add_chat(chat_message)
        sessions.share(session_id, protocol.chat(chat_message))


async def _save(saving, session: Session) -> None:
    """Store a run; a failure is logged (the run was already shown live) rather than refused."""
    try:
        await saving
    except Exception:
        log.exception("could not store a run in session %s", session.session_id)


async def close_all(app: web.Application) -> None:
    """on_shutdown: close every socket with 'going away' so pages reconnect to the next process."""
    for peer in app[HUB].all_peers():
        peer.write_pending()  # what was queued goes out before the close frame
    await asyncio.gather(*(peer.ws.close(code=WSCloseCode.GOING_AWAY, message=b"server restarting")
                           for peer in app[HUB].all_peers()), return_exceptions=True)

"""The WebSocket endpoint /ws/{session_id}: joins a peer to a session and dispatches its messages."""

from __future__ import annotations

import asyncio
import logging
import time

from aiohttp import WSCloseCode, WSMsgType, web

from . import logs, protocol
from .handlers import HOST_SEATS, STORE_DOWN, Context, dispatch, refuse, relay_cursor, save_run
from .hub import Hub, Peer
from .keys import CONFIG, HUB, LIMITS, METRICS, SESSIONS, STORE_HEALTH
from .limits import MessageRate, client_address, connection_versions
from .metrics import Metrics
from .presence import CursorThrottle
from .protocol import CLOSE_SESSION_FULL, CLOSE_SESSION_NOT_FOUND, CLOSE_TOO_MANY_CONNECTIONS
from .security import origin_allowed
from .session import Session
from .sessions import SessionRegistry, is_session_id

log = logging.getLogger(__name__)


routes = web.RouteTableDef()


@routes.get("/ws/{session_id}")
async def websocket(request: web.Request) -> web.WebSocketResponse:
    config = request.app[CONFIG]
    if not origin_allowed(request, config):
        # Cross-site WebSocket hijacking: a page of another site may not open a socket here.
        raise web.HTTPForbidden(
            text="origin not allowed: this server accepts sockets from its own pages "
            "and from ALLOWED_ORIGINS / FRAME_ANCESTORS"
        )
    # permessage-deflate is off: it costs ~150 KiB per connection and invites decompression bombs.
    # aiohttp refuses a message of max_msg_size bytes itself: +1 so MAX_MESSAGE_BYTES is the largest accepted.
    ws = web.WebSocketResponse(heartbeat=config.heartbeat, max_msg_size=config.max_message_bytes + 1, compress=False)
    await ws.prepare(request)
    session_id = request.match_info["session_id"]
    # Every log line of this socket's life (its request's task), and of tasks started from it, names its session.
    if is_session_id(session_id):
        logs.SESSION_ID.set(session_id)
    await _open_socket(request, ws, session_id)
    return ws


async def _open_socket(request: web.Request, ws: web.WebSocketResponse, session_id: str) -> None:
    """Count the socket against its address's limit, join its session and serve it; measure its life."""
    opened = time.monotonic()
    config, limits, metrics = request.app[CONFIG], request.app[LIMITS], request.app[METRICS]
    address = client_address(request, config.trust_proxy)
    if not limits.open_socket(address):
        metrics.limit_hit("sockets_per_ip")
        await refuse(
            ws,
            CLOSE_TOO_MANY_CONNECTIONS,
            "too_many_connections",
            f"too many connections from your address (at most {config.sockets_per_ip}); close some tabs "
            "or try again later",
            metrics,
        )
        return
    try:
        await _join(request.app, ws, request.transport, session_id, address)
    finally:
        limits.close_socket(address)
        if ws.close_code == WSCloseCode.MESSAGE_TOO_BIG:
            metrics.limit_hit("max_message_bytes")
        metrics.connection_seconds.observe(time.monotonic() - opened)


async def _join(
    app: web.Application, ws: web.WebSocketResponse, transport: asyncio.Transport, session_id: str, address: str
) -> None:
    """Check the session id (before any store access) and the participant cap, then serve the socket."""
    sessions, cap = app[SESSIONS], app[CONFIG].max_participants
    # While the store is down a session not held here cannot be loaded: refused at once, not left to wait on it.
    store_down = not app[STORE_HEALTH].up and is_session_id(session_id) and sessions.live(session_id) is None
    session = None
    try:
        if not store_down and is_session_id(session_id):
            session = await sessions.open(session_id)
    except Exception as exc:
        if not app[STORE_HEALTH].failed(exc):
            raise
        store_down = True
    if store_down:
        # The page reconnects by itself (with its backoff): by then the store may answer again.
        await sessions.release(session_id)
        await refuse(ws, WSCloseCode.INTERNAL_ERROR, "store_unavailable", f"joining: {STORE_DOWN}", app[METRICS])
        return
    if session is None:
        reason = "session not found" if is_session_id(session_id) else "malformed session id"
        app[METRICS].sent(protocol.error(reason))
        await ws.send_str(protocol.error(reason))
        await ws.close(code=CLOSE_SESSION_NOT_FOUND, message=reason.encode())
        return
    # Places are taken by saying hello (see _take_place). Sockets are bounded too, so that silent ones cannot
    # pile up: at the bound, the one that has gone longest without a hello makes room.
    if cap and app[HUB].count(session_id) >= 3 * cap + HOST_SEATS:
        silent = session.audience.silent_peer_to_evict()
        if silent is None:
            app[METRICS].limit_hit("max_participants")
            try:
                await refuse(
                    ws,
                    CLOSE_SESSION_FULL,
                    "session_full",
                    f"session is full: it already has {cap} participants, the most this server allows",
                    app[METRICS],
                )
            finally:
                await sessions.release(session_id)
            return
        log.info("closing a socket in session %s that never said hello, to make room", session_id)
        await refuse(
            silent.ws,
            CLOSE_SESSION_FULL,
            "session_full",
            "session is full: this connection never said hello, and its place was needed",
            app[METRICS],
        )
    await _serve(app, ws, transport, session, address)


async def _serve(
    app: web.Application, ws: web.WebSocketResponse, transport: asyncio.Transport, session: Session, address: str
) -> None:
    hub, sessions, config, metrics = app[HUB], app[SESSIONS], app[CONFIG], app[METRICS]
    rate = MessageRate(config.message_rate, config.message_burst)
    peer = Peer(ws, session.session_id, transport, hub.writer)
    peer.versions = connection_versions(config.version_rate)
    peer.address = address
    peer.cursors = CursorThrottle(lambda latest: relay_cursor(session, peer, latest))
    # Join and send the state with no await in between, so no update, output or chat can fall between them.
    count = session.audience.join(peer)
    peer.send(protocol.session_state(session.code, session.language, count, session.version))
    hub.broadcast(session.session_id, protocol.user_joined(count), exclude=peer)
    log.info("peer joined session %s (%d connected)", session.session_id, count)
    try:
        await _sync_presence(app, session)
        async for message in ws:
            if not await _within_rate(rate, peer, ws, metrics):
                break
            if message.type in (WSMsgType.TEXT, WSMsgType.BINARY):
                # Bytes (as sent) are limited per address, over all its sockets: big pushes cannot flood disk and CPU.
                size = len(message.data.encode()) if message.type == WSMsgType.TEXT else len(message.data)
                wait = app[LIMITS].bytes_wait(address, size)
                if wait:
                    metrics.limit_hit("byte_rate")
                    await asyncio.sleep(wait)
            if message.type == WSMsgType.TEXT:
                await dispatch(Context(app, session, peer), message.data)
            elif message.type == WSMsgType.BINARY:
                peer.send(protocol.error("binary frames are not supported: send JSON text"))
            elif message.type == WSMsgType.ERROR:
                log.info("socket error in session %s: %s", session.session_id, ws.exception())
    finally:
        await _leave(session, peer, hub, sessions, metrics)


async def _sync_presence(app: web.Application, session: Session) -> None:
    """Count a joiner over every instance; while the store is down, the count waits for the next sync."""
    try:
        await session.audience.sync_presence()
    except Exception as exc:
        if not app[STORE_HEALTH].failed(exc):
            raise


async def _leave(session: Session, peer: Peer, hub: Hub, sessions: SessionRegistry, metrics: Metrics) -> None:
    """Tell the others and end the peer's run; the session is released whatever fails on the way."""
    count = session.audience.leave(peer)
    peer.cursors.cancel()
    if peer.board_pointer is not None:
        peer.board_pointer.cancel()
    try:
        peer.stop()
        hub.broadcast(session.session_id, protocol.user_left(count))
        unfinished = session.activity.end_run(peer.id, "disconnected", None)
        if unfinished is not None:
            metrics.run_finished(unfinished.language, "disconnected")
            session.audience.share(protocol.run_finished(unfinished.id, "disconnected", None, unfinished.truncated))
            await save_run(session, unfinished)
        if peer.introduced:
            await session.audience.announce_participants()
        if peer.call is not None:  # gone from the call with its connection (for playback)
            peer.call = None
            await session.activity.save_call(peer.id, None)
        log.info("peer left session %s (%d connected)", session.session_id, count)
    except Exception:
        log.exception("cleaning up after a peer in session %s failed", session.session_id)
    finally:
        try:
            await session.audience.sync_presence()
        except Exception:
            log.exception("could not count the peer out of session %s", session.session_id)
        await sessions.release(session.session_id)


async def _within_rate(rate: MessageRate, peer: Peer, ws: web.WebSocketResponse, metrics: Metrics) -> bool:
    """Slow a client down to the message rate (nothing is dropped); cut it off if it keeps flooding."""
    wait, verdict = rate.admit()
    if verdict != "ok":
        metrics.limit_hit("message_rate")
    if verdict == "cut":
        log.warning("closing a socket in session %s that kept sending too fast", peer.session_id)
        peer.send(
            protocol.error(
                "too many messages: this connection kept sending faster than the server allows and is closed",
                "rate_limited",
            )
        )
        peer.write_pending()
        await ws.close(code=WSCloseCode.POLICY_VIOLATION, message=b"too many messages")
        return False
    if verdict == "slow":
        peer.send(
            protocol.error(
                "too many messages: slow down; your messages are being delayed, and the connection "
                "is closed if this goes on",
                "rate_limited",
            )
        )
    if wait:
        await asyncio.sleep(wait)
    return True


async def close_all(app: web.Application) -> None:
    """on_shutdown: close every socket with 'going away' so pages reconnect to the next process."""
    for peer in app[HUB].all_peers():
        peer.write_pending()  # what was queued goes out before the close frame
    await asyncio.gather(
        *(peer.ws.close(code=WSCloseCode.GOING_AWAY, message=b"server restarting") for peer in app[HUB].all_peers()),
        return_exceptions=True,
    )

"""The WebSocket endpoint /ws/{session_id}: joins a peer to a session and dispatches its messages."""

from __future__ import annotations

import asyncio
import logging

from aiohttp import WSCloseCode, WSMsgType, web

from . import protocol
from .hub import Peer
from .keys import CONFIG, HUB, SESSIONS
from .protocol import CodeUpdate, ProtocolError, Pull, Push
from .session import PushResult, Session
from .sessions import SessionRegistry, is_session_id

log = logging.getLogger(__name__)

CLOSE_SESSION_NOT_FOUND = 4404  # application close code: do not reconnect

routes = web.RouteTableDef()


@routes.get("/ws/{session_id}")
async def websocket(request: web.Request) -> web.WebSocketResponse:
    config = request.app[CONFIG]
    # permessage-deflate is off: it costs ~150 KiB per connection and invites decompression bombs.
    ws = web.WebSocketResponse(heartbeat=config.heartbeat, max_msg_size=config.max_message_bytes, compress=False)
    await ws.prepare(request)
    session_id = request.match_info["session_id"]
    session = await request.app[SESSIONS].open(session_id) if is_session_id(session_id) else None
    if session is None:
        reason = "session not found" if is_session_id(session_id) else "malformed session id"
        await ws.send_str(protocol.error(reason))
        await ws.close(code=CLOSE_SESSION_NOT_FOUND, message=reason.encode())
        return ws
    await _serve(request.app, ws, session)
    return ws


async def _serve(app: web.Application, ws: web.WebSocketResponse, session: Session) -> None:
    hub, sessions = app[HUB], app[SESSIONS]
    peer = Peer(ws, session.session_id)
    # Join and send the state with no await in between, so no update can fall between them.
    count = sessions.join(peer)
    peer.send(protocol.session_state(session.code, session.language, count, session.version))
    hub.broadcast(session.session_id, protocol.user_joined(count), exclude=peer)
    log.info("peer joined session %s (%d connected)", session.session_id, count)
    try:
        await sessions.sync_presence(session.session_id)
        async for message in ws:
            if message.type == WSMsgType.TEXT:
                await _handle(session, peer, sessions, message.data)
            elif message.type == WSMsgType.BINARY:
                peer.send(protocol.error("binary frames are not supported: send JSON text"))
            elif message.type == WSMsgType.ERROR:
                log.info("socket error in session %s: %s", session.session_id, ws.exception())
    finally:
        count = sessions.leave(peer)
        await peer.stop()
        hub.broadcast(session.session_id, protocol.user_left(count))
        log.info("peer left session %s (%d connected)", session.session_id, count)
        try:
            await sessions.sync_presence(session.session_id)
        finally:
            await sessions.release(session.session_id)


def _full_state(session: Session, sessions: SessionRegistry) -> str:
    return protocol.session_state(session.code, session.language, sessions.known_total(session.session_id),
                                  session.version)


async def _handle(session: Session, peer: Peer, sessions: SessionRegistry, text: str) -> None:
    """Answer one client frame. Bad input gets an `error`; nothing is applied and the socket stays."""
    try:
        message = protocol.parse_client_message(text)
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
            await session.replace_code(message.code, participant=peer.id)
    except ProtocolError as exc:
        peer.send(protocol.error(str(exc)))
    except Exception:
        log.exception("failed to handle a message in session %s", session.session_id)
        peer.send(protocol.error("internal error: the message was not applied"))


async def _push(session: Session, peer: Peer, sessions: SessionRegistry, push: Push) -> None:
    result = await session.push(push.version, push.updates, participant=peer.id)
    if result is PushResult.STALE:
        peer.send(protocol.push_rejected(session.version))
    elif result is PushResult.AHEAD:
        # The client is ahead of the server (the server lost history): resync from the full text.
        peer.send(_full_state(session, sessions))


async def close_all(app: web.Application) -> None:
    """on_shutdown: close every socket with 'going away' so pages reconnect to the next process."""
    await asyncio.gather(*(peer.ws.close(code=WSCloseCode.GOING_AWAY, message=b"server restarting")
                           for peer in app[HUB].all_peers()), return_exceptions=True)

"""Who is connected to which session, and fan-out of messages to them in order."""

from __future__ import annotations

import asyncio
import logging
import secrets
from collections import defaultdict, deque

from aiohttp import WSCloseCode, web

from .presence import DEFAULT_NAME

log = logging.getLogger(__name__)

MAX_QUEUED_MESSAGES = 2000  # a peer this far behind is cut off; it reconnects and pulls


class Peer:
    """One WebSocket connection with its own ordered outbox, so a slow reader never stalls others."""

    def __init__(self, ws: web.WebSocketResponse, session_id: str):
        self.ws = ws
        self.session_id = session_id
        self.id = secrets.token_hex(4)  # names the participant in the update log, runs and chat
        self.name = DEFAULT_NAME
        self.color = ""  # given by the registry on joining
        self.cursors = None  # presence.CursorThrottle relaying this peer's cursor
        self.joined_at = 0.0  # when it said hello (orders the participant list over instances)
        self.introduced = False  # said `hello`: gets people, cursors, runs and chat (plain scripts do not)
        self._outbox: deque[str] = deque()
        self._wakeup = asyncio.Event()
        self._writer = asyncio.create_task(self._write_loop())

    def public(self) -> dict:
        """How others see this participant."""
        return {"id": self.id, "name": self.name, "color": self.color}

    def send(self, text: str) -> None:
        """Queue one frame; never blocks."""
        if self._writer.done():
            return
        if len(self._outbox) >= MAX_QUEUED_MESSAGES:
            log.warning("peer in session %s is %d messages behind; disconnecting it", self.session_id, len(self._outbox))
            self._outbox.clear()
            self._writer.cancel()
            asyncio.ensure_future(self.ws.close(code=WSCloseCode.TRY_AGAIN_LATER, message=b"too far behind, reconnect"))
            return
        self._outbox.append(text)
        self._wakeup.set()

    async def _write_loop(self) -> None:
        try:
            while True:
                await self._wakeup.wait()
                self._wakeup.clear()
                while self._outbox:
                    await self.ws.send_str(self._outbox.popleft())
        except (ConnectionError, RuntimeError):
            pass  # the socket closed; the reader side cleans up

    async def flush(self, timeout: float = 1.0) -> None:
        """Wait (at most `timeout` seconds) until every queued frame is written."""
        deadline = asyncio.get_running_loop().time() + timeout
        while self._outbox and not self._writer.done() and asyncio.get_running_loop().time() < deadline:
            await asyncio.sleep(0.01)

    async def stop(self) -> None:
        """Stop the writer (after the socket closed)."""
        self._writer.cancel()
        try:
            await self._writer
        except asyncio.CancelledError:
            pass


class Hub:
    """The peers of each session, in the order they joined."""

    def __init__(self) -> None:
        self._peers: dict[str, dict[Peer, None]] = defaultdict(dict)

    def join(self, peer: Peer) -> int:
        """Add a peer; return the session's connection count."""
        self._peers[peer.session_id][peer] = None
        return len(self._peers[peer.session_id])

    def leave(self, peer: Peer) -> int:
        """Remove a peer; return the session's remaining connection count."""
        peers = self._peers.get(peer.session_id)
        if peers is None:
            return 0
        peers.pop(peer, None)
        if not peers:
            del self._peers[peer.session_id]
            return 0
        return len(peers)

    def peers(self, session_id: str) -> list[Peer]:
        """The session's peers here, in the order they joined."""
        return list(self._peers.get(session_id, ()))

    def count(self, session_id: str) -> int:
        return len(self._peers.get(session_id, ()))

    def broadcast(self, session_id: str, text: str, exclude: Peer | None = None, introduced_only: bool = False) -> None:
        """Queue one frame for every peer of a session (but `exclude`; only those who said hello if asked)."""
        for peer in self._peers.get(session_id, ()):
            if peer is not exclude and (peer.introduced or not introduced_only):
                peer.send(text)

    def all_peers(self) -> list[Peer]:
        return [peer for peers in self._peers.values() for peer in peers]

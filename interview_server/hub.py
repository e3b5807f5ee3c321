"""Who is connected to which session, and fan-out of messages to them in order."""

from __future__ import annotations

import asyncio
import logging
import math
import secrets
import struct
from collections import defaultdict
from collections.abc import Callable

from aiohttp import WSCloseCode, web

from .limits import TokenBucket
from .presence import DEFAULT_NAME
from .tasks import TaskOwner

log = logging.getLogger(__name__)

MAX_BUFFERED_BYTES = 8 * 1024 * 1024  # a peer with this much unsent is cut off; it reconnects and pulls
CUT_OFF_GRACE_SECONDS = 2.0  # then its connection is dropped even if the close handshake has not finished


def text_frame(text: str) -> bytes:
    """A WebSocket text frame as a server sends it (unmasked, uncompressed): encoded once, written to many."""
    payload = text.encode()
    length = len(payload)
    if length < 126:
        header = bytes((0x81, length))
    elif length < 65536:
        header = struct.pack("!BBH", 0x81, 126, length)
    else:
        header = struct.pack("!BBQ", 0x81, 127, length)
    return header + payload


class FrameWriter:
    """Writes the frames queued for peers once per event-loop iteration: a peer that got several frames
    meanwhile gets them in one write (one system call), and no peer needs a task of its own."""

    def __init__(self, count_sent: Callable[[str, int], None] | None = None) -> None:
        self._dirty: list[Peer] = []
        self._scheduled = False
        self.tasks = TaskOwner()  # closings of peers cut off for falling behind
        # Told of each message sent (its JSON text, and to how many peers): metrics.Metrics.sent.
        self.count_sent = count_sent or _count_nothing

    def schedule(self, peer: Peer) -> None:
        self._dirty.append(peer)
        if not self._scheduled:
            self._scheduled = True
            asyncio.get_running_loop().call_soon(self._write_all)

    def _write_all(self) -> None:
        self._scheduled = False
        dirty, self._dirty = self._dirty, []
        for peer in dirty:
            peer.write_pending()


def _count_nothing(text: str, recipients: int) -> None:
    pass


class Peer:
    """One WebSocket connection. Frames for it are queued in order and written to its transport by the
    FrameWriter; a reader too slow to keep up is cut off rather than let its backlog grow."""

    def __init__(self, ws: web.WebSocketResponse, session_id: str, transport: asyncio.Transport, writer: FrameWriter):
        self.ws = ws
        self.session_id = session_id
        self.id = secrets.token_hex(4)  # names the participant in the update log, runs and chat
        self.name = DEFAULT_NAME
        self.color = ""  # given by the registry on joining
        self.cursors = None  # presence.CursorThrottle relaying this peer's cursor
        self.joined_at = 0.0  # when it said hello (orders the participant list over instances)
        self.introduced = False  # said `hello`: gets people, cursors, runs and chat (plain scripts do not)
        self.is_host = False  # said `hello` with the session's host key (hosting.py)
        self.bad_host_keys = 0  # wrong host keys tried on this connection
        self.address = ""  # the client's address (limits.client_address)
        self.versions = None  # limits.TokenBucket: the versions this connection may add
        self.rates: dict[str, TokenBucket] = {}  # per kind of message (call, board, comment, integrity): rate()
        self.call: dict | None = None  # {"audio", "video"} while in the call (call_state), else None
        self.author = ""  # comments.author_digest of its hello's author_key: its comments stay its own on reload
        self.board_pointer = None  # presence.CursorThrottle relaying its pointer on the whiteboard (on its first)
        self.resynced_at = -math.inf  # when a refused no-op push last got a session_state (handlers._may_resync)
        self._transport = transport
        self._writer = writer
        self._pending: list[bytes] = []
        self._stopped = False

    def rate(self, kind: str, per_second: float, burst: float) -> TokenBucket:
        """What this connection may still send of one kind of message (a burst, then a rate): made on its first."""
        bucket = self.rates.get(kind)
        if bucket is None:
            bucket = self.rates[kind] = TokenBucket(per_second, burst)
        return bucket

    def public(self) -> dict:
        """How others see this participant."""
        return {"id": self.id, "name": self.name, "color": self.color, "role": "host" if self.is_host else "candidate"}

    def send(self, frame: str | bytes) -> None:
        """Queue one message (JSON text, or a frame from text_frame); never blocks."""
        if self._stopped:
            return
        if not self._pending:
            self._writer.schedule(self)
        if isinstance(frame, str):
            self._writer.count_sent(frame, 1)
            frame = text_frame(frame)
        self._pending.append(frame)  # a frame given as bytes comes from Hub.broadcast, which counted it

    def write_pending(self) -> None:
        """Write every queued frame now (the FrameWriter does, once per loop turn; call it before a close
        frame, which must come after them)."""
        if not self._pending or self._stopped:
            return
        if self.ws.closed:  # its close frame has gone (or is going) out: nothing may follow it
            self._pending.clear()
            return
        data = self._pending[0] if len(self._pending) == 1 else b"".join(self._pending)
        self._pending.clear()
        transport = self._transport
        if transport.is_closing():
            return
        transport.write(data)
        backlog = transport.get_write_buffer_size()
        if backlog > MAX_BUFFERED_BYTES:
            log.warning("peer in session %s has %d bytes unsent; disconnecting it", self.session_id, backlog)
            self._stopped = True
            self._writer.tasks.spawn(
                self.ws.close(code=WSCloseCode.TRY_AGAIN_LATER, message=b"too far behind, reconnect"),
                f"cut off a peer of {self.session_id}",
            )
            # A reader this far behind may never read up to the close frame: do not wait for its answer.
            asyncio.get_running_loop().call_later(CUT_OFF_GRACE_SECONDS, transport.abort)

    def stop(self) -> None:
        """Drop what is still queued (after the socket closed)."""
        self._stopped = True
        self._pending.clear()


class Hub:
    """The peers of each session, in the order they joined."""

    def __init__(self, count_sent: Callable[[str, int], None] | None = None) -> None:
        self._peers: dict[str, dict[Peer, None]] = defaultdict(dict)
        self.writer = FrameWriter(count_sent)

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

    def broadcast(
        self,
        session_id: str,
        text: str,
        exclude: Peer | None = None,
        introduced_only: bool = False,
        hosts_only: bool = False,
    ) -> None:
        """Queue one frame for every peer of a session (but `exclude`; only those who said hello, or only
        hosts, if asked)."""
        frame = text_frame(text)  # encoded once for all
        recipients = 0
        for peer in self._peers.get(session_id, ()):
            if peer is not exclude and (peer.introduced or not introduced_only) and (not hosts_only or peer.is_host):
                peer.send(frame)
                recipients += 1
        if recipients:
            self.writer.count_sent(text, recipients)

    def connection_count(self) -> int:
        """Open sockets on this instance, over every session."""
        return sum(len(peers) for peers in self._peers.values())

    def all_peers(self) -> list[Peer]:
        return [peer for peers in self._peers.values() for peer in peers]

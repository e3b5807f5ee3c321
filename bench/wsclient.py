"""A lean WebSocket client for load generation: one asyncio Protocol per socket, no task per socket.

aiohttp's client costs a task and several awaits per received frame; a load generator on the same
two cores as the server would run out of CPU before the server does. This client parses frames in
`data_received` and calls `on_text(str)` directly. It speaks just what the benchmark needs (RFC 6455):
the upgrade handshake, text frames out (masked, as clients must), text frames in, ping -> pong, close.
"""

from __future__ import annotations

import asyncio
import base64
import os
import struct
from collections.abc import Callable

OP_CONTINUATION, OP_TEXT, OP_BINARY, OP_CLOSE, OP_PING, OP_PONG = 0x0, 0x1, 0x2, 0x8, 0x9, 0xA
# A client must mask its frames; the server unmasks them whatever the key. An all-zero key makes the
# masked payload equal to the plain one, which saves the generator a byte-wise XOR per frame.
ZERO_MASK = b"\x00\x00\x00\x00"


class HandshakeError(ConnectionError):
    pass


class WebSocketClient(asyncio.Protocol):
    def __init__(
        self, host: str, port: int, path: str, on_text: Callable[[str], None], on_close: Callable[[int | None], None]
    ):
        self._request = (
            f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\nUpgrade: websocket\r\n"
            f"Connection: Upgrade\r\nSec-WebSocket-Key: {base64.b64encode(os.urandom(16)).decode()}\r\n"
            "Sec-WebSocket-Version: 13\r\n\r\n"
        ).encode()
        self._on_text = on_text
        self._on_close = on_close
        self._buffer = bytearray()
        self._fragments: list[bytes] = []
        self.transport: asyncio.Transport | None = None
        self.opened: asyncio.Future = asyncio.get_running_loop().create_future()
        self.closed = False
        self.close_code: int | None = None

    # ------------------------------------------------------------ asyncio.Protocol

    def connection_made(self, transport: asyncio.Transport) -> None:
        self.transport = transport
        transport.write(self._request)

    def data_received(self, data: bytes) -> None:
        self._buffer += data
        if not self.opened.done():
            end = self._buffer.find(b"\r\n\r\n")
            if end < 0:
                return
            status_line = bytes(self._buffer[: self._buffer.find(b"\r\n")])
            if b" 101 " not in status_line:
                self.opened.set_exception(HandshakeError(status_line.decode(errors="replace")))
                self.transport.close()
                return
            del self._buffer[: end + 4]
            self.opened.set_result(None)
        self._read_frames()

    def connection_lost(self, exc: Exception | None) -> None:
        if not self.opened.done():
            self.opened.set_exception(exc or ConnectionError("closed during the handshake"))
        if not self.closed:
            self.closed = True
            self._on_close(self.close_code)

    # ------------------------------------------------------------ frames

    def _read_frames(self) -> None:
        buffer = self._buffer
        while len(buffer) >= 2:
            first, second = buffer[0], buffer[1]
            length, offset = second & 0x7F, 2
            if length == 126:
                if len(buffer) < 4:
                    return
                length, offset = struct.unpack_from("!H", buffer, 2)[0], 4
            elif length == 127:
                if len(buffer) < 10:
                    return
                length, offset = struct.unpack_from("!Q", buffer, 2)[0], 10
            if second & 0x80:  # servers never mask; skip a key if one came anyway
                offset += 4
            if len(buffer) < offset + length:
                return
            payload = bytes(buffer[offset : offset + length])
            del buffer[: offset + length]
            self._frame(first & 0x80, first & 0x0F, payload)

    def _frame(self, fin: int, opcode: int, payload: bytes) -> None:
        if opcode in (OP_TEXT, OP_BINARY, OP_CONTINUATION):
            self._fragments.append(payload)
            if fin:
                data, self._fragments = b"".join(self._fragments), []
                self._on_text(data.decode())
        elif opcode == OP_PING:
            self._send(OP_PONG, payload)
        elif opcode == OP_CLOSE:
            self.close_code = struct.unpack_from("!H", payload)[0] if len(payload) >= 2 else None
            self._send(OP_CLOSE, payload[:2])
            self.transport.close()

    def _send(self, opcode: int, payload: bytes) -> None:
        if self.transport is None or self.transport.is_closing():
            return
        length = len(payload)
        if length < 126:
            header = struct.pack("!BB", 0x80 | opcode, 0x80 | length)
        elif length < 65536:
            header = struct.pack("!BBH", 0x80 | opcode, 0x80 | 126, length)
        else:
            header = struct.pack("!BBQ", 0x80 | opcode, 0x80 | 127, length)
        self.transport.write(header + ZERO_MASK + payload)

    # ------------------------------------------------------------ API

    def send_text(self, text: str) -> None:
        self._send(OP_TEXT, text.encode())

    def close(self) -> None:
        """A clean close: send the close frame; the server answers and drops the connection."""
        self._send(OP_CLOSE, struct.pack("!H", 1000))

    def abort(self) -> None:
        if self.transport is not None:
            self.transport.abort()


async def connect(
    host: str,
    port: int,
    path: str,
    on_text: Callable[[str], None],
    on_close: Callable[[int | None], None],
    on_created: Callable[[WebSocketClient], None] = None,
    timeout: float = 30,
) -> WebSocketClient:
    """Open a socket. `on_created` gets the client before any frame arrives (the first ones may come
    with the handshake's answer, before this returns), so `on_text` can already answer."""
    loop = asyncio.get_running_loop()

    def create() -> WebSocketClient:
        client = WebSocketClient(host, port, path, on_text, on_close)
        if on_created is not None:
            on_created(client)
        return client

    _, client = await loop.create_connection(create, host, port)
    await asyncio.wait_for(asyncio.shield(client.opened), timeout)
    return client

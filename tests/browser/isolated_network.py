"""A Chromium with a network of its own, as behind a strict NAT: in a new network namespace (loopback and a private
address nothing outside reaches), it
reaches the pad's port through a unix socket (a forwarder inside, a relay outside), so its page loads and its
WebSocket works, but no WebRTC path exists between it and a browser outside. Needs `unshare -n` (root here)."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from pathlib import Path

# Inside the namespace: TCP 127.0.0.1:PORT -> the unix socket (the relay outside forwards it to the pad).
FORWARDER = """
import asyncio, sys

async def pipe(reader, writer):
    try:
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
    except OSError:
        pass
    finally:
        writer.close()

async def accept(reader, writer):
    try:
        outer_reader, outer_writer = await asyncio.open_unix_connection(sys.argv[2])
    except OSError:
        writer.close()
        return
    await asyncio.gather(pipe(reader, outer_writer), pipe(outer_reader, writer))

async def main():
    server = await asyncio.start_server(accept, "127.0.0.1", int(sys.argv[1]))
    open(sys.argv[3], "w").close()  # listening: the browser may start
    async with server:
        await server.serve_forever()

asyncio.run(main())
"""
# A private address of its own (a veth pair inside the namespace) makes Chromium think it is online, as behind a NAT;
# nothing outside can reach that address.
WRAPPER = """#!/bin/sh
exec unshare -n -- sh -c 'ip link set lo up; ip link add v0 type veth peer name v1; ip addr add 10.254.0.2/24 dev v0;
ip link set v0 up; ip link set v1 up; rm -f "$ISOLATED_READY";
"$ISOLATED_PYTHON" "$ISOLATED_FORWARDER" "$ISOLATED_PORT" "$ISOLATED_SOCKET" "$ISOLATED_READY" &
while [ ! -e "$ISOLATED_READY" ]; do sleep 0.05; done; exec "$ISOLATED_CHROMIUM" "$@"' chromium "$@"
"""


def can_isolate() -> bool:
    try:
        return subprocess.run(["unshare", "-n", "true"], capture_output=True, timeout=10).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


async def _pipe(reader, writer) -> None:
    try:
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
    except OSError:
        pass
    finally:
        writer.close()


async def isolated_chromium(folder: Path, port: int, chromium: str) -> tuple[str, dict, asyncio.AbstractServer]:
    """(executable, env) to launch Chromium isolated, its page reaching 127.0.0.1:`port`; and the relay (close it)."""
    socket_path = folder / "pad.sock"

    async def relay(reader, writer) -> None:
        try:
            pad_reader, pad_writer = await asyncio.open_connection("127.0.0.1", port)
        except OSError:
            writer.close()
            return
        await asyncio.gather(_pipe(reader, pad_writer), _pipe(pad_reader, writer))

    server = await asyncio.start_unix_server(relay, str(socket_path))
    (folder / "forwarder.py").write_text(FORWARDER)
    wrapper = folder / "chromium-isolated"
    wrapper.write_text(WRAPPER)
    wrapper.chmod(0o755)
    env = {
        **os.environ,
        "ISOLATED_PYTHON": sys.executable,
        "ISOLATED_FORWARDER": str(folder / "forwarder.py"),
        "ISOLATED_PORT": str(port),
        "ISOLATED_SOCKET": str(socket_path),
        "ISOLATED_CHROMIUM": chromium,
        "ISOLATED_READY": str(folder / "forwarder.ready"),
    }
    return str(wrapper), env, server

"""Real collab clients typing (tests/node/typists.mjs: the page's own sync core in Node), started by the tests."""

from __future__ import annotations

import asyncio

from .server_process import ROOT


async def start_typists(ws_url: str, clients: int, seconds: float, interval_ms: int = 40) -> asyncio.subprocess.Process:
    """`clients` clients on `ws_url` (comma-separated URLs: round robin), each typing on its own line for
    `seconds`; write a line to its stdin to let them settle, then read their JSON summary from stdout."""
    return await asyncio.create_subprocess_exec(
        "node",
        "--experimental-websocket",
        "--no-warnings",
        "tests/node/typists.mjs",
        ws_url,
        str(clients),
        str(seconds),
        str(interval_ms),
        cwd=ROOT,
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )

"""The end-of-session webhook: the report POSTed to WEBHOOK_URL, signed, retried with backoff in the background.

Each delivery carries `X-Interview-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>" with
WEBHOOK_SECRET>` (as Stripe signs: the receiver recomputes it, compares in constant time and refuses old
timestamps), and `X-Interview-Delivery`, the same id on every attempt of one delivery (a receiver can drop
repeats). A 2xx answer ends it; anything else, or no answer, is tried again after 1, 2, 4, 8 and 16 s (six
attempts in all), then given up and logged. The session never waits for it.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import logging
import time
import uuid
from collections.abc import Callable, Sequence

import aiohttp

log = logging.getLogger(__name__)

EVENT = "session.ended"
BACKOFF_SECONDS = (1, 2, 4, 8, 16)  # waits between attempts: six attempts in all
TIMEOUT_SECONDS = 10  # per attempt


def signature(secret: str, timestamp: int, body: bytes) -> str:
    """The X-Interview-Signature header's value for a body sent at `timestamp`."""
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


async def deliver(
    url: str,
    secret: str,
    report: dict,
    backoff: Sequence[float] | None = None,
    clock: Callable[[], float] = time.time,
) -> bool:
    """POST the report until a 2xx answer or the attempts run out; True if it was delivered."""
    body = json.dumps({"event": EVENT, "report": report}, separators=(",", ":"), ensure_ascii=False).encode()
    delivery = str(uuid.uuid4())
    session_id = report.get("session_id")
    timeout = aiohttp.ClientTimeout(total=TIMEOUT_SECONDS)
    async with aiohttp.ClientSession(timeout=timeout) as http:
        for attempt, wait in enumerate([*(BACKOFF_SECONDS if backoff is None else backoff), None], start=1):
            headers = {
                "Content-Type": "application/json",
                "User-Agent": "interview-server-webhook",
                "X-Interview-Event": EVENT,
                "X-Interview-Delivery": delivery,
                "X-Interview-Signature": signature(secret, int(clock()), body),
            }
            try:
                async with http.post(url, data=body, headers=headers, allow_redirects=False) as response:
                    if 200 <= response.status < 300:
                        log.info("webhook for session %s delivered (attempt %d)", session_id, attempt)
                        return True
                    why = f"HTTP {response.status}"
            except (aiohttp.ClientError, TimeoutError, OSError) as exc:
                why = f"{type(exc).__name__}: {exc}"
            if wait is None:
                log.error("webhook for session %s given up after %d attempts: %s", session_id, attempt, why)
                return False
            log.warning(
                "webhook for session %s failed (attempt %d: %s); trying again in %g s", session_id, attempt, why, wait
            )
            await asyncio.sleep(wait)
    return False

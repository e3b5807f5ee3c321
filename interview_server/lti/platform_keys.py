"""The platforms' public keys (their JWKS), fetched when first needed and cached by `kid`. A launch signed with a
kid not in the cache fetches the set once more (the platform may have rotated), at most once every
REFETCH_SECONDS per platform, so made-up kids cannot make the tool hammer a platform."""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Callable

import aiohttp
from jwt import PyJWK
from jwt.exceptions import PyJWKError

log = logging.getLogger(__name__)

CACHE_SECONDS = 3600  # a set is fetched again after this long
REFETCH_SECONDS = 10  # an unknown kid fetches again at most this often
MAX_JWKS_BYTES = 256 * 1024
FETCH_TIMEOUT_SECONDS = 5


class PlatformKeys:
    def __init__(self, http: Callable[[], aiohttp.ClientSession], clock: Callable[[], float] = time.monotonic):
        self._http = http
        self._clock = clock
        self._sets: dict[str, tuple[float, dict[str, PyJWK]]] = {}  # url -> (fetched at, kid -> key)
        self._fetching: dict[str, asyncio.Future] = {}

    async def key(self, url: str, kid: str) -> PyJWK | None:
        """The platform's key `kid`, or None if its set (fetched again if need be) has no such key."""
        held = self._sets.get(url)
        if held is not None and kid in held[1] and self._clock() - held[0] < CACHE_SECONDS:
            return held[1][kid]
        if held is None or self._clock() - held[0] >= REFETCH_SECONDS:
            await self._fetch(url)
        return self._sets.get(url, (0, {}))[1].get(kid)

    async def _fetch(self, url: str) -> None:
        """Fetch a set (one request at a time per URL); a failure keeps what was cached."""
        if url in self._fetching:
            await asyncio.shield(self._fetching[url])
            return
        done = self._fetching[url] = asyncio.get_running_loop().create_future()
        try:
            self._sets[url] = (self._clock(), await self._read(url))
        except (aiohttp.ClientError, TimeoutError, ValueError) as exc:
            log.warning("could not fetch the LTI platform keys at %s: %s", url, exc)
            held = self._sets.get(url)
            self._sets[url] = (self._clock(), held[1] if held else {})  # tried now: not again at once
        finally:
            del self._fetching[url]
            done.set_result(None)

    async def _read(self, url: str) -> dict[str, PyJWK]:
        timeout = aiohttp.ClientTimeout(total=FETCH_TIMEOUT_SECONDS)
        async with self._http().get(url, timeout=timeout, headers={"Accept": "application/json"}) as response:
            response.raise_for_status()
            body = await response.content.read(MAX_JWKS_BYTES + 1)
        if len(body) > MAX_JWKS_BYTES:
            raise ValueError(f"the key set is over {MAX_JWKS_BYTES // 1024} KiB")
        keys = {}
        for entry in json.loads(body).get("keys", []):
            if not isinstance(entry, dict) or not entry.get("kid") or entry.get("kty") != "RSA":
                continue
            try:
                keys[entry["kid"]] = PyJWK(entry, algorithm="RS256")
            except PyJWKError:
                continue
        return keys

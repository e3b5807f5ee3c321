"""Compaction that keeps a session's recording: the log's oldest updates go, the text where playback now
starts is kept in their place.

A session's log is bounded (MAX_HISTORY_UPDATES behind the current version, compacted COMPACT_STEP at a
time). Before the store drops updates, the text at the new first version is written to the session's
meta (hosting.PLAYBACK_START), so history, playback and export still replay every update the store
keeps, from there. The replay reads the log in pages and gives the event loop turns; it runs beside the
session, never under its lock.
"""

from __future__ import annotations

import asyncio
import logging
import time

from . import hosting
from .changes import Text
from .store import SessionStore

log = logging.getLogger(__name__)

MAX_HISTORY_UPDATES = 200_000  # updates kept behind the current version (an abuse guard on the log's size)
COMPACT_STEP = 10_000  # compaction waits until it can drop this many at once
PAGE_UPDATES = 1000  # read from the store at a time
SLICE_SECONDS = 0.005  # the event loop gets a turn this often during the replay


def due(version: int, start_version: int) -> bool:
    """True when a session at `version` whose recording starts at `start_version` should be compacted."""
    return version - start_version >= MAX_HISTORY_UPDATES + COMPACT_STEP


async def compact(store: SessionStore, session_id: str, version: int) -> dict | None:
    """Compact the session's log up to `version - MAX_HISTORY_UPDATES`, keeping the text there as the start of
    its recording; the new start ({"version", "text"}), or None if there was nothing to do (or it could not be
    done, or there is no start to keep)."""
    record = await store.get(session_id)
    if record is None:
        return None
    start_version, start_text = hosting.playback_start(record.meta)
    cut = version - MAX_HISTORY_UPDATES
    if cut - start_version < COMPACT_STEP:
        return None  # another instance did it already
    text = None if start_text is None else await _replay(store, session_id, start_version, start_text, cut)
    start = None if text is None else {"version": cut, "text": text}
    if start is not None:  # sessions from before playback have no start to keep: their log is only trimmed
        await store.set_meta(session_id, hosting.PLAYBACK_START, start)
    elif start_text is not None:
        return None  # the log no longer holds what the replay needs: leave it as it is
    await store.compact(session_id, cut)
    log.info("compacted session %s: its recording now starts at version %d", session_id, cut)
    return start


async def _replay(store: SessionStore, session_id: str, version: int, text: str, until: int) -> str | None:
    doc = Text.from_str(text)
    since = time.perf_counter()
    while version < until:
        updates = await store.updates_since(session_id, version, limit=min(PAGE_UPDATES, until - version))
        if not updates:
            return None
        for update in updates:
            doc = doc.apply(update.changes)
            if time.perf_counter() - since >= SLICE_SECONDS:
                await asyncio.sleep(0)
                since = time.perf_counter()
        version += len(updates)
    return str(doc)

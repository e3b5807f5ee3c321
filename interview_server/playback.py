"""A session's whole history for playback and export: the starting text, every update, runs, chat, people.

docs/PLAYBACK.md shows the shape. The page (static/src/playback/) rebuilds the text at any version from it.
Once the log was compacted, the history starts where the recording now starts (hosting.playback_start). Its
updates are read from the store a page at a time while the JSON is written (json_text), never all at once.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterable, Iterator
from datetime import datetime, UTC

from . import grading, hosting
from .activity import iso_time
from .board import board_id
from .comments import COMMENT_KIND
from .integrity import INTEGRITY_KIND
from .protocol import Update
from .report import timeline_summary
from .store import SessionRecord, SessionStore
from .store.base import EVENT_LIMITS

UPDATES_PER_PIECE = 1000  # updates read from the store, and written, at a time


class PlaybackUnavailable(Exception):
    """The session cannot be replayed; the message says why."""


class UpdateLog:
    """The updates of a history (versions start_version + 1 .. end_version), read from the store when written."""

    def __init__(self, store: SessionStore, session_id: str, start_version: int, end_version: int):
        self._store, self.session_id = store, session_id
        self.start_version, self.end_version = start_version, end_version

    def __len__(self) -> int:
        return self.end_version - self.start_version

    async def pages(self) -> AsyncIterator[list[dict]]:
        """The updates as {at, participant, changes}, UPDATES_PER_PIECE at a time."""
        version = self.start_version
        while version < self.end_version:
            page = await self._store.updates_since(
                self.session_id, version, limit=min(UPDATES_PER_PIECE, self.end_version - version)
            )
            if not page:
                raise PlaybackUnavailable(f"the log was compacted while it was read (at version {version})")
            yield [_update_json(update) for update in page]
            version += len(page)


def _update_json(update: Update) -> dict:
    return {"at": round(update.timestamp * 1000), "participant": update.participant, "changes": update.changes}


async def session_history(record: SessionRecord, store: SessionStore) -> dict:
    """The history of a session up to `record.version` ("updates" an UpdateLog); raises PlaybackUnavailable if its
    start was never kept."""
    start_version, start_text = hosting.playback_start(record.meta)
    if start_text is None:
        raise PlaybackUnavailable("this session was created before playback existed: its starting text was not kept")
    if await store.updates_since(record.session_id, start_version, limit=1) is None:
        # Compacted since `record` was read (a live session's copy of the meta lags the store's): the store's start.
        stored = await store.get(record.session_id)
        if stored is not None and hosting.playback_start(stored.meta)[1] is not None:
            start_version, start_text = hosting.playback_start(stored.meta)
        if (
            start_version > record.version
            or await store.updates_since(record.session_id, start_version, limit=1) is None
        ):
            start_version, start_text = record.version, record.text  # no start kept: replay from where it is now
    people = {
        person["id"]: {
            "name": person["name"],
            "color": person["color"],
            "role": person.get("role", "candidate"),
            # every name it had, oldest first ("at": server ms; null when not recorded)
            "names": person.get("names") or [{"name": person["name"], "at": None}],
        }
        for person in await store.recent_events(record.session_id, "person", EVENT_LIMITS["person"])
    }
    history = {
        "session_id": record.session_id,
        "title": record.meta.get(hosting.TITLE) or "",
        "language": record.language,
        "created_at": iso_time(record.created_at.timestamp()),
        "exported_at": iso_time(datetime.now(UTC).timestamp()),
        "start": {"version": start_version, "text": start_text},
        # a live session's store may be one commit further than `record`
        "updates": UpdateLog(store, record.session_id, start_version, max(record.version, start_version)),
        "participants": people,
        "runs": await store.recent_events(record.session_id, "run", EVENT_LIMITS["run"]),
        "chat": await store.recent_events(record.session_id, "chat", EVENT_LIMITS["chat"]),
        # comment threads (comments.py), hosts-only ones too: the whole history is for hosts
        "comments": [
            {key: value for key, value in thread.items() if key != "authors"}
            for thread in await store.recent_events(record.session_id, COMMENT_KIND, EVENT_LIMITS[COMMENT_KIND])
            if not thread.get("removed")
        ],
        # pastes, time away, typing bursts (integrity.py): hosts only, like the whole history
        "integrity": await store.recent_events(record.session_id, INTEGRITY_KIND, EVENT_LIMITS[INTEGRITY_KIND]),
        # who joined or left the call, muted or unmuted, when (never the media)
        "calls": await store.recent_events(record.session_id, "call", EVENT_LIMITS["call"]),
        # hosts only, like the whole history: hidden-check results (each at its version), timer marks, scorecards
        "hidden_results": await store.recent_events(record.session_id, grading.HIDDEN_KIND, EVENT_LIMITS["hidden"]),
        "timer_marks": await store.recent_events(record.session_id, grading.TIMER_KIND, EVENT_LIMITS["timer"]),
        "scorecards": sorted(
            (value for key, value in record.meta.items() if key.startswith(grading.SCORECARD_PREFIX)),
            key=lambda card: card.get("saved_at", 0),
        ),
        "version": record.version,
        "text": record.text,
        "problem": record.meta.get(hosting.PROBLEM),
        "locked": bool(record.meta.get(hosting.LOCKED)),
        "ended": bool(record.meta.get(hosting.ENDED)),
    }
    history["board"] = await board_history(store, record.session_id)
    history["timeline"] = timeline_summary(record.version, history["runs"], history["chat"], history["hidden_results"])
    if start_version > 0:
        history["compacted_before"] = start_version  # the edits before it were compacted away
    return history


async def board_history(store: SessionStore, session_id: str) -> dict:
    """The whiteboard's history (board.py): its text at `version` (the start: normally the empty board at 0), then
    every update after it ("updates" an UpdateLog, or [] when there are none)."""
    record = await store.get(board_id(session_id))
    if record is None or record.version == 0:
        return {"version": 0, "text": "", "updates": []}
    if await store.updates_since(record.session_id, 0, limit=1) is None:
        return {"version": record.version, "text": record.text, "updates": []}  # not kept whole: where it is now
    return {"version": 0, "text": "", "updates": UpdateLog(store, record.session_id, 0, record.version)}


def json_pieces(history: dict, *, ascii_only: bool = True) -> Iterator[str | UpdateLog]:
    """The JSON text of `history` in pieces (UPDATES_PER_PIECE updates, or one run, at a time); joined they are
    exactly json.dumps(history, separators=(",", ":"), ensure_ascii=ascii_only). An UpdateLog stands where its
    updates go (json_text reads them)."""
    yield "{"
    for index, (key, value) in enumerate(history.items()):
        yield f"{',' if index else ''}{_dumps(key, ascii_only)}:"
        if key == "updates":
            yield "["
            if isinstance(value, UpdateLog):
                yield value
            else:
                for start in range(0, len(value), UPDATES_PER_PIECE):
                    yield ("," if start else "") + _dumps(value[start : start + UPDATES_PER_PIECE], ascii_only)[1:-1]
            yield "]"
        elif key == "board":
            yield f'{{"version":{value["version"]},"text":{_dumps(value["text"], ascii_only)},"updates":['
            updates = value["updates"]
            yield updates if isinstance(updates, UpdateLog) else _dumps(updates, ascii_only)[1:-1]
            yield "]}"
        elif key == "runs":
            yield "["
            for number, run in enumerate(value):
                yield ("," if number else "") + _dumps(run, ascii_only)
            yield "]"
        else:
            yield _dumps(value, ascii_only)
    yield "}"


async def json_text(pieces: Iterable[str | UpdateLog], *, ascii_only: bool = True) -> AsyncIterator[str]:
    """json_pieces' text with each UpdateLog's updates read from the store a page at a time."""
    for piece in pieces:
        if isinstance(piece, UpdateLog):
            first = True
            async for page in piece.pages():
                yield ("" if first else ",") + _dumps(page, ascii_only)[1:-1]
                first = False
        else:
            yield piece


def _dumps(value, ascii_only: bool) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=ascii_only)

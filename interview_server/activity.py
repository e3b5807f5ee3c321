"""Runs and chat of one live session: stamped by the server, kept for late joiners, stored, relayed.

The runner's browser executes the code; the server only records what it reports: who ran which
version, the output in order (capped), and how the run ended.
"""

from __future__ import annotations

import asyncio
import collections
import logging
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone

from .store import SessionStore

log = logging.getLogger(__name__)

RECENT_RUNS = 10  # runs (with output) a late joiner receives
RECENT_CHAT = 100  # chat messages a late joiner receives
MAX_RUN_OUTPUT_CHARS = 200_000  # output kept and relayed per run; the rest is dropped and marked


def iso_time(seconds: float) -> str:
    """ISO 8601 UTC with milliseconds, e.g. 2026-11-28T19:40:02.120Z."""
    return datetime.fromtimestamp(seconds, timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


@dataclass
class Run:
    """One run as reported by the browser that executed it."""

    id: str
    participant: str
    name: str
    color: str
    language: str
    version: int
    started_at: str
    status: str | None = None  # None while running
    duration_ms: int | None = None
    truncated: bool = False
    output: list[dict] = field(default_factory=list)  # [{stream, text}], neighbours of one stream merged
    chars: int = 0

    def header(self) -> dict:
        return {"id": self.id, "participant": self.participant, "name": self.name, "color": self.color,
                "language": self.language, "version": self.version, "started_at": self.started_at}

    def to_json(self) -> dict:
        return {**self.header(), "status": self.status, "duration_ms": self.duration_ms,
                "truncated": self.truncated, "output": self.output}

    @classmethod
    def from_json(cls, data: dict) -> "Run":
        run = cls(**{key: data[key] for key in ("id", "participant", "name", "color", "language", "version",
                                                 "started_at", "status", "duration_ms", "truncated")})
        run.output = list(data.get("output", []))
        run.chars = sum(len(chunk["text"]) for chunk in run.output)
        return run

    def add_output(self, stream: str, text: str) -> str:
        """Keep output up to the cap; returns the part kept ("" once the cap is reached)."""
        room = MAX_RUN_OUTPUT_CHARS - self.chars
        if len(text) > room:
            text, self.truncated = text[:max(room, 0)], True
        if not text:
            return ""
        self.chars += len(text)
        if self.output and self.output[-1]["stream"] == stream:
            self.output[-1] = {"stream": stream, "text": self.output[-1]["text"] + text}
        else:
            self.output.append({"stream": stream, "text": text})
        return text


class Activity:
    """The recent runs and chat of one session, and the runs in progress (one per participant)."""

    def __init__(self, session_id: str, store: SessionStore, clock: Callable[[], float] = time.time):
        self.session_id = session_id
        self._store = store
        self._clock = clock
        self._runs: collections.OrderedDict[str, Run] = collections.OrderedDict()  # recent, oldest first
        self._chat: collections.deque[dict] = collections.deque(maxlen=RECENT_CHAT)
        self._running: dict[str, Run] = {}  # participant id -> their run in progress
        self._saving = asyncio.Lock()  # saves reach the store in the order they were made

    async def load(self) -> None:
        """Fill the recent runs and chat from the store (called when the session goes live)."""
        for data in await self._store.recent_events(self.session_id, "run", RECENT_RUNS):
            run = Run.from_json(data)
            if run.status is None:
                run.status = "disconnected"  # the server went away while it ran
            self._remember(run)
        self._chat.extend(await self._store.recent_events(self.session_id, "chat", RECENT_CHAT))

    def history(self) -> tuple[list[dict], list[dict]]:
        """(recent runs with output, recent chat), oldest first."""
        return [run.to_json() for run in self._runs.values()], list(self._chat)

    def _remember(self, run: Run) -> None:
        self._runs[run.id] = run
        while len(self._runs) > RECENT_RUNS:
            self._runs.popitem(last=False)

    def start_run(self, participant: dict, version: int, language: str) -> Run:
        run = Run(id=f"r-{secrets.token_hex(6)}", participant=participant["id"], name=participant["name"],
                  color=participant["color"], language=language, version=version,
                  started_at=iso_time(self._clock()))
        self._running[participant["id"]] = run
        self._remember(run)
        return run

    def running(self, participant_id: str) -> Run | None:
        return self._running.get(participant_id)

    def end_run(self, participant_id: str, status: str, duration_ms: int | None) -> Run | None:
        run = self._running.pop(participant_id, None)
        if run is not None:
            run.status, run.duration_ms = status, duration_ms
        return run

    def new_chat(self, participant: dict, text: str) -> dict:
        """A chat message from `participant`, stamped now (not yet kept: see add_chat)."""
        return {"id": f"c-{secrets.token_hex(6)}", "participant": participant["id"], "name": participant["name"],
                "color": participant["color"], "text": text, "sent_at": iso_time(self._clock())}

    def add_chat(self, message: dict) -> None:
        """Keep a chat message for late joiners' history."""
        self._chat.append(message)

    # Another instance's runs and chat, relayed (shared stores): keep them for late joiners here too.

    def ingest(self, type_: str, data: dict) -> None:
        if type_ == "chat":
            self._chat.append(data["message"])
        elif type_ == "run_started":
            header = data["run"]
            self._remember(Run(**header))
        elif type_ == "run_output":
            run = self._runs.get(data["run_id"])
            if run is not None:
                run.add_output(data["stream"], data["text"])
        elif type_ == "run_finished":
            run = self._runs.get(data["run_id"])
            if run is not None:
                run.status, run.duration_ms, run.truncated = data["status"], data["duration_ms"], data["truncated"]

    async def save_run(self, run: Run) -> None:
        await self._save("run", run.id, run.to_json())

    async def save_person(self, person: dict) -> None:
        """Remember who a participant id was ({id, name, color, role}), for playback."""
        await self._save("person", person["id"], person)

    async def save_chat(self, message: dict) -> None:
        await self._save("chat", message["id"], message)

    async def _save(self, kind: str, event_id: str, body: dict) -> None:
        async with self._saving:
            await self._store.save_event(self.session_id, kind, event_id, self._clock(), body)

"""Runs and chat of one live session: stamped by the server, kept for late joiners, stored, relayed.

The runner's browser executes the code; the server only records what it reports: who ran which
version, the output in order (capped), and how the run ended. A joiner's `history` frame is bounded in
encoded bytes: each run's output there is its end only (the whole of it: GET /api/sessions/{id}/runs/{run}).
"""

from __future__ import annotations

import asyncio
import collections
import json
import logging
import re
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, UTC

from . import protocol
from .store import SessionStore
from .store.base import EVENT_LIMITS

log = logging.getLogger(__name__)

RECENT_RUNS = 10  # runs (with output) a late joiner receives
RECENT_CHAT = 100  # chat messages a late joiner receives
MAX_RUN_OUTPUT_CHARS = 200_000  # output kept and relayed per run; the rest is dropped and marked
# The `history` frame a joiner receives, in bytes as sent (UTF-8 JSON): well under the 8 MiB a reader may fall
# behind (hub.MAX_BUFFERED_BYTES). Each run's output there keeps its end (results, tracebacks) within
# HISTORY_RUN_OUTPUT_BYTES, marked output_shortened; chat keeps its newest messages within HISTORY_CHAT_BYTES.
HISTORY_MAX_BYTES = 1024 * 1024
HISTORY_RUN_OUTPUT_BYTES = 64 * 1024
HISTORY_CHAT_BYTES = 320 * 1024
MAX_NAMES = 20  # names kept per participant for playback (the first and the latest 19)
RUN_ID = re.compile(r"r-[0-9a-f]{12}")  # as start_run makes them
# Whether protocol.encode writes non-ASCII characters as UTF-8 (else as \u escapes, 6 or 12 bytes each).
_UTF8_FRAMES = "\u00e9" in protocol.encode("error", {"message": "\u00e9"})


def iso_time(seconds: float) -> str:
    """ISO 8601 UTC with milliseconds, e.g. 2026-11-28T19:40:02.120Z."""
    return datetime.fromtimestamp(seconds, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


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
    # (key, body) of the last shortened copy for `history`: joiners of a finished run reuse it.
    _history: tuple | None = field(default=None, repr=False, compare=False)

    def header(self) -> dict:
        return {
            "id": self.id,
            "participant": self.participant,
            "name": self.name,
            "color": self.color,
            "language": self.language,
            "version": self.version,
            "started_at": self.started_at,
        }

    def to_json(self) -> dict:
        return {
            **self.header(),
            "status": self.status,
            "duration_ms": self.duration_ms,
            "truncated": self.truncated,
            "output": self.output,
        }

    @classmethod
    def from_json(cls, data: dict) -> Run:
        run = cls(
            **{
                key: data[key]
                for key in (
                    "id",
                    "participant",
                    "name",
                    "color",
                    "language",
                    "version",
                    "started_at",
                    "status",
                    "duration_ms",
                    "truncated",
                )
            }
        )
        run.output = list(data.get("output", []))
        run.chars = sum(len(chunk["text"]) for chunk in run.output)
        return run

    def add_output(self, stream: str, text: str) -> str:
        """Keep output up to the cap; returns the part kept ("" once the cap is reached)."""
        room = MAX_RUN_OUTPUT_CHARS - self.chars
        if len(text) > room:
            text, self.truncated = text[: max(room, 0)], True
        if not text:
            return ""
        self.chars += len(text)
        self._history = None
        if self.output and self.output[-1]["stream"] == stream:
            self.output[-1] = {"stream": stream, "text": self.output[-1]["text"] + text}
        else:
            self.output.append({"stream": stream, "text": text})
        return text

    def for_history(self, output_bytes: int, sizer: _Sizer) -> dict:
        """to_json(), its output cut to its end if that takes over `output_bytes` bytes as sent; a cut run says
        output_shortened, output_chars (all the server keeps) and output_omitted_chars (the characters left out)."""
        key = (output_bytes, sizer.ascii_only, self.chars, len(self.output), self.status, self.truncated)
        if self._history is not None and self._history[0] == key:
            body, lone_surrogate = self._history[1]
            sizer.lone_surrogate |= lone_surrogate
            return body
        before, sizer.lone_surrogate = sizer.lone_surrogate, False  # this run's own, for the cache
        body = self.to_json()
        if self.chars * 12 + len(self.output) * 40 > output_bytes:  # else it fits whatever its characters
            output, kept = _output_end(self.output, output_bytes, sizer)
            if kept < self.chars:
                body.update(
                    output=output,
                    output_shortened=True,
                    output_chars=self.chars,
                    output_omitted_chars=self.chars - kept,
                )
        else:
            sizer.size(self.output)
        self._history = (key, (body, sizer.lone_surrogate))
        sizer.lone_surrogate |= before
        return body


class _Sizer:
    """Bytes of JSON values as protocol.encode sends them: UTF-8, or ASCII escapes (`ascii_only`). Notes whether a
    measured string held a lone surrogate (half an emoji), which makes the whole frame ASCII-escaped."""

    def __init__(self, ascii_only: bool):
        self.ascii_only = ascii_only
        self.lone_surrogate = False

    def size(self, value) -> int:
        text = json.dumps(value, separators=(",", ":"), ensure_ascii=self.ascii_only)
        if self.ascii_only:
            return len(text)
        try:
            return len(text.encode("utf-8"))
        except UnicodeEncodeError:
            self.lone_surrogate = True
            return len(text.encode("utf-8", "surrogatepass"))


def _output_end(output: list[dict], budget: int, sizer: _Sizer) -> tuple[list[dict], int]:
    """The end of `output` ([{stream, text}]) whose JSON array takes at most `budget` bytes; and its characters."""
    kept: list[dict] = []
    room, chars = budget - 2, 0  # the brackets
    for chunk in reversed(output):
        text = chunk["text"]
        # What the text may take as a JSON string (quotes included) beside its chunk's keys and a comma.
        room_for_text = room - (sizer.size({"stream": chunk["stream"], "text": ""}) - 2) - 1
        cost = sizer.size(text) if len(text) + 2 <= room_for_text else None  # each character takes a byte or more
        if cost is not None and cost <= room_for_text:
            kept.append(chunk)
            room, chars = room_for_text - cost, chars + len(text)
            continue
        end = _string_end(text, room_for_text, sizer)
        cut = len(text) - len(end)
        if cut and text[cut - 1] != "\n" and 0 <= (newline := end.find("\n", 0, 1000)) < len(end) - 1:
            end = end[newline + 1 :]  # from the start of a line, rather than the middle of one
        text = end
        if text:
            kept.append({"stream": chunk["stream"], "text": text})
            chars += len(text)
        break
    kept.reverse()
    return kept, chars


def _string_end(text: str, budget: int, sizer: _Sizer) -> str:
    """The longest end of `text` (to within a character or two) that takes at most `budget` bytes as a JSON string.

    JSON escapes each character on its own, so the cost of an end is the sum of its pieces' costs: the end grows
    piece by piece, first by as many characters as the average so far allows, else by as many as surely fit."""
    widest = 12 if sizer.ascii_only else 6  # the most one character takes: "\\ud83d\\ude00", or "\\u0000"
    cost, start = 2, len(text)  # text[start:] is kept: its cost, quotes included
    while start > 0 and budget - cost >= widest:
        room, kept = budget - cost, len(text) - start
        safe = room // widest
        hopeful = int(room * kept / (cost - 2)) if kept and cost > 2 else room
        for step in (hopeful, safe) if hopeful > safe else (safe,):
            piece = sizer.size(text[max(0, start - step) : start]) - 2
            if piece <= room:
                break
        cost, start = cost + piece, max(0, start - step)
    return text[start:]


class Activity:
    """The recent runs and chat of one session, and the runs in progress (one per participant)."""

    def __init__(self, session_id: str, store: SessionStore, clock: Callable[[], float] = time.time):
        self.session_id = session_id
        self._store = store
        self._clock = clock
        self._runs: collections.OrderedDict[str, Run] = collections.OrderedDict()  # recent, oldest first
        self._chat: collections.deque[dict] = collections.deque(maxlen=RECENT_CHAT)
        self._running: dict[str, Run] = {}  # participant id -> their run in progress
        self._names: collections.OrderedDict[str, list[dict]] = collections.OrderedDict()  # participant id -> names
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
        """(recent runs with output, recent chat), oldest first, for one `history` frame of at most HISTORY_MAX_BYTES
        as sent: long outputs keep their end (Run.for_history), chat its newest messages."""
        runs, chat, sizer = self._history(_Sizer(ascii_only=not _UTF8_FRAMES))
        if sizer.lone_surrogate and not sizer.ascii_only:  # the frame goes ASCII-escaped: measure it so
            runs, chat, _ = self._history(_Sizer(ascii_only=True))
        return runs, chat

    def _history(self, sizer: _Sizer) -> tuple[list[dict], list[dict], _Sizer]:
        chat: list[dict] = []
        room = HISTORY_CHAT_BYTES
        for message in reversed(self._chat):
            room -= sizer.size(message) + 1
            if room < 0:
                break
            chat.append(message)
        chat.reverse()
        runs = list(self._runs.values())
        # The frame's own keys, the chat, each run without its output (an upper bound: the shortening fields with
        # the widest numbers), then what is left shared by the runs' outputs.
        fixed = (
            sizer.size(protocol.history([], []))
            + HISTORY_CHAT_BYTES
            - max(room, 0)
            + sum(
                sizer.size(
                    {
                        **run.to_json(),
                        "output": [],
                        "output_shortened": True,
                        "output_chars": run.chars,
                        "output_omitted_chars": run.chars,
                    }
                )
                + 1
                for run in runs
            )
        )
        output_bytes = min(HISTORY_RUN_OUTPUT_BYTES, (HISTORY_MAX_BYTES - fixed) // max(len(runs), 1))
        return [run.for_history(output_bytes, sizer) for run in runs], chat, sizer

    def _remember(self, run: Run) -> None:
        self._runs[run.id] = run
        while len(self._runs) > RECENT_RUNS:
            self._runs.popitem(last=False)

    def start_run(self, participant: dict, version: int, language: str) -> Run:
        run = Run(
            id=f"r-{secrets.token_hex(6)}",
            participant=participant["id"],
            name=participant["name"],
            color=participant["color"],
            language=language,
            version=version,
            started_at=iso_time(self._clock()),
        )
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
        return {
            "id": f"c-{secrets.token_hex(6)}",
            "participant": participant["id"],
            "name": participant["name"],
            "color": participant["color"],
            "text": text,
            "sent_at": iso_time(self._clock()),
        }

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
        """Remember who a participant id was ({id, name, color, role}), for playback, with every name it had."""
        await self.save_named(self.named(person))

    async def save_named(self, record: dict) -> None:
        """Store a record made by `named`."""
        await self._save("person", record["id"], record)

    def named(self, person: dict) -> dict:
        """The person with every name it had, "names": [{name, at (server ms)}], oldest first (the first and the
        latest MAX_NAMES - 1); a new name is timed now (a hello: before its announcement waits on the store)."""
        names = self._names.pop(person["id"], [])
        if not names or names[-1]["name"] != person["name"]:
            names = [*names, {"name": person["name"], "at": round(self._clock() * 1000)}]
            if len(names) > MAX_NAMES:
                names = [names[0], *names[-(MAX_NAMES - 1) :]]
        self._names[person["id"]] = names  # a connection's renames all reach the instance that holds it
        while len(self._names) > EVENT_LIMITS["person"]:
            self._names.popitem(last=False)
        return {**person, "names": names}

    async def save_call(self, participant: str, state: dict | None) -> None:
        """Who was in the call when, for playback: {participant, in_call, audio, video, at (server ms)}."""
        at = round(self._clock() * 1000)
        body = {"participant": participant, "in_call": state is not None, **(state or {"audio": False, "video": False})}
        await self._save("call", f"{participant}-{at}-{secrets.token_hex(2)}", {**body, "at": at})

    async def save_chat(self, message: dict) -> None:
        await self._save("chat", message["id"], message)

    async def _save(self, kind: str, event_id: str, body: dict) -> None:
        async with self._saving:
            await self._store.save_event(self.session_id, kind, event_id, self._clock(), body)

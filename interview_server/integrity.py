"""Integrity signals (issue 23): how code got into the editor, as each participant's page reports it: pastes (their
size, and whether the text came from outside the pad), time away (the tab hidden or the window blurred) and typing
bursts far above the person's own rate. Recorded, shown to hosts only, never blocking and never a verdict.

The server stamps each event with who sent it, when and at which version, keeps it with the session, and sends it
to hosts only (on every instance); candidates never receive one. docs/INTEGRITY.md says what is recorded and how
the page tells the candidate.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable

from .store import SessionStore
from .store.base import EVENT_LIMITS

INTEGRITY_KIND = "integrity"  # stored events
MAX_EVENTS = EVENT_LIMITS[INTEGRITY_KIND]  # kept per session (the newest), and sent to a host joining


class IntegrityLog:
    """The integrity events of one live session."""

    def __init__(self, session_id: str, store: SessionStore, clock: Callable[[], float] = time.time):
        self.session_id = session_id
        self._store = store
        self._clock = clock
        self._events: list[dict] = []

    async def load(self) -> None:
        self._events = await self._store.recent_events(self.session_id, INTEGRITY_KIND, MAX_EVENTS)

    def events(self) -> list[dict]:
        return list(self._events)

    def record(self, person: dict, version: int, kind: str, details: dict) -> dict:
        """An event from `person`'s page, stamped here: {id, kind, participant, name, at (server ms), version, ...}."""
        event = {
            "id": f"i-{secrets.token_hex(6)}",
            "kind": kind,
            "participant": person["id"],
            "name": person["name"],
            "at": round(self._clock() * 1000),
            "version": version,
            **details,
        }
        self.ingest(event)
        return event

    def ingest(self, event: dict) -> None:
        """Keep an event (this instance's, or another's relayed)."""
        self._events.append(event)
        del self._events[:-MAX_EVENTS]

    async def save(self, event: dict) -> None:
        await self._store.save_event(self.session_id, INTEGRITY_KIND, event["id"], event["at"] / 1000, event)


def person_summaries(events: list[dict], runs: list[dict]) -> list[dict]:
    """Per person who has an event or a run, in order of first appearance: their pastes (how many, the largest,
    how many came from outside the pad), time away (total and spans), typing bursts, runs and the first run that
    ended without an error. Figures, not verdicts."""
    people: dict[str, dict] = {}

    def person(participant: str, name: str) -> dict:
        return people.setdefault(
            participant,
            {
                "participant": participant,
                "name": name,
                "pastes": 0,
                "largest_paste": 0,
                "external_pastes": 0,
                "away_ms": 0,
                "away_spans": 0,
                "bursts": 0,
                "runs": 0,
                "first_ok_run_at": None,
            },
        )

    for event in events:
        summary = person(event["participant"], event["name"])
        summary["name"] = event["name"]
        if event["kind"] == "paste":
            summary["pastes"] += 1
            summary["largest_paste"] = max(summary["largest_paste"], event["chars"])
            summary["external_pastes"] += bool(event["external"])
        elif event["kind"] == "away":
            summary["away_ms"] += event["ms"]
            summary["away_spans"] += 1
        elif event["kind"] == "burst":
            summary["bursts"] += 1
    for run in runs:
        summary = person(run["participant"], run["name"])
        summary["runs"] += 1
        if run.get("status") == "ok" and summary["first_ok_run_at"] is None:
            summary["first_ok_run_at"] = run.get("started_at")
    return list(people.values())

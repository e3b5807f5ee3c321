"""Grading a session: the problem's host-only part (hidden checks, what candidates learn of them, a rubric), the
hidden checks' results as the interviewers' browsers report them, the hosts' scorecards, and the interview timer.

Everything here but the timer and the summary a problem allows (`candidate_summary`) goes to host sockets only.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable

from .problems import DEFAULT_RUBRIC
from .store import SessionStore
from .store.base import EVENT_LIMITS

GRADING = "grading"  # meta: Problem.grading() of the problem shown, or None
TIMER = "timer"  # meta: {duration_ms, elapsed_ms, started_at (ms, None while paused)} or None
SCORECARD_PREFIX = "scorecard:"  # meta per card: {card, version, by, name, scores, comment, recommendation}
HIDDEN_KIND = "hidden"  # events: one hidden-check result each
TIMER_KIND = "timer"  # events: the timer's start, pause, resume and reset marks
MAX_RESULTS = EVENT_LIMITS[HIDDEN_KIND]
MAX_SCORECARDS = 20
GRADING_FRAMES = ("grading", "hidden_results", "hidden_summary", "scorecard", "timer")  # relayed between instances


def now_ms(clock: Callable[[], float]) -> int:
    return int(clock() * 1000)


class Grading:
    """A live session's grading state, loaded from and saved to the store."""

    def __init__(self, session_id: str, meta: dict, store: SessionStore, clock: Callable[[], float] = time.time):
        self.session_id = session_id
        self._store = store
        self._clock = clock
        self.problem: dict | None = meta.get(GRADING)
        self.timer: dict | None = meta.get(TIMER)
        self.scorecards: dict[str, dict] = {
            key.removeprefix(SCORECARD_PREFIX): value for key, value in meta.items() if key.startswith(SCORECARD_PREFIX)
        }
        self.results: list[dict] = []  # oldest first

    async def load(self) -> None:
        self.results = await self._store.recent_events(self.session_id, HIDDEN_KIND, MAX_RESULTS)

    def meta(self) -> dict:
        """The meta values as stored (for SessionRecord)."""
        meta = {GRADING: self.problem, TIMER: self.timer}
        meta.update({SCORECARD_PREFIX + card: value for card, value in self.scorecards.items()})
        return meta

    # ---- the problem ----

    def rubric(self) -> list[dict]:
        return (self.problem or {}).get("rubric") or [dict(criterion) for criterion in DEFAULT_RUBRIC]

    @property
    def hidden_results_policy(self) -> str:
        return (self.problem or {}).get("hidden_results", "count")

    async def set_problem(self, grading: dict | None) -> None:
        await self._store.set_meta(self.session_id, GRADING, grading)
        self.problem = grading

    def for_hosts(self) -> dict:
        """The `grading` message's data: everything hosts see of it."""
        problem = self.problem or {"problem_id": None, "hidden_checks": {}, "hidden_results": "count"}
        return {
            "problem": {**problem, "rubric": self.rubric()},
            "results": list(self.results),
            "scorecards": sorted(self.scorecards.values(), key=lambda card: card.get("saved_at", 0)),
        }

    # ---- hidden-check results ----

    def new_result(self, report, by: dict) -> dict:
        """A result as stored and sent to hosts, from a host's `report_hidden_results`."""
        cases = [dict(case) for case in report.cases]
        return {
            "id": secrets.token_hex(8),
            "version": report.version,
            "language": report.language,
            "run_id": report.run_id,
            "by": by["id"],
            "name": by["name"],
            "at": now_ms(self._clock),
            "cases": cases,
            "passed": sum(case["passed"] for case in cases),
            "total": len(cases),
        }

    def has_result_for_run(self, run_id: str | None) -> bool:
        return run_id is not None and any(result.get("run_id") == run_id for result in self.results)

    async def add_result(self, result: dict) -> None:
        """Keep a result, then store it. Kept first, with no await since has_result_for_run, so a second report of
        the same run arriving while this one is stored finds it; taken back if it could not be stored."""
        self.ingest_result(result)
        try:
            await self._store.save_event(self.session_id, HIDDEN_KIND, result["id"], result["at"] / 1000, result)
        except BaseException:
            self.results = [known for known in self.results if known["id"] != result["id"]]
            raise

    def ingest_result(self, result: dict) -> None:
        """A result saved here or, relayed, on another instance."""
        if any(known["id"] == result["id"] for known in self.results):
            return
        self.results.append(result)
        del self.results[:-MAX_RESULTS]

    def candidate_summary(self, result: dict) -> dict | None:
        """What the problem lets candidates see of a result (hidden_results): nothing, the count, or the case
        names with pass/fail — never the checks, the messages or the times."""
        policy = self.hidden_results_policy
        if policy == "none":
            return None
        summary = {
            "version": result["version"],
            "run_id": result["run_id"],
            "passed": result["passed"],
            "total": result["total"],
        }
        if policy == "names":
            summary["cases"] = [{"name": case["name"], "passed": case["passed"]} for case in result["cases"]]
        return summary

    def latest_summary(self) -> dict | None:
        return self.candidate_summary(self.results[-1]) if self.results else None

    # ---- scorecards ----

    async def save_scorecard(self, card: dict, base_version: int) -> bool:
        """Keep a host's card if written on its current version (compare-and-set in the store, so two
        instances cannot both accept version N); False if someone saved it since."""
        current = self.scorecards.get(card["card"])
        if (current or {}).get("version", 0) != base_version:
            return False
        if current is None and len(self.scorecards) >= MAX_SCORECARDS:
            raise ValueError(f"at most {MAX_SCORECARDS} scorecards a session")
        saved = {**card, "version": base_version + 1, "saved_at": now_ms(self._clock)}
        if not await self._store.replace_versioned_meta(
            self.session_id, SCORECARD_PREFIX + card["card"], saved, base_version
        ):
            return False
        self.ingest_scorecard(saved)
        return True

    def ingest_scorecard(self, card: dict) -> None:
        current = self.scorecards.get(card["card"])
        if current is None or card["version"] > current["version"]:
            self.scorecards[card["card"]] = card

    # ---- the timer ----

    def timer_state(self) -> dict:
        """The `timer` message's data: the timer as stored (None: none set) and the server's clock, so every page
        counts down from server time (a reload or another instance shows the same)."""
        return {"timer": self.timer, "server_now": now_ms(self._clock)}

    def timer_after(self, action: str, minutes: float | None) -> dict | None:
        """The timer once `action` is applied (None: reset); raises ValueError if it makes no sense now."""
        now, timer = now_ms(self._clock), self.timer
        if action == "start":
            return {"duration_ms": int(minutes * 60_000), "elapsed_ms": 0, "started_at": now}
        if action == "reset":
            return None
        if timer is None:
            raise ValueError(f"{action}: no timer is set; start one first")
        running = timer["started_at"] is not None
        if action == "pause":
            if not running:
                raise ValueError("pause: the timer is already paused")
            return {**timer, "elapsed_ms": timer["elapsed_ms"] + now - timer["started_at"], "started_at": None}
        if running:
            raise ValueError("resume: the timer is already running")
        return {**timer, "started_at": now}

    async def set_timer(self, timer: dict | None, action: str, by: dict) -> None:
        await self._store.set_meta(self.session_id, TIMER, timer)
        self.timer = timer
        at = now_ms(self._clock)
        mark = {"action": action, "at": at, "by": by["id"], "name": by["name"], "timer": timer}
        await self._store.save_event(self.session_id, TIMER_KIND, f"{at}-{secrets.token_hex(4)}", at / 1000, mark)

    # ---- another instance's frames (shared stores) ----

    def ingest(self, type_: str, data: dict) -> None:
        """Remember what a frame relayed from another instance changed (one of GRADING_FRAMES)."""
        if type_ == "grading":
            problem = data["problem"]
            self.problem = problem if problem.get("problem_id") else None
        elif type_ == "hidden_results":
            self.ingest_result(data["result"])
        elif type_ == "scorecard":
            self.ingest_scorecard(data["card"])
        elif type_ == "timer":
            self.timer = data["timer"]
        # hidden_summary: derived from the results, nothing to keep

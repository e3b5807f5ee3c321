"""A session's report for hosts, an ATS or a course system: the outcome in one JSON document (scorecards,
hidden-test results, notes, the timer, a timeline summary, integrity figures per person, comment threads and the
final code), and its printable page.
docs/GRADING.md shows the shape."""

from __future__ import annotations

from . import grading, hosting
from .problems import DEFAULT_RUBRIC
from .activity import iso_time
from .comments import COMMENT_KIND
from .integrity import INTEGRITY_KIND, person_summaries
from .store import SessionRecord, SessionStore
from .store.base import EVENT_LIMITS

REPORT_VERSION = 1


def _iso_ms(ms: int | float | None) -> str | None:
    return None if ms is None else iso_time(ms / 1000)


async def session_report(record: SessionRecord, store: SessionStore) -> dict:
    """The report of a session as stored (a live session's record comes from memory, so it is current)."""
    session_id, meta = record.session_id, record.meta
    runs = await store.recent_events(session_id, "run", EVENT_LIMITS["run"])
    chat = await store.recent_events(session_id, "chat", EVENT_LIMITS["chat"])
    people = await store.recent_events(session_id, "person", EVENT_LIMITS["person"])
    results = await store.recent_events(session_id, grading.HIDDEN_KIND, EVENT_LIMITS[grading.HIDDEN_KIND])
    marks = await store.recent_events(session_id, grading.TIMER_KIND, EVENT_LIMITS[grading.TIMER_KIND])
    events = await store.recent_events(session_id, INTEGRITY_KIND, EVENT_LIMITS[INTEGRITY_KIND])
    threads = [
        thread
        for thread in await store.recent_events(session_id, COMMENT_KIND, EVENT_LIMITS[COMMENT_KIND])
        if not thread.get("removed")
    ]
    problem = meta.get(hosting.PROBLEM)
    cards = sorted(
        (value for key, value in meta.items() if key.startswith(grading.SCORECARD_PREFIX)),
        key=lambda card: card.get("saved_at", 0),
    )
    grading_part = meta.get(grading.GRADING) or {}
    return {
        "report_version": REPORT_VERSION,
        "session_id": session_id,
        "title": meta.get(hosting.TITLE) or "",
        "language": record.language,
        "created_at": iso_time(record.created_at.timestamp()),
        "last_active_at": iso_time(record.last_active) if record.last_active else None,
        "ended": bool(meta.get(hosting.ENDED)),
        "problem": {"id": problem["id"], "title": problem["title"]} if problem else None,
        "participants": [
            {"id": person["id"], "name": person["name"], "role": person.get("role", "candidate")} for person in people
        ],
        "code": {"version": record.version, "text": record.text},
        "hidden_tests": {
            "hidden_results": grading_part.get("hidden_results"),
            "latest": results[-1] if results else None,
            "results": results,
        },
        "rubric": grading_part.get("rubric") or [dict(criterion) for criterion in DEFAULT_RUBRIC],
        "scorecards": cards,
        "notes": (meta.get(hosting.NOTES) or {}).get("text", ""),
        "timer": {"state": meta.get(grading.TIMER), "marks": marks},
        "timeline": timeline_summary(record.version, runs, chat, results),
        # pastes, time away, typing bursts and runs per person: evidence, never a verdict (docs/INTEGRITY.md)
        "integrity": person_summaries(events, runs),
        "comments": [
            {
                "visibility": thread["visibility"],
                "resolved": thread.get("resolved", False),
                "collapsed": thread["from"] == thread["to"],
                "quote": thread.get("quote", ""),
                "comments": [
                    {"name": c["name"], "text": c["text"], "at": _iso_ms(c["at"])} for c in thread["comments"]
                ],
            }
            for thread in threads
        ],
    }


def timeline_summary(version: int, runs: list[dict], chat: list[dict], results: list[dict]) -> dict:
    """How the interview went, in a few figures (the report's and the host history's `timeline`)."""
    all_passed = [result for result in results if result["total"] and result["passed"] == result["total"]]
    return {
        "edits": version,
        "runs": len(runs),
        "first_run_at": runs[0].get("started_at") if runs else None,
        "first_ok_run_at": next((run.get("started_at") for run in runs if run.get("status") == "ok"), None),
        "hidden_test_runs": len(results),
        "first_all_hidden_passed_at": _iso_ms(all_passed[0]["at"]) if all_passed else None,
        "chat_messages": len(chat),
    }

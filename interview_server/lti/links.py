"""What a resource link opens. Each link (the platform, the deployment, the link's id) has a record beside the
sessions (the store's kv, compare-and-set, so two launches at once agree on every instance):

    {"issuer", "client_id", "deployment_id", "resource_link_id", "title", "context_title",
     "mode": "per_learner" | "shared", "problem": a problem id or null, "language": a language id or null,
     "shared_session": a session id or null, "learners": {sub: {"session", "name"}}, "lineitem": AGS URL or ""}

`per_learner` (an exercise, an interview): each learner gets a session of their own, the same one at every launch.
`shared` (pair programming in class): everyone on the link is in one session. The mode and the problem come from
the link's custom parameters (set by deep linking: `mode`, `problem`; and `language`, else Python where the problem
has it) when it is first launched; an instructor changes the mode later. Instructors land as hosts, learners as candidates named from the launch.

The sessions the tool makes have host keys derived from the tool's secret and the session id (never stored), so an
instructor's page can open any of them as host.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from urllib.parse import quote

from aiohttp import web

from ..board import delete_with_session
from ..keys import PROBLEMS, SESSIONS, STORE
from ..protocol import LANGUAGES
from . import signed
from .id_token import Launch, LaunchError

MODES = ("per_learner", "shared")
KV_PREFIX = "lti:link:"
MAX_LEARNERS = 5000  # learners' sessions one link keeps
TRIES = 8  # compare-and-set rounds before a launch gives up (others launching the same link at once)
INSTRUCTOR_PAGE_SECONDS = 8 * 3600  # how long an instructor's launch opens the link's page
LTI_META = "lti"  # session meta: {"link", "subject"} of a learner's session (for grades)


def link_key(issuer: str, deployment_id: str, resource_link_id: str) -> str:
    return hashlib.sha256(f"{issuer}\n{deployment_id}\n{resource_link_id}".encode()).hexdigest()[:32]


def host_key_for(secret: bytes, session_id: str) -> str:
    """The host key of a session this tool made: derived, never stored."""
    digest = hmac.new(secret, f"host:{session_id}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


async def open_launch(app: web.Application, secret: bytes, launch: Launch) -> str:
    """Where a verified resource-link launch goes (a path with a fragment): the session, as host or candidate."""
    key = link_key(launch.platform.issuer, launch.deployment_id, launch.resource_link_id)
    for _ in range(TRIES):
        record, version = await _link(app, key, launch)
        if record["mode"] == "shared":
            session_id = record["shared_session"]
            if session_id is None:
                session_id = await _new_session(app, secret, record, launch, learner=False)
                if not await app[STORE].kv_put(KV_PREFIX + key, {**record, "shared_session": session_id}, version):
                    await delete_with_session(app[STORE], session_id)  # another launch made it first: theirs
                    continue
        elif launch.is_instructor:  # the learners' sessions of the link (lti/instructor.py)
            token, _ = signed.sign({"link": key, "name": launch.name}, secret, signed.LINK, INSTRUCTOR_PAGE_SECONDS)
            return f"/lti/links/{key}#token={token}"
        else:
            learner = record["learners"].get(launch.subject)
            session_id = learner["session"] if learner else None
            if session_id is None:
                if len(record["learners"]) >= MAX_LEARNERS:
                    raise LaunchError(f"This link already has {MAX_LEARNERS} learners' sessions, its limit.")
                session_id = await _new_session(app, secret, record, launch, learner=True)
                learners = {**record["learners"], launch.subject: {"session": session_id, "name": launch.name}}
                if not await app[STORE].kv_put(KV_PREFIX + key, {**record, "learners": learners}, version):
                    await delete_with_session(app[STORE], session_id)
                    continue
        if launch.is_instructor:
            return f"/session/{session_id}#host={host_key_for(secret, session_id)}&name={quote(launch.name or 'Instructor')}"
        return f"/session/{session_id}#name={quote(launch.name or 'Learner')}"
    raise LaunchError("Too many launches of this link at once: launch it again.")


async def _link(app: web.Application, key: str, launch: Launch) -> tuple[dict, int]:
    """The link's record (made at its first launch), with what this launch says of it now (title, grades URL)."""
    store = app[STORE]
    for _ in range(TRIES):
        held = await store.kv_get(KV_PREFIX + key)
        if held is None:
            record = _new_record(app, launch)
            if await store.kv_put(KV_PREFIX + key, record, 0):
                return record, 1
            continue
        record, version = held
        fresh = {
            **record,
            "title": launch.resource_link_title or record["title"],
            "context_title": launch.context_title or record["context_title"],
            "lineitem": launch.lineitem or record["lineitem"],
        }
        if fresh == record:
            return record, version
        if await store.kv_put(KV_PREFIX + key, fresh, version):
            return fresh, version + 1
    raise LaunchError("Too many launches of this link at once: launch it again.")


def _new_record(app: web.Application, launch: Launch) -> dict:
    mode = launch.custom.get("mode", "per_learner")
    problem = launch.custom.get("problem") or None
    language = launch.custom.get("language") or None
    return {
        "issuer": launch.platform.issuer,
        "client_id": launch.platform.client_id,
        "deployment_id": launch.deployment_id,
        "resource_link_id": launch.resource_link_id,
        "title": launch.resource_link_title,
        "context_title": launch.context_title,
        "mode": mode if mode in MODES else "per_learner",
        "problem": problem if problem in app[PROBLEMS] else None,
        "language": language if language in LANGUAGES else None,
        "shared_session": None,
        "learners": {},
        "lineitem": launch.lineitem,
    }


async def _new_session(app: web.Application, secret: bytes, record: dict, launch: Launch, learner: bool) -> str:
    problem = app[PROBLEMS].get(record["problem"]) if record["problem"] else None
    title = record["title"] or (problem.title if problem else "")
    if learner and launch.name:
        title = f"{title} — {launch.name}" if title else launch.name
    key = link_key(record["issuer"], record["deployment_id"], record["resource_link_id"])
    meta = {LTI_META: {"link": key, "subject": launch.subject if learner else None}}
    language = record.get("language") or ("python" if problem is None or "python" in problem.starters else None)
    created, _ = await app[SESSIONS].create(
        language=language,
        problem=problem,
        title=title[:100],
        host_key_for=lambda session_id: host_key_for(secret, session_id),
        meta=meta,
    )
    return created.session_id

"""Grades back to the LMS (LTI Assignment and Grade Services 2.0): when a learner's session made from a link has a
result — a host's browser ran the hidden tests (passed of total), or a host saved a scorecard (the criteria's
scores of their maximum) — the tool posts the score to the link's line item, as that learner.

The token comes from the platform's token endpoint by the client-credentials grant, with a JWT the tool signs as
its client assertion (RFC 7523), and is kept until shortly before it expires. A post that fails is tried again
after 1, 4 and 16 s, then logged and given up; the session never waits for it.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
import time
from datetime import UTC, datetime
from urllib.parse import urlsplit, urlunsplit

import aiohttp
import jwt
from aiohttp import web

from ..keys import SESSIONS, STORE
from .app_keys import LTI
from .links import KV_PREFIX, LTI_META
from .platforms import Platform
from .tool import HTTP

log = logging.getLogger(__name__)

SCORE_SCOPE = "https://purl.imsglobal.org/spec/lti-ags/scope/score"
SCORE_TYPE = "application/vnd.ims.lis.v1.score+json"
BACKOFF_SECONDS = (1, 4, 16)
TIMEOUT_SECONDS = 10


def grade_in_background(app: web.Application, session_id: str, given: float, maximum: float, comment: str = "") -> None:
    """send_score, beside the session's work (a learner's session of a graded link only; nothing otherwise)."""
    if LTI in app and maximum > 0:
        app[SESSIONS].tasks.spawn(send_score(app, session_id, given, maximum, comment), f"send a grade of {session_id}")


async def send_score(app: web.Application, session_id: str, given: float, maximum: float, comment: str = "") -> bool:
    """Post a learner's score if the session is a learner's of a graded link; True once the platform took it."""
    if LTI not in app:
        return False
    record = await app[STORE].get(session_id)
    origin = (record.meta.get(LTI_META) if record else None) or {}
    if not origin.get("subject"):
        return False  # not a learner's session made from a link
    held = await app[STORE].kv_get(KV_PREFIX + origin["link"])
    link = held[0] if held else None
    if not link or not link.get("lineitem"):
        return False  # the platform offers no grades for this link
    platform = app[LTI].platforms.find(link["issuer"], link["client_id"])
    if platform is None:
        log.warning("not sending a grade of session %s: its platform is no longer registered", session_id)
        return False
    score = {
        "userId": origin["subject"],
        "scoreGiven": round(given, 4),
        "scoreMaximum": maximum,
        "activityProgress": "Completed",
        "gradingProgress": "FullyGraded",
        "timestamp": datetime.now(UTC).isoformat(timespec="milliseconds"),
        **({"comment": comment[:1000]} if comment else {}),
    }
    for attempt, wait in enumerate((0, *BACKOFF_SECONDS)):
        await asyncio.sleep(wait)
        try:
            await _post(app, platform, link["lineitem"], score)
        except (aiohttp.ClientError, TimeoutError, GradeRefused) as exc:
            app[LTI].tokens.pop((platform.auth_token_url, platform.client_id), None)  # a stale token is not kept
            log.warning("sending a grade of session %s failed (attempt %d): %s", session_id, attempt + 1, exc)
            continue
        log.info("grade of session %s sent to %s", session_id, platform.name)  # never the score: it is a host's
        return True
    log.warning("gave up sending a grade of session %s to %s", session_id, platform.name)
    return False


class GradeRefused(Exception):
    """The platform answered a token request or a score with an error."""


async def _post(app: web.Application, platform: Platform, lineitem: str, score: dict) -> None:
    token = await _access_token(app, platform)
    parts = urlsplit(lineitem)
    scores_url = urlunsplit(parts._replace(path=parts.path.rstrip("/") + "/scores"))
    headers = {"Authorization": f"Bearer {token}", "Content-Type": SCORE_TYPE}
    timeout = aiohttp.ClientTimeout(total=TIMEOUT_SECONDS)
    async with app[HTTP].post(scores_url, json=score, headers=headers, timeout=timeout) as response:
        if response.status >= 300:
            raise GradeRefused(f"the platform answered {response.status} to the score")


async def _access_token(app: web.Application, platform: Platform) -> str:
    held = app[LTI].tokens.get((platform.auth_token_url, platform.client_id))
    if held is not None and held[1] > time.time():
        return held[0]
    kid, key = app[LTI].keys.signing
    now = int(time.time())
    assertion = jwt.encode(
        {
            "iss": platform.client_id,
            "sub": platform.client_id,
            "aud": platform.auth_token_url,
            "iat": now,
            "exp": now + 300,
            "jti": secrets.token_urlsafe(16),
        },
        key,
        algorithm="RS256",
        headers={"kid": kid},
    )
    form = {
        "grant_type": "client_credentials",
        "client_assertion_type": "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
        "client_assertion": assertion,
        "scope": SCORE_SCOPE,
    }
    timeout = aiohttp.ClientTimeout(total=TIMEOUT_SECONDS)
    async with app[HTTP].post(platform.auth_token_url, data=form, timeout=timeout) as response:
        if response.status >= 300:
            raise GradeRefused(f"the platform's token endpoint answered {response.status}")
        answer = await response.json(content_type=None)
    token = answer.get("access_token")
    if not token:
        raise GradeRefused("the platform's token endpoint gave no access token")
    good_until = time.time() + int(answer.get("expires_in", 3600)) - 60
    app[LTI].tokens[(platform.auth_token_url, platform.client_id)] = (token, good_until)
    return token

"""Short-lived values the tool signs for itself with its secret (tool_keys.py), each for one purpose (its `aud`):
the login state and the launch ticket. HS256 JWTs: the browser carries them, the tool reads them back."""

from __future__ import annotations

import secrets
import time

import jwt
from jwt.exceptions import ExpiredSignatureError, InvalidTokenError

STATE = "lti-state"  # login -> launch: which login a launch answers (nonce) and which browser began it
TICKET = "lti-ticket"  # launch -> finish: the verified launch, acted on once the browser is known
DEEP_LINK = "lti-deep-link"  # an instructor's access to the deep-linking picker (lti/deep_linking.py)
LINK = "lti-link"  # an instructor's access to a link's page of learners' sessions (lti/instructor.py)


class SignedError(Exception):
    """A signed value that is not valid (forged, for another purpose, or expired)."""


def sign(payload: dict, secret: bytes, purpose: str, seconds: float) -> tuple[str, str]:
    """(the token, its id)."""
    token_id = secrets.token_urlsafe(12)
    now = time.time()
    claims = {**payload, "aud": purpose, "jti": token_id, "iat": int(now), "exp": int(now + seconds)}
    return jwt.encode(claims, secret, algorithm="HS256"), token_id


def read(token: str, secret: bytes, purpose: str) -> dict:
    try:
        return jwt.decode(token, secret, algorithms=["HS256"], audience=purpose, options={"require": ["exp", "jti"]})
    except ExpiredSignatureError:
        raise SignedError("expired") from None
    except InvalidTokenError:
        raise SignedError("not valid") from None

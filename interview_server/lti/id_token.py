"""What a launch's id_token must prove before the tool acts on it (LTI 1.3 core, 1EdTech Security Framework 1.0):
signed by the platform (RS256, its key found by `kid`), for this tool (`aud`, `azp`), from the platform it names
(`iss`), current (`exp`, `iat`, with a small leeway), answering this login (`nonce`, used once), from a registered
deployment, an LTI 1.3 message of a kind the tool handles, with roles. Each failure says which, in words an LMS
administrator can act on."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import jwt
from jwt.exceptions import ExpiredSignatureError, ImmatureSignatureError, InvalidTokenError

from .platform_keys import PlatformKeys
from .platforms import Platform, Platforms

LEEWAY_SECONDS = 60
CLAIM = "https://purl.imsglobal.org/spec/lti/claim/"
AGS_CLAIM = "https://purl.imsglobal.org/spec/lti-ags/claim/endpoint"
DEEP_LINKING_CLAIM = "https://purl.imsglobal.org/spec/lti-dl/claim/deep_linking_settings"
RESOURCE_LINK = "LtiResourceLinkRequest"
DEEP_LINKING = "LtiDeepLinkingRequest"
# LIS roles that make a host (context roles, full URIs or the short forms some platforms send).
INSTRUCTOR_ROLES = ("Instructor", "TeachingAssistant", "Administrator", "ContentDeveloper")


class LaunchError(Exception):
    """A launch the tool refuses; the text is shown on the error page."""


@dataclass(frozen=True)
class Launch:
    """A verified launch: who, in which role, from which link."""

    platform: Platform
    deployment_id: str
    message_type: str
    subject: str  # the platform's stable id of the user (`sub`)
    name: str
    roles: tuple[str, ...]
    resource_link_id: str = ""
    resource_link_title: str = ""
    context_title: str = ""
    custom: dict = field(default_factory=dict)
    lineitem: str = ""  # AGS: where this link's scores go (empty: the platform offers no grades)
    ags_scopes: tuple[str, ...] = ()
    deep_link_return_url: str = ""
    deep_link_data: str = ""
    expires_at: float = 0.0  # the id_token's exp

    @property
    def is_instructor(self) -> bool:
        return any(role.rsplit("#", 1)[-1].rsplit("/", 1)[-1] in INSTRUCTOR_ROLES for role in self.roles)


async def verify(token: str, nonce: str, platforms: Platforms, keys: PlatformKeys, now: float | None = None) -> Launch:
    """The launch an id_token proves, or LaunchError. The nonce is checked here; that it is used once is the
    caller's (a store claim, shared by every instance)."""
    try:
        header = jwt.get_unverified_header(token)
        unverified = jwt.decode(token, options={"verify_signature": False})
    except InvalidTokenError:
        raise LaunchError("The launch's id_token is not a JSON Web Token.") from None
    if header.get("alg") != "RS256":
        raise LaunchError("The launch's id_token must be signed with RS256.")
    issuer, audience = unverified.get("iss"), unverified.get("aud")
    audiences = [audience] if isinstance(audience, str) else [a for a in audience or [] if isinstance(a, str)]
    platform = None
    if isinstance(issuer, str):
        platform = next((found for a in audiences if (found := platforms.find(issuer, a)) is not None), None)
    if platform is None:
        if isinstance(issuer, str) and platforms.find(issuer, None) is not None:
            raise LaunchError("The launch's id_token is for another tool (aud).")
        raise LaunchError(f"No platform is registered here for issuer {issuer!r} and audience {audience!r}.")
    kid = header.get("kid")
    key = await keys.key(platform.key_set_url, kid) if isinstance(kid, str) and kid else None
    if key is None:
        raise LaunchError(f"The platform's key set has no key {kid!r} (checked again just now).")
    try:
        claims = jwt.decode(
            token,
            key,
            algorithms=["RS256"],
            audience=platform.client_id,
            issuer=platform.issuer,
            leeway=LEEWAY_SECONDS,
            options={"require": ["exp", "iat", "iss", "aud", "sub", "nonce"]},
        )
    except ExpiredSignatureError:
        raise LaunchError("The launch has expired: launch the tool again from the course.") from None
    except ImmatureSignatureError:
        raise LaunchError("The launch's id_token is not valid yet (check the platform's clock).") from None
    except jwt.InvalidAudienceError:
        raise LaunchError("The launch's id_token is for another tool (aud).") from None
    except InvalidTokenError as exc:
        raise LaunchError(f"The launch's id_token was refused: {exc}.") from None
    now = time.time() if now is None else now
    if claims["iat"] > now + LEEWAY_SECONDS:
        raise LaunchError("The launch's id_token was issued in the future (check the platform's clock).")
    audience = claims["aud"]
    if isinstance(audience, list) and len(audience) > 1 and claims.get("azp") != platform.client_id:
        raise LaunchError("The launch's id_token names several audiences but not this tool as its azp.")
    if "azp" in claims and claims["azp"] != platform.client_id:
        raise LaunchError("The launch's id_token is for another tool (azp).")
    if claims["nonce"] != nonce:
        raise LaunchError("The launch does not answer this login (nonce).")
    return _launch(platform, claims)


def _launch(platform: Platform, claims: dict) -> Launch:
    deployment = claims.get(CLAIM + "deployment_id")
    if deployment not in platform.deployment_ids:
        raise LaunchError(f"Deployment {deployment!r} of {platform.name} is not registered with this tool.")
    if claims.get(CLAIM + "version") != "1.3.0":
        raise LaunchError("Only LTI 1.3.0 launches are handled.")
    message_type = claims.get(CLAIM + "message_type")
    if message_type not in (RESOURCE_LINK, DEEP_LINKING):
        raise LaunchError(f"This tool does not handle {message_type!r} messages.")
    roles = claims.get(CLAIM + "roles")
    if not isinstance(roles, list) or not roles or not all(isinstance(role, str) for role in roles):
        raise LaunchError(
            "The launch names no role for the user (roles): the tool cannot tell a learner from an instructor."
        )
    link = claims.get(CLAIM + "resource_link") or {}
    if message_type == RESOURCE_LINK and not (isinstance(link, dict) and link.get("id")):
        raise LaunchError("The launch names no resource link.")
    ags = claims.get(AGS_CLAIM) or {}
    deep = claims.get(DEEP_LINKING_CLAIM) or {}
    if message_type == DEEP_LINKING and not (isinstance(deep, dict) and deep.get("deep_link_return_url")):
        raise LaunchError("The deep-linking launch names no return URL.")
    custom = claims.get(CLAIM + "custom") or {}
    context = claims.get(CLAIM + "context") or {}
    name = claims.get("name") or " ".join(filter(None, (claims.get("given_name"), claims.get("family_name"))))
    return Launch(
        platform=platform,
        deployment_id=deployment,
        message_type=message_type,
        subject=str(claims["sub"]),
        name=str(name or claims.get("given_name") or "")[:40].strip(),
        roles=tuple(roles),
        resource_link_id=str(link.get("id", "")) if isinstance(link, dict) else "",
        resource_link_title=str(link.get("title", "") or "") if isinstance(link, dict) else "",
        context_title=str(context.get("title", "") or "") if isinstance(context, dict) else "",
        custom={str(k): str(v) for k, v in custom.items()} if isinstance(custom, dict) else {},
        lineitem=str(ags.get("lineitem", "") or "") if isinstance(ags, dict) else "",
        ags_scopes=tuple(ags.get("scope", ())) if isinstance(ags, dict) else (),
        deep_link_return_url=str(deep.get("deep_link_return_url", "")) if isinstance(deep, dict) else "",
        deep_link_data=str(deep.get("data", "") or "") if isinstance(deep, dict) else "",
        expires_at=float(claims["exp"]),
    )

"""The LMS platforms registered with this tool, from a JSON file (LTI_PLATFORMS, docs/LTI.md):

[{"name": "Canvas (test)", "issuer": "https://canvas.test.instructure.com", "client_id": "10000000000001",
  "deployment_ids": ["1:abc"], "auth_login_url": "https://sso.test.canvaslms.com/api/lti/authorize_redirect",
  "auth_token_url": "https://sso.test.canvaslms.com/login/oauth2/token",
  "key_set_url": "https://sso.test.canvaslms.com/api/lti/security/jwks"}]
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

FIELDS = ("issuer", "client_id", "deployment_ids", "auth_login_url", "auth_token_url", "key_set_url")


class PlatformConfigError(ValueError):
    """The registrations file cannot be used; the text says where and why."""


@dataclass(frozen=True)
class Platform:
    name: str
    issuer: str
    client_id: str
    deployment_ids: tuple[str, ...]
    auth_login_url: str  # OIDC authorization endpoint: where the login initiation sends the browser
    auth_token_url: str  # OAuth 2 token endpoint (AGS scores: the client-credentials grant)
    key_set_url: str  # the platform's JWKS


class Platforms:
    """Registrations, found by (issuer, client_id); a platform that names no client_id in a login has one only."""

    def __init__(self, platforms: list[Platform]):
        self._all = platforms

    def __len__(self) -> int:
        return len(self._all)

    def __iter__(self):
        return iter(self._all)

    def find(self, issuer: str, client_id: str | None) -> Platform | None:
        """The registration of this issuer and client id (client_id None: the issuer's only one, or any of them
        when only whether it is known matters)."""
        matches = [p for p in self._all if p.issuer == issuer and (client_id is None or p.client_id == client_id)]
        return matches[0] if matches else None

    @classmethod
    def load(cls, path: str) -> Platforms:
        """Read the file (an empty path: no platform, LTI off)."""
        if not path:
            return cls([])
        try:
            entries = json.loads(Path(path).read_text())
        except (OSError, ValueError) as exc:
            raise PlatformConfigError(f"LTI_PLATFORMS {path}: {exc}") from None
        if not isinstance(entries, list):
            raise PlatformConfigError(f"LTI_PLATFORMS {path}: expected a JSON list of platforms")
        return cls([_platform(entry, f"LTI_PLATFORMS {path}, platform {n + 1}") for n, entry in enumerate(entries)])


def _platform(entry: object, where: str) -> Platform:
    if not isinstance(entry, dict):
        raise PlatformConfigError(f"{where}: expected an object with {', '.join(FIELDS)}")
    missing = [name for name in FIELDS if not entry.get(name)]
    if missing:
        raise PlatformConfigError(f"{where}: missing {', '.join(missing)}")
    deployments = entry["deployment_ids"]
    if not isinstance(deployments, list) or not all(isinstance(d, str) and d for d in deployments):
        raise PlatformConfigError(f"{where}: deployment_ids must be a list of deployment ids (strings)")
    for name in ("auth_login_url", "auth_token_url", "key_set_url"):
        parts = urlsplit(entry[name])
        if parts.scheme not in ("https", "http") or not parts.netloc:
            raise PlatformConfigError(f"{where}: {name} must be an http(s) URL")
    return Platform(
        name=str(entry.get("name") or entry["issuer"]),
        issuer=str(entry["issuer"]),
        client_id=str(entry["client_id"]),
        deployment_ids=tuple(deployments),
        auth_login_url=entry["auth_login_url"],
        auth_token_url=entry["auth_token_url"],
        key_set_url=entry["key_set_url"],
    )

"""`interview-server lti-config --url URL`: what an LMS administrator pastes in to register this tool, and a Canvas
developer key's JSON; `interview-server lti-rotate-key`: a new signing key (the old ones stay published)."""

from __future__ import annotations

import argparse
import json

from ..config import load_config
from . import tool_keys
from .tool import keys_path

AGS_SCOPES = (
    "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem",
    "https://purl.imsglobal.org/spec/lti-ags/scope/result.readonly",
    "https://purl.imsglobal.org/spec/lti-ags/scope/score",
)


def tool_urls(base: str) -> dict:
    base = base.rstrip("/")
    return {
        "login": f"{base}/lti/login",
        "redirect": f"{base}/lti/launch",
        "target_link": f"{base}/lti/launch",
        "jwks": f"{base}/lti/jwks",
        "domain": base.split("://", 1)[-1].split("/", 1)[0],
    }


def canvas_config(base: str) -> dict:
    urls = tool_urls(base)
    deep = {"message_type": "LtiDeepLinkingRequest", "target_link_uri": urls["target_link"]}
    return {
        "title": "Interview pad",
        "description": "Live coding in the browser: exercises, pair programming and interviews, graded by hidden tests.",
        "oidc_initiation_url": urls["login"],
        "target_link_uri": urls["target_link"],
        "public_jwk_url": urls["jwks"],
        "scopes": list(AGS_SCOPES),
        "extensions": [
            {
                "domain": urls["domain"],
                "platform": "canvas.instructure.com",
                "privacy_level": "name_only",
                "settings": {
                    "placements": [
                        {"placement": "link_selection", **deep},
                        {"placement": "assignment_selection", **deep},
                    ]
                },
            }
        ],
        "custom_fields": {},
    }


def print_config(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="interview-server lti-config", description=__doc__)
    parser.add_argument("--url", required=True, help="this server's public address, e.g. https://pad.example.org")
    args = parser.parse_args(argv)
    urls = tool_urls(args.url)
    print("Register the tool in the LMS (docs/LTI.md has each LMS step by step):\n")
    print(f"  OIDC login initiation URL (login URL):   {urls['login']}")
    print(f"  Redirect URI(s) / tool launch URL:        {urls['redirect']}")
    print(f"  Target link URI:                          {urls['target_link']}")
    print(f"  Public keyset URL (JWKS):                 {urls['jwks']}")
    print("  Placements: link selection and assignment selection (deep linking: LtiDeepLinkingRequest)")
    print(f"  Services: Assignment and Grade Services, scopes {', '.join(AGS_SCOPES)}")
    print("  Privacy: send the user's name (the pad names learners from the launch)\n")
    print("Then add the platform's issuer, client id, deployment id and URLs to the LTI_PLATFORMS file.\n")
    print("Canvas developer key (LTI key, 'Paste JSON'):\n")
    print(json.dumps(canvas_config(args.url), indent=2))
    return 0


def rotate_key(argv: list[str]) -> int:
    config = load_config(argv)
    path = keys_path(config)
    kid = tool_keys.rotate(path)
    print(f"new signing key {kid} in {path}; the previous ones stay in /lti/jwks (restart the server to use it)")
    return 0

"""`interview-server lti-config` prints what an LMS administrator pastes in, with a Canvas developer key's JSON;
`interview-server lti-rotate-key` adds a signing key and keeps the older ones published (issue 25)."""

from __future__ import annotations

import json
import subprocess
import sys

from interview_server.lti import tool_keys

from .support.server_process import ROOT


def run(*args: str, **env) -> str:
    return subprocess.run(
        [sys.executable, "-m", "interview_server", *args],
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
        env={"PATH": "/usr/bin:/bin", **env},
    ).stdout


def test_lti_config_prints_the_tool_urls_and_a_canvas_json():
    out = run("lti-config", "--url", "https://pad.example.org/")
    for line in (
        "OIDC login initiation URL (login URL):   https://pad.example.org/lti/login",
        "Redirect URI(s) / tool launch URL:        https://pad.example.org/lti/launch",
        "Public keyset URL (JWKS):                 https://pad.example.org/lti/jwks",
    ):
        assert line in out, out
    canvas = json.loads(out[out.index("{") :])
    assert canvas["oidc_initiation_url"] == "https://pad.example.org/lti/login"
    assert canvas["target_link_uri"] == "https://pad.example.org/lti/launch"
    assert canvas["public_jwk_url"] == "https://pad.example.org/lti/jwks"
    assert "https://purl.imsglobal.org/spec/lti-ags/scope/score" in canvas["scopes"]
    placements = canvas["extensions"][0]["settings"]["placements"]
    assert {p["placement"] for p in placements} == {"link_selection", "assignment_selection"}
    assert all(p["message_type"] == "LtiDeepLinkingRequest" for p in placements)


def test_rotating_the_key_signs_with_a_new_one_and_keeps_the_old_ones_published(tmp_path):
    path = tmp_path / "lti-keys.json"
    first = tool_keys.load(path)
    out = run("lti-rotate-key", "--data-dir", str(tmp_path))
    rotated = tool_keys.load(path)
    assert rotated.signing[0] != first.signing[0] and rotated.signing[0] in out
    assert [kid for kid, _ in rotated.keys] == [rotated.signing[0], first.signing[0]]
    assert rotated.secret == first.secret  # what the tool signs for itself stays valid
    for _ in range(3):
        tool_keys.rotate(path)
    assert len(tool_keys.load(path).keys) == tool_keys.KEPT_KEYS
    assert path.stat().st_mode & 0o777 == 0o600

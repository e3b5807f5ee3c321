"""The PaaS files agree with the server: Procfile, app.json, requirements.txt, .python-version."""

from __future__ import annotations

import json

from interview_server.config import SETTINGS

from .support.server_process import ROOT


def test_procfile_runs_the_server_on_the_platform_port():
    assert (ROOT / "Procfile").read_text().strip() == "web: interview-server --host 0.0.0.0 --port $PORT"


def test_app_json_builds_node_then_python_and_describes_real_settings():
    app = json.loads((ROOT / "app.json").read_text())
    assert [pack["url"] for pack in app["buildpacks"]] == ["heroku/nodejs", "heroku/python"]
    known = {setting.env: setting for setting in SETTINGS}
    for name, spec in app["env"].items():
        assert name in known, f"app.json sets {name}, which is not a setting"
        assert spec["description"]
        if "value" in spec:
            known[name].type(spec["value"])  # a valid value for the setting
    assert app["env"]["TRUST_PROXY"]["value"] == "1"  # behind the platform's router


def test_the_python_buildpack_installs_this_package_with_pinned_versions():
    lines = [line for line in (ROOT / "requirements.txt").read_text().splitlines() if line and not line.startswith("#")]
    assert lines == ["-c requirements.lock", "."]
    assert (ROOT / ".python-version").read_text().strip() == "3.11"
    assert (ROOT / "package.json").exists() and '"build"' in (ROOT / "package.json").read_text()

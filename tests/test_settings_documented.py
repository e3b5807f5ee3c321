"""Every setting has a flag, an env var, and a row in the README; flags beat env vars beat defaults."""

from __future__ import annotations

from pathlib import Path

from interview_server.config import SETTINGS, build_parser, load_config

README = (Path(__file__).resolve().parent.parent / "README.md").read_text()


def test_every_setting_is_in_the_readme_and_help():
    help_text = build_parser().format_help()
    for setting in SETTINGS:
        flag = "--" + setting.name.replace("_", "-")
        assert f"| `{flag}` | `{setting.env}` |" in README, setting.name
        assert flag in help_text and setting.env in help_text


def test_flag_beats_env_beats_default():
    assert load_config([], {}).port == 8080
    assert load_config([], {"PORT": "5000"}).port == 5000
    assert load_config(["--port", "6000"], {"PORT": "5000"}).port == 6000
    assert load_config([], {"HOST": "0.0.0.0"}).host == "0.0.0.0"

"""The server uses aiohttp's public API only, within a range of versions that is tested: the one CI installs
(requirements.lock) lies in setup.cfg's range, and so does the one installed here."""

from __future__ import annotations

import configparser
import re
from importlib.metadata import version
from pathlib import Path

from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parent.parent


def declared(name: str) -> Requirement:
    config = configparser.ConfigParser()
    config.read(ROOT / "setup.cfg")
    for line in config["options"]["install_requires"].splitlines():
        line = line.split("#")[0].strip()
        if line and Requirement(line).name == name:
            return Requirement(line)
    raise AssertionError(f"{name} is not in setup.cfg's install_requires")


def test_aiohttp_has_a_tested_upper_bound():
    requirement = declared("aiohttp")
    assert any(spec.operator == "<" for spec in requirement.specifier), "aiohttp needs an upper bound"
    locked = re.search(r"^aiohttp==(\S+)$", (ROOT / "requirements.lock").read_text(), re.MULTILINE).group(1)
    assert requirement.specifier.contains(locked), f"the locked aiohttp {locked} is outside {requirement}"
    assert requirement.specifier.contains(version("aiohttp")), (
        f"aiohttp {version('aiohttp')} installed, outside {requirement}"
    )


def test_no_private_aiohttp_names_are_used():
    """No `aiohttp` attribute or override that starts with an underscore (a private name can change in any release)."""
    offenders = []
    for path in (ROOT / "interview_server").rglob("*.py"):
        for number, line in enumerate(path.read_text().splitlines(), 1):
            if re.search(r"\bdef _[a-z_]+\(self, (request|accept_encoding)", line) or re.search(
                r"aiohttp\.\w*\._", line
            ):
                offenders.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert offenders == []

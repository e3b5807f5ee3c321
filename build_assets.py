"""Setuptools build step (setup.cfg `cmdclass`): pack the built frontend and the templates into the wheel.

In the checkout they live at the top (`static/`, `templates/`), where a checkout or an editable install serves
them live. A wheel carries a copy inside the package, as `interview_server/static/{dist,pyodide}` and
`interview_server/templates`, where `interview_server/config.py` looks first. `static/src` is not copied.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from setuptools.command.build_py import build_py
from setuptools.command.sdist import sdist
from setuptools.errors import FileError

ROOT = Path(__file__).resolve().parent
ASSET_DIRS = ("static/dist", "static/pyodide", "templates")  # copied to interview_server/<same path>
# Without these the pages cannot work (interview_server/check.py checks the same files at run time).
REQUIRED = (
    "static/dist/manifest.json",
    "static/pyodide/pyodide.mjs",
    "static/pyodide/pyodide.asm.mjs",
    "static/pyodide/pyodide.asm.wasm",
    "static/pyodide/python_stdlib.zip",
    "static/pyodide/pyodide-lock.json",
    "templates/session.html",
    "templates/index.html",
)


def require_assets() -> None:
    """Stop the build with a clear message when the frontend was not built (no wheel without assets)."""
    missing = [name for name in REQUIRED if not (ROOT / name).is_file()]
    if missing:
        raise FileError(
            f"interview_server: cannot package the server without its built frontend: {', '.join(missing)} "
            f"missing under {ROOT}. Build it first with `make build` (npm ci && npm run build), then build again."
        )


class BuildPy(build_py):
    """build_py that also copies static/dist, static/pyodide and templates/ into the package."""

    def run(self) -> None:
        if getattr(self, "editable_mode", False):  # `pip install -e .`: the checkout's live folders are used
            super().run()
            return
        require_assets()
        super().run()
        for name in ASSET_DIRS:
            target = Path(self.build_lib) / "interview_server" / name
            shutil.rmtree(target, ignore_errors=True)  # no stale files from an earlier build in build/
            shutil.copytree(ROOT / name, target, ignore=shutil.ignore_patterns(".*"))


class Sdist(sdist):
    """sdist that refuses to pack a source archive whose wheel could not be built."""

    def run(self) -> None:
        require_assets()
        super().run()

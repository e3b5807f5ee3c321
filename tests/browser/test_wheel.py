"""Self-hosting from a wheel: the wheel and `pip install .` carry the templates and the built frontend
(Pyodide included), so an installed `interview-server` runs Python in the page with no checkout and no Node."""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import importlib.util
import json
import os
import shutil
import subprocess
import sys
import time
import urllib.request
import zipfile
from contextlib import contextmanager
from pathlib import Path

import pytest
from playwright.async_api import expect

from interview_server.check import REQUIRED_ASSETS
from interview_server.config import SETTINGS

from ..support.server_process import ROOT, free_port
from .conftest import create_session
from .helpers import open_session, output, set_code, wait_python_ready

pytestmark = pytest.mark.timeout(90)

# The test venv's pip builds here (its setuptools, no build isolation, no Node) and installs into the fresh
# venv with --python, so the fresh venv needs no pip of its own.
PIP = [sys.executable, "-m", "pip"]
# Nothing may point the installed server back at the checkout or change its settings.
CLEAN_ENV = {
    name: value
    for name, value in os.environ.items()
    if name not in {"PYTHONPATH", "PYTHONHOME", *(setting.env for setting in SETTINGS)}
}


@contextmanager
def building_in_checkout():
    """pip builds in the checkout (build/, *.egg-info), and these tests may run on several pytest-xdist workers
    at once (xdist's `xdist_group` does not hold with pytest 9: the tests were spread anyway): one build at a time."""
    lock_path = ROOT / "build" / ".tests-build.lock"
    lock_path.parent.mkdir(exist_ok=True)
    with open(lock_path, "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def run(command: list, cwd: Path, timeout: float = 60) -> str:
    result = subprocess.run(
        [str(part) for part in command], cwd=cwd, env=CLEAN_ENV, capture_output=True, text=True, timeout=timeout
    )
    assert result.returncode == 0, f"{command} failed:\n{result.stdout}\n{result.stderr}"
    return result.stdout


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    """`pip wheel .` of the checkout, as built on a machine where `npm run build` has run."""
    out = tmp_path_factory.mktemp("wheel")
    with building_in_checkout():
        run([*PIP, "wheel", ".", "--no-deps", "--no-build-isolation", "--quiet", "-w", out], cwd=ROOT)
    (built,) = out.glob("interview_server-*.whl")
    return built


@pytest.fixture(scope="module")
def fresh_venv(tmp_path_factory) -> Path:
    """A new virtual environment outside the checkout."""
    venv = tmp_path_factory.mktemp("fresh") / "venv"
    run([sys.executable, "-m", "venv", "--without-pip", venv], cwd=venv.parent)
    return venv


def install(venv: Path, target: Path, workdir: Path) -> None:
    """Install the server (wheel file or source folder) into `venv`, dependencies at the locked versions."""
    run([*PIP, "--python", venv / "bin" / "python", "uninstall", "--yes", "--quiet", "interview_server"], cwd=workdir)
    with building_in_checkout() if target == ROOT else contextlib.nullcontext():
        run(
            [*PIP, "--python", venv / "bin" / "python", "install", "--quiet", "-c", ROOT / "requirements.lock", target],
            cwd=workdir,
            timeout=80,
        )


def site_package(venv: Path) -> Path:
    (package,) = venv.glob("lib/python3*/site-packages/interview_server")
    return package


@contextmanager
def installed_server(venv: Path, workdir: Path):
    """`<venv>/bin/interview-server` started in `workdir` (not the checkout), SQLite in workdir/data."""
    url = f"http://127.0.0.1:{free_port()}"
    with open(workdir / "server.log", "w") as log:
        process = subprocess.Popen(
            [venv / "bin" / "interview-server", "--port", url.rsplit(":", 1)[1], "--data-dir", workdir / "data"],
            cwd=workdir,
            env=CLEAN_ENV,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                urllib.request.urlopen(url + "/api/health", timeout=1).read()
                break
            except OSError:
                assert process.poll() is None and time.monotonic() < deadline, (workdir / "server.log").read_text()
                time.sleep(0.05)
        yield url
    finally:
        process.terminate()
        process.wait(15)


async def check_installed_server_runs_python(pages, venv: Path, workdir: Path) -> None:
    """--check says Usable with the installed assets; a session page runs print(6*7) with the served Pyodide."""
    package = site_package(venv)
    report = await asyncio.to_thread(
        run, [venv / "bin" / "interview-server", "--check", "--data-dir", workdir / "data"], workdir
    )
    assert report.splitlines()[-1] == "Usable.", report
    assert f"ok    templates in {package / 'templates'}" in report
    assert f"ok    static assets in {package / 'static'} " in report

    with installed_server(venv, workdir) as url:
        wasm = urllib.request.urlopen(url + "/static/pyodide/pyodide.asm.wasm", timeout=10)
        assert wasm.headers["Content-Type"] == "application/wasm"
        assert wasm.read() == (package / "static/pyodide/pyodide.asm.wasm").read_bytes()
        page = await open_session(pages, url, create_session(url))
        await wait_python_ready(page)
        await set_code(page, "print(6*7)\n")
        await page.get_by_role("button", name="Run").click()
        await expect(output(page).locator(".stdout").last).to_have_text("42\n")
        assert pages.console_errors == []


def test_wheel_holds_templates_and_built_frontend_but_no_sources(wheel):
    names = zipfile.ZipFile(wheel).namelist()
    for asset in REQUIRED_ASSETS:
        assert f"interview_server/static/{asset}" in names
    for template in ("base.html", "index.html", "session.html", "embed.html"):
        assert f"interview_server/templates/{template}" in names
    assert not [name for name in names if "static/src/" in name or "node_modules" in name or "/." in name]
    # The hashed files the manifest names, and the precompressed copies beside the big ones.
    manifest = json.loads(zipfile.ZipFile(wheel).read("interview_server/static/dist/manifest.json"))
    for entry in manifest.values():
        for name in [entry["file"], *entry["imports"]]:
            assert f"interview_server/static/dist/{name}" in names
    for name in ("dist/" + manifest["session.js"]["file"], "pyodide/pyodide.asm.wasm", "pyodide/python_stdlib.zip"):
        assert {f"interview_server/static/{name}.br", f"interview_server/static/{name}.gz"} <= set(names), name
    # Every language's runtime: its worker, and the wasm SQL and Lua load, each with its .br/.gz copies.
    for language_file in ("python-worker.js", "js-worker.js", "ts-worker.js", "sql-worker.js", "lua-worker.js"):
        name = f"interview_server/static/dist/{manifest[language_file]['file']}"
        assert {name, f"{name}.br", f"{name}.gz"} <= set(names), language_file
    for wasm in ("sql-wasm-browser-", "glue-"):  # sql.js's SQLite, wasmoon's Lua
        [found] = [
            name for name in names if name.startswith(f"interview_server/static/dist/{wasm}") and name.endswith(".wasm")
        ]
        assert {f"{found}.br", f"{found}.gz"} <= set(names), wasm
    # Pyodide (~58 MB with its .br/.gz copies, ~34 MB zipped) is most of it, then Ruff's wasm for Format and lint
    # (11 MB with 3.0 MB brotli and 3.9 MB gzip copies, ~11 MB zipped): 51.2 MB in all (docs/PERFORMANCE.md).
    assert wheel.stat().st_size < 56 * 1024 * 1024, "the wheel packs more than the served assets"
    [ruff] = [
        name
        for name in names
        if name.startswith("interview_server/static/dist/ruff_wasm_bg-") and name.endswith(".wasm")
    ]
    assert {f"{ruff}.br", f"{ruff}.gz"} <= set(names)

    spec = importlib.util.spec_from_file_location("build_assets", ROOT / "build_assets.py")
    build_assets = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(build_assets)
    assert {f"static/{asset}" for asset in REQUIRED_ASSETS} <= set(build_assets.REQUIRED)  # the build checks them


@pytest.mark.python
async def test_installed_wheel_runs_python_in_the_page_from_any_folder(pages, wheel, fresh_venv, tmp_path):
    await asyncio.to_thread(install, fresh_venv, wheel, tmp_path)
    await check_installed_server_runs_python(pages, fresh_venv, tmp_path)


@pytest.mark.python
async def test_pip_install_dot_installs_the_same_server(pages, fresh_venv, tmp_path):
    """`pip install .` (not editable, pip's own isolated build) packs the same assets."""
    await asyncio.to_thread(install, fresh_venv, ROOT, tmp_path)
    assert not (site_package(fresh_venv) / "static" / "src").exists()
    await check_installed_server_runs_python(pages, fresh_venv, tmp_path)


def test_building_without_the_built_frontend_fails_with_a_clear_message(tmp_path):
    checkout = tmp_path / "checkout"
    shutil.copytree(
        ROOT / "interview_server", checkout / "interview_server", ignore=shutil.ignore_patterns("__pycache__")
    )
    shutil.copytree(ROOT / "templates", checkout / "templates")
    for name in ("setup.cfg", "pyproject.toml", "MANIFEST.in", "README.md", "build_assets.py"):
        shutil.copy(ROOT / name, checkout / name)
    result = subprocess.run(
        [*PIP, "wheel", ".", "--no-deps", "--no-build-isolation", "-w", str(tmp_path / "out")],
        cwd=checkout,
        env=CLEAN_ENV,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert (
        "cannot package the server without its built frontend: static/dist/manifest.json"
        in result.stdout + result.stderr
    )
    assert "npm run build" in result.stdout + result.stderr
    assert not list((tmp_path / "out").glob("*.whl"))


def test_the_checkout_serves_its_live_folders(tmp_path):
    """In a checkout (the editable install of `make setup`) the defaults are the top-level static/ and templates/."""
    printed = run(
        [
            sys.executable,
            "-c",
            "from interview_server.config import Config; print(Config().static_dir); print(Config().templates_dir)",
        ],
        cwd=tmp_path,
    )
    assert printed.split() == [str(ROOT / "static"), str(ROOT / "templates")]

"""`interview-server --check`: print the resolved settings and whether the assets and the store are usable."""

from __future__ import annotations

import asyncio
import json
import os
from pathlib import Path

from .config import SETTINGS, Config, build_parser
from .store import make_store

# What the pages cannot work without, under STATIC_DIR: the build's manifest (dist/manifest.json maps these
# logical names to content-hashed files, which must exist too) and Pyodide's own files.
REQUIRED_ASSETS = (
    "dist/manifest.json",
    "pyodide/pyodide.mjs",
    "pyodide/pyodide.asm.mjs",
    "pyodide/pyodide.asm.wasm",
    "pyodide/python_stdlib.zip",
    "pyodide/pyodide-lock.json",
)
REQUIRED_ENTRIES = (
    "session.js",
    "start-runtime.js",
    "landing.js",
    "style.css",
    "python-worker.js",
    "js-worker.js",
    "ts-worker.js",
    "sql-worker.js",
    "lua-worker.js",
    "languages/python-support.js",
    "languages/javascript-support.js",
    "languages/typescript-support.js",
    "languages/sql-support.js",
    "languages/lua-support.js",
)
SECRET_SETTINGS = {"redis_url", "database_url"}  # may hold a password: shown without it
HIDDEN_SETTINGS = {"operator_token", "metrics_token", "admin_token", "turn_secret"}  # shown as (set) or (unset) only


def run_check(config: Config, argv: list[str] | None, environ: dict[str, str] | None = None) -> bool:
    """Print the report; True when the server can start and serve its pages."""
    environ = os.environ if environ is None else environ
    given = build_parser().parse_args(argv)
    print("Settings (flag > environment > default):")
    for setting in SETTINGS:
        value = getattr(config, setting.name)
        source = (
            "flag"
            if getattr(given, setting.name) is not None
            else "env"
            if environ.get(setting.env, "") != ""
            else "default"
        )
        shown = _without_password(value) if setting.name in SECRET_SETTINGS else value
        if setting.name in HIDDEN_SETTINGS:
            shown = "(set)" if value else ""
        print(f"  {setting.env:<20} {str(shown) if shown != '' else '(unset)':<44} ({source})")
    checks = [_check_templates(config), _check_assets(config), asyncio.run(_check_store(config))]
    for ok, line in checks:
        print(("  ok    " if ok else "  FAIL  ") + line)
    usable = all(ok for ok, _ in checks)
    print("Usable." if usable else "Not usable: fix the lines marked FAIL.")
    return usable


def _check_templates(config: Config) -> tuple[bool, str]:
    missing = [name for name in ("session.html", "index.html") if not (Path(config.templates_dir) / name).is_file()]
    if missing:
        return False, f"templates: {', '.join(missing)} missing in {config.templates_dir}"
    return True, f"templates in {config.templates_dir}"


def _check_assets(config: Config) -> tuple[bool, str]:
    static = Path(config.static_dir)
    missing = [name for name in REQUIRED_ASSETS if not (static / name).is_file()]
    if not missing:
        missing = _missing_from_manifest(static)
    if missing:
        return False, (
            f"static assets: {', '.join(missing)} missing in {static} "
            "(build them with `make build`, i.e. npm ci && npm run build)"
        )
    return True, f"static assets in {static} (editor, workers, Pyodide)"


def _missing_from_manifest(static: Path) -> list[str]:
    """Entries the manifest lacks, and files it names that are not there."""
    try:
        manifest = json.loads((static / "dist/manifest.json").read_text())
    except (OSError, ValueError) as exc:
        return [f"dist/manifest.json (unreadable: {exc})"]
    missing = [f"{name} (in dist/manifest.json)" for name in REQUIRED_ENTRIES if name not in manifest]
    for entry in manifest.values():
        for name in [entry.get("file", ""), *entry.get("imports", [])]:
            if not (static / "dist" / name).is_file():
                missing.append(f"dist/{name}")
    return missing


async def _check_store(config: Config) -> tuple[bool, str]:
    store = make_store(config.store_kind, config.data_dir, config.redis_url, config.database_url)
    try:
        await asyncio.wait_for(store.open(), 10)
    except Exception as exc:
        return False, f"store {config.store_kind}: cannot open it: {exc}"
    try:
        where = {
            "sqlite": str(Path(config.data_dir).resolve() / "sessions.db"),
            "redis": _without_password(config.redis_url),
            "postgres": _without_password(config.database_url),
            "memory": "sessions are lost on exit",
        }
        return True, f"store: {store.name} ({where.get(store.name, '')}) opens"
    finally:
        await store.close()


def _without_password(url: str) -> str:
    if "@" not in url or "://" not in url:
        return url
    scheme, rest = url.split("://", 1)
    credentials, host = rest.rsplit("@", 1)
    user = credentials.split(":", 1)[0]
    return f"{scheme}://{user + ':' if user else ':'}***@{host}"

"""The built static files: their content-hashed names (dist/manifest.json) for the templates, and /static/.

`npm run build` (static/build.mjs) names everything under dist/ by content ("session-3FZK2QXA.js") and lists
the names in dist/manifest.json; Pyodide's files under pyodide/ keep the names its loader asks for. Beside
each JS/CSS/wasm/zip/json/bin file it writes a brotli (.br) and a gzip (.gz) copy. This module serves them:
the .br copy when the client accepts br, else the .gz, else the file itself (`Vary: Accept-Encoding`);
hashed names are cached for a year as immutable, the others revalidated every time (ETag and
Last-Modified from aiohttp's FileResponse, so an unchanged file costs a 304).
"""

from __future__ import annotations

import asyncio
import json
import logging
import mimetypes
import re
import stat
from pathlib import Path

import jinja2
from aiohttp import web

log = logging.getLogger(__name__)

SERVED_DIRS = ("dist", "pyodide")  # under STATIC_DIR; nothing else there is served (static/src, build scripts)
MANIFEST = "dist/manifest.json"
IMMUTABLE = "public, max-age=31536000, immutable"
REVALIDATE = "no-cache"
HASHED_NAME = re.compile(r"-[A-Z0-9]{8}\.(?:js|css|wasm)(?:\.map)?$")  # esbuild's "[name]-[hash]" (wasm: SQLite's)
# Pyodide refuses to start unless its module and wasm files carry these types; pinned, not guessed.
CONTENT_TYPES = {
    ".js": "text/javascript",
    ".mjs": "text/javascript",
    ".css": "text/css",
    ".wasm": "application/wasm",
    ".json": "application/json",
    ".map": "application/json",
    ".zip": "application/zip",
    ".bin": "application/octet-stream",  # Python's start-up snapshot (static/build-snapshot.mjs)
}
ENCODINGS = (("br", ".br"), ("gzip", ".gz"))  # preferred first
SIDE_SUFFIXES = tuple(suffix for _, suffix in ENCODINGS)


class Assets:
    """The manifest (re-read when a rebuild changes it) and the /static/ handler."""

    def __init__(self, static_dir: str | Path):
        self.root = Path(static_dir).resolve()
        self._manifest: dict = {}
        self._manifest_mtime: int | None = None

    def manifest(self) -> dict:
        """Logical name ("session.js") -> {"file": hashed name under dist/, "imports": chunks it loads}."""
        path = self.root / MANIFEST
        try:
            mtime = path.stat().st_mtime_ns
        except OSError:
            return {}
        if mtime != self._manifest_mtime:
            try:
                self._manifest = json.loads(path.read_text())
            except (OSError, ValueError) as exc:
                log.error("cannot read %s: %s", path, exc)
                self._manifest = {}
            self._manifest_mtime = mtime
        return self._manifest

    def url(self, logical: str) -> str:
        """The URL of a built file by its logical name (its unhashed name if the manifest lacks it)."""
        entry = self.manifest().get(logical)
        return f"/static/dist/{entry['file'] if entry else logical}"

    def module_preloads(self, logical: str) -> list[str]:
        """URLs of the chunks `logical` imports at once (for <link rel="modulepreload">)."""
        entry = self.manifest().get(logical) or {}
        return [f"/static/dist/{name}" for name in entry.get("imports", [])]

    def setup(self, app: web.Application, env: jinja2.Environment) -> None:
        """Serve /static/ and give the templates `asset_url()` and `module_preloads()`."""
        env.globals["asset_url"] = self.url
        env.globals["module_preloads"] = self.module_preloads
        app.router.add_get("/static/{path:.+}", self.serve, name="static")
        if not self.manifest():
            log.warning("no %s under %s: build the frontend (npm run build)", MANIFEST, self.root)

    async def serve(self, request: web.Request) -> web.StreamResponse:
        found = await asyncio.get_running_loop().run_in_executor(
            None, self._locate, request.match_info["path"], request.headers.get("Accept-Encoding", "")
        )
        if found is None:
            raise web.HTTPNotFound()
        path, headers = found
        if "Content-Encoding" not in headers and aiohttp_would_pick_a_copy(request.headers.get("Accept-Encoding", "")):
            # Every copy was refused (q=0): FileResponse, which matches codings by substring, would send one anyway.
            body = await asyncio.get_running_loop().run_in_executor(None, path.read_bytes)
            return web.Response(body=body, headers=headers)
        # Given the representation chosen here; it looks for a .br/.gz beside that file, and there is none.
        return web.FileResponse(path, headers=headers)

    def _locate(self, relative: str, accept_encoding: str) -> tuple[Path, dict[str, str]] | None:
        """The file to send for `relative` (a side file when accepted) and its headers; None: 404."""
        parts = relative.split("/")
        if (
            len(parts) < 2
            or parts[0] not in SERVED_DIRS
            or relative.endswith(SIDE_SUFFIXES)
            or any(part in ("", ".", "..") or part.startswith(".") or "\\" in part or "\0" in part for part in parts)
        ):
            return None
        path = (self.root / relative).resolve()
        if not path.is_relative_to(self.root) or not _is_file(path):
            return None
        headers = {
            "Content-Type": CONTENT_TYPES.get(path.suffix)
            or mimetypes.guess_type(path.name)[0]
            or "application/octet-stream",
            "Cache-Control": IMMUTABLE if parts[0] == "dist" and HASHED_NAME.search(path.name) else REVALIDATE,
        }
        variants = {encoding: path.with_name(path.name + suffix) for encoding, suffix in ENCODINGS}
        variants = {encoding: side for encoding, side in variants.items() if _is_file(side)}
        if not variants:
            return path, headers
        headers["Vary"] = "Accept-Encoding"
        accepted = accepted_encodings(accept_encoding)
        for encoding, side in variants.items():
            if encoding in accepted:
                headers["Content-Encoding"] = encoding
                return side, headers
        return path, headers


def aiohttp_would_pick_a_copy(accept_encoding: str) -> bool:
    """FileResponse looks for a .br/.gz copy when the header merely mentions the coding (even with q=0)."""
    header = accept_encoding.lower()
    return any(encoding in header for encoding, _ in ENCODINGS)


def accepted_encodings(header: str) -> set[str]:
    """The content codings an Accept-Encoding header accepts (q > 0); `*` stands for br and gzip."""
    accepted, refused = set(), set()
    for item in header.lower().split(","):
        name, _, params = item.strip().partition(";")
        name = name.strip()
        if not name:
            continue
        quality = 1.0
        for param in params.split(";"):
            key, _, value = param.strip().partition("=")
            if key.strip() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        (accepted if quality > 0 else refused).add(name)
    if "*" in accepted:
        accepted |= {encoding for encoding, _ in ENCODINGS} - refused
    return accepted - refused


def _is_file(path: Path) -> bool:
    try:
        return stat.S_ISREG(path.stat().st_mode)
    except OSError:
        return False

"""/static/: precompressed copies chosen by Accept-Encoding, hashed names cached for good, 304s for the rest,
pinned content types, and nothing outside the built folders."""

from __future__ import annotations

import asyncio
import gzip
import json
import shutil
import subprocess
from pathlib import Path

import pytest

from interview_server.app import create_app
from interview_server.assets import accepted_encodings
from interview_server.config import Config

STATIC = Path(Config().static_dir)
MANIFEST = json.loads((STATIC / "dist/manifest.json").read_text())
SESSION_JS = "/static/dist/" + MANIFEST["session.js"]["file"]
WASM = "/static/pyodide/pyodide.asm.wasm"


@pytest.fixture
async def client(aiohttp_client, tmp_path):
    return await aiohttp_client(create_app(Config(store="memory", data_dir=str(tmp_path))))


async def fetch(client, path: str, accept: str | None, **headers):
    """(response, body bytes as sent on the wire) for `path` with this Accept-Encoding."""
    headers["Accept-Encoding"] = accept if accept is not None else "identity"
    response = await client.get(path, headers=headers, auto_decompress=False)
    return response, await response.read()


def brotli_decompress(data: bytes) -> bytes:
    """Node's zlib decodes brotli (Python's standard library has no brotli)."""
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is needed to decode brotli")
    return subprocess.run(
        [node, "-e", "process.stdout.write(require('zlib').brotliDecompressSync(require('fs').readFileSync(0)))"],
        input=data,
        capture_output=True,
        check=True,
        timeout=60,
    ).stdout


@pytest.mark.parametrize("path", [SESSION_JS, WASM, "/static/pyodide/python_stdlib.zip"])
async def test_brotli_then_gzip_then_the_plain_file_each_decoding_to_the_same_bytes(client, path):
    plain = (STATIC / path.removeprefix("/static/")).read_bytes()
    response, body = await fetch(client, path, "gzip, deflate, br, zstd")  # what Chromium sends
    assert response.headers["Content-Encoding"] == "br" and response.headers["Vary"] == "Accept-Encoding"
    assert len(body) < len(plain) and brotli_decompress(body) == plain
    response, body = await fetch(client, path, "gzip, deflate")
    assert response.headers["Content-Encoding"] == "gzip" and response.headers["Vary"] == "Accept-Encoding"
    assert len(body) < len(plain) and gzip.decompress(body) == plain
    response, body = await fetch(client, path, None)
    assert "Content-Encoding" not in response.headers and response.headers["Vary"] == "Accept-Encoding"
    assert body == plain


@pytest.mark.parametrize(
    "accept, expected",
    [
        ("br;q=0, gzip", "gzip"),
        ("gzip;q=0, br;q=0", None),
        ("*", "br"),
        ("*, br;q=0", "gzip"),
        ("GZIP", "gzip"),
        ("identity", None),
        ("deflate", None),
        ("br;q=0.5, gzip;q=1", "br"),
    ],
)
async def test_accept_encoding_is_read_with_its_q_values(client, accept, expected):
    response, _ = await fetch(client, SESSION_JS, accept)
    assert response.headers.get("Content-Encoding") == expected


def test_accepted_encodings():
    assert accepted_encodings("gzip, deflate, br, zstd") == {"gzip", "deflate", "br", "zstd"}
    assert accepted_encodings("br;q=0, gzip;q=0.8") == {"gzip"}
    assert accepted_encodings("") == set()


async def test_hashed_names_are_immutable_and_every_manifest_file_is_served(client):
    for logical, entry in MANIFEST.items():
        for name in [entry["file"], *entry["imports"]]:
            response, _ = await fetch(client, f"/static/dist/{name}", "br")
            assert response.status == 200, (logical, name)
            assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable", name
            assert response.headers["Cross-Origin-Resource-Policy"] == "same-origin"


async def test_unhashed_names_are_revalidated_with_304(client):
    response, _ = await fetch(client, WASM, "br")
    assert response.headers["Cache-Control"] == "no-cache"
    etag, modified = response.headers["ETag"], response.headers["Last-Modified"]
    again, body = await fetch(client, WASM, "br", **{"If-None-Match": etag})
    assert again.status == 304 and body == b"" and again.headers["ETag"] == etag
    again, _ = await fetch(client, WASM, "br", **{"If-Modified-Since": modified})
    assert again.status == 304
    # Each representation has its own validator: the brotli copy's ETag does not match the plain file.
    plain, _ = await fetch(client, WASM, None, **{"If-None-Match": etag})
    assert plain.status == 200 and plain.headers["ETag"] != etag
    manifest, _ = await fetch(client, "/static/dist/manifest.json", "gzip")
    assert manifest.headers["Cache-Control"] == "no-cache"


@pytest.mark.parametrize(
    "path, content_type",
    [
        (WASM, "application/wasm"),
        ("/static/pyodide/pyodide.asm.mjs", "text/javascript"),
        ("/static/pyodide/pyodide-lock.json", "application/json"),
        ("/static/pyodide/python_stdlib.zip", "application/zip"),
        (SESSION_JS, "text/javascript"),
        ("/static/dist/" + MANIFEST["style.css"]["file"], "text/css"),
    ],
)
async def test_content_types_are_pinned(client, path, content_type):
    for accept in ("br", "gzip", None):
        response, _ = await fetch(client, path, accept)
        assert response.headers["Content-Type"] == content_type, accept


async def test_head_gives_the_headers_without_a_body(client):
    response = await client.head(WASM, headers={"Accept-Encoding": "br"}, auto_decompress=False)
    assert response.status == 200 and response.headers["Content-Encoding"] == "br"
    assert int(response.headers["Content-Length"]) == (STATIC / "pyodide/pyodide.asm.wasm.br").stat().st_size


@pytest.mark.parametrize(
    "path",
    [
        "/static/dist/missing-ABCDEFGH.js",
        "/static/dist/session.js",
        "/static/",
        "/static/dist",
        "/static/dist/",
        SESSION_JS + ".br",
        SESSION_JS + ".gz",
        "/static/build.mjs",
        "/static/src/session.js",
        "/static/dist/.built",
    ],
)
async def test_what_is_not_a_built_file_is_404(client, path):
    response, _ = await fetch(client, path, "br")
    assert response.status == 404


async def raw_get(client, target: str) -> bytes:
    """Send a request line exactly as written (an HTTP client would normalise the dots away)."""
    reader, writer = await asyncio.open_connection(client.server.host, client.server.port)
    writer.write(f"GET {target} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n".encode())
    await writer.drain()
    answer = await reader.read()
    writer.close()
    return answer


@pytest.mark.parametrize(
    "target",
    [
        "/static/../setup.cfg",
        "/static/dist/../../setup.cfg",
        "/static/%2e%2e/setup.cfg",
        "/static/dist/%2e%2e/%2e%2e/setup.cfg",
        "/static/dist/..%2f..%2fsetup.cfg",
        "/static/pyodide/..%2f..%2fsetup.cfg",
        "/static/dist/%2e%2e%2f%2e%2e%2fsetup.cfg",
        "/static/dist/..%5c..%5csetup.cfg",
        "/static/%2fetc/passwd",
        "/static//etc/passwd",
        "/static/dist/%00.js",
    ],
)
async def test_no_path_leaves_the_built_folders(client, target):
    assert (await raw_get(client, "/static/pyodide/pyodide.mjs")).startswith(b"HTTP/1.1 200 ")  # the probe works
    answer = await raw_get(client, target)
    status = int(answer.split(b" ", 2)[1])
    assert status in (400, 404), answer[:200]
    assert b"[metadata]" not in answer and b"root:" not in answer


async def test_the_editor_page_names_the_hashed_files_and_workers(client):
    session_id = (await (await client.post("/api/sessions")).json())["session_id"]
    page = await (await client.get(f"/session/{session_id}")).text()
    for logical in ("session.js", "start-runtime.js", "style.css"):
        assert f'"/static/dist/{MANIFEST[logical]["file"]}"' in page, logical
    for chunk in MANIFEST["session.js"]["imports"]:
        assert f'<link rel="modulepreload" href="/static/dist/{chunk}">' in page
    assert f'data-worker-python="/static/dist/{MANIFEST["python-worker.js"]["file"]}"' in page
    assert f'data-worker-javascript="/static/dist/{MANIFEST["js-worker.js"]["file"]}"' in page
    assert f'data-worker-typescript="/static/dist/{MANIFEST["ts-worker.js"]["file"]}"' in page
    assert "/static/dist/session.js" not in page

"""Cross-site WebSocket hijacking is refused; every response carries the security headers."""

from __future__ import annotations

import aiohttp
import pytest

from interview_server.app import create_app
from interview_server.assets import Assets
from interview_server.config import Config


def built(name: str) -> str:
    """The served URL of a built file by its logical name (names are content-hashed: dist/manifest.json)."""
    return Assets(Config().static_dir).url(name)


@pytest.fixture
def make_client(aiohttp_client, tmp_path):
    async def make(**settings):
        return await aiohttp_client(create_app(Config(store="memory", data_dir=str(tmp_path), **settings)))

    return make


async def new_session(client) -> str:
    return (await (await client.post("/api/sessions")).json())["session_id"]


async def origin_status(client, session_id, origin: str | None, **headers) -> int:
    if origin is not None:
        headers["Origin"] = origin
    try:
        ws = await client.ws_connect(f"/ws/{session_id}", headers=headers)
    except aiohttp.WSServerHandshakeError as exc:
        return exc.status
    message = await ws.receive_json(timeout=5)
    await ws.close()
    assert message["type"] == "session_state"
    return 101


async def test_a_socket_from_a_foreign_origin_gets_403(make_client):
    client = await make_client()
    session_id = await new_session(client)
    own = f"http://{client.server.host}:{client.server.port}"
    assert await origin_status(client, session_id, own) == 101
    assert await origin_status(client, session_id, None) == 101  # scripts send no Origin
    for foreign in (
        "http://evil.example",
        f"http://{client.server.host}:1",
        "null",
        f"http://{client.server.host}:{client.server.port}.evil.example",
        "file://",
    ):
        assert await origin_status(client, session_id, foreign) == 403, foreign
    # The forwarded host is believed only behind a trusted proxy.
    assert (
        await origin_status(client, session_id, "https://pad.example.org", **{"X-Forwarded-Host": "pad.example.org"})
        == 403
    )


async def test_configured_origins_and_frame_ancestors_may_open_sockets(make_client):
    client = await make_client(
        allowed_origins="https://tools.example.com",
        frame_ancestors="https://canvas.example.edu https://moodle.example.org",
    )
    session_id = await new_session(client)
    for allowed in ("https://tools.example.com", "https://canvas.example.edu", "https://MOODLE.example.org"):
        assert await origin_status(client, session_id, allowed) == 101, allowed
    assert await origin_status(client, session_id, "http://canvas.example.edu") == 403  # scheme matters
    assert await origin_status(client, session_id, "https://evil.example") == 403


async def test_behind_a_trusted_proxy_the_public_host_is_our_origin(make_client):
    client = await make_client(trust_proxy=1)
    session_id = await new_session(client)
    assert (
        await origin_status(
            client,
            session_id,
            "https://pad.example.org",
            **{"X-Forwarded-Host": "pad.example.org", "X-Forwarded-Proto": "https"},
        )
        == 101
    )
    # The forwarded scheme is known as well: a plain-http page of the same host is another origin.
    assert (
        await origin_status(
            client,
            session_id,
            "http://pad.example.org",
            **{"X-Forwarded-Host": "pad.example.org", "X-Forwarded-Proto": "https"},
        )
        == 403
    )


def test_bad_origins_in_configuration_are_refused_at_start():
    from interview_server.config import load_config

    with pytest.raises(SystemExit, match="not an origin"):
        load_config(["--frame-ancestors", "canvas.example.edu"], environ={})
    with pytest.raises(SystemExit, match="not an origin"):
        load_config([], environ={"ALLOWED_ORIGINS": "https://ok.example https://bad.example/path"})


def directives(csp: str) -> dict[str, str]:
    return {part.split()[0]: " ".join(part.split()[1:]) for part in csp.split(";") if part.strip()}


async def test_every_response_has_the_security_headers(make_client):
    client = await make_client(frame_ancestors="https://canvas.example.edu")
    session_id = await new_session(client)
    for path, status in (
        ("/", 200),
        (f"/session/{session_id}", 200),
        ("/session/nope", 404),
        ("/api/health", 200),
        ("/api/nothing", 404),
        (f"/api/sessions/{session_id}", 200),
        (built("session.js"), 200),
        ("/static/missing.js", 404),
    ):
        response = await client.get(path)
        assert response.status == status, path
        assert response.headers["X-Content-Type-Options"] == "nosniff", path
        assert response.headers["Referrer-Policy"] == "no-referrer", path
        csp = directives(response.headers["Content-Security-Policy"])
        assert csp["script-src"] == "'self' 'wasm-unsafe-eval'", path  # no inline scripts, no eval
        assert csp["connect-src"] == "'self'", path
        assert csp["frame-ancestors"] == "'self' https://canvas.example.edu", path
        assert csp["object-src"] == "'none'" and csp["base-uri"] == "'none'", path
    page = await client.get(f"/session/{session_id}")
    assert page.headers["Cross-Origin-Opener-Policy"] == "same-origin"
    assert page.headers["Cross-Origin-Embedder-Policy"] == "require-corp"


async def test_the_style_nonce_is_fresh_per_page_and_handed_to_the_page(make_client):
    client = await make_client()
    session_id = await new_session(client)
    nonces = []
    for _ in range(2):
        response = await client.get(f"/session/{session_id}")
        nonce = directives(response.headers["Content-Security-Policy"])["style-src"].split("'nonce-")[1].rstrip("'")
        assert f'<meta name="csp-nonce" content="{nonce}">' in await response.text()
        nonces.append(nonce)
    assert nonces[0] != nonces[1] and len(nonces[0]) >= 16


async def test_worker_scripts_have_their_own_tighter_policy(make_client):
    client = await make_client()
    python = directives((await client.get(built("python-worker.js"))).headers["Content-Security-Policy"])
    assert python["script-src"] == "'self' 'wasm-unsafe-eval'" and python["connect-src"] == "'self'"
    javascript = directives((await client.get(built("js-worker.js"))).headers["Content-Security-Policy"])
    # The user's JavaScript is evaluated there, and may fetch, import or connect to nothing.
    assert javascript == {"default-src": "'none'", "script-src": "'unsafe-eval'", "base-uri": "'none'"}
    # TypeScript runs in the same sandbox, with the type stripper bundled in: the same policy.
    typescript = directives((await client.get(built("ts-worker.js"))).headers["Content-Security-Policy"])
    assert typescript == javascript
    # Format and lint: their own chunks and wasm from this server, nothing else.
    tools = directives((await client.get(built("code-tools/code-tools-worker.js"))).headers["Content-Security-Policy"])
    assert tools == {
        "default-src": "'none'",
        "script-src": "'self' 'wasm-unsafe-eval'",
        "connect-src": "'self'",
        "base-uri": "'none'",
    }


async def test_the_embed_view_is_served_like_the_editor_and_nothing_sets_a_cookie(make_client):
    client = await make_client(frame_ancestors="https://canvas.example.edu")
    session_id = await new_session(client)
    embed = await client.get(f"/embed/{session_id}")
    assert embed.status == 200
    body = await embed.text()
    assert 'data-embed-origins="https://canvas.example.edu"' in body and "Open in a new window" in body
    assert "chat" not in body.lower()
    assert (
        directives(embed.headers["Content-Security-Policy"])["frame-ancestors"] == "'self' https://canvas.example.edu"
    )
    assert (await client.get("/embed/0b8e7c1e-3f0a-4c4e-9d57-5a0d6a1e2b3c")).status == 404
    assert (await client.get("/embed/garbage")).status == 404
    for path in ("/", f"/session/{session_id}", f"/embed/{session_id}", "/api/health", built("session.js")):
        response = await client.get(path)
        assert "Set-Cookie" not in response.headers, path
    assert "Set-Cookie" not in (await client.post("/api/sessions")).headers

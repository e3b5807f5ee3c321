"""A test LMS platform for LTI 1.3 launches (issue 25): its own RSA keys and JWKS endpoint, an OIDC authorization
endpoint that answers with the auto-submitting form post of an id_token (as Canvas and Moodle do), and a way to
make id_tokens that are wrong in one respect each. It runs as a real aiohttp server on a free local port."""

from __future__ import annotations

import json
import re
import secrets
import time
from html import unescape
from urllib.parse import parse_qs, urlencode, urlsplit

import aiohttp
import jwt
from aiohttp import web
from aiohttp.test_utils import TestServer
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

CLAIM = "https://purl.imsglobal.org/spec/lti/claim/"
INSTRUCTOR = "http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor"
LEARNER = "http://purl.imsglobal.org/vocab/lis/v2/membership#Learner"


class TestPlatform:
    """`users[login_hint]` says who logs in: {sub, name, roles, link, custom, ...}; `tamper(claims, header)` may
    change the next id_token (a bad launch)."""

    __test__ = False  # not a test class for pytest

    def __init__(
        self, issuer: str = "https://lms.test", client_id: str = "pad-tool", deployment: str = "dep-1", port: int = 0
    ):
        self.port = port  # 0: any free one
        self.tool_url = ""  # the tool's address, for the course page that frames it
        self.issuer, self.client_id, self.deployment = issuer, client_id, deployment
        self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.kid = "platform-key-1"
        self.users: dict[str, dict] = {}
        self.tamper = None  # (claims, header) -> (claims, header, key) for the next token only
        self.jwks_fetches = 0
        self.server: TestServer | None = None
        self.tool_jwks_url = ""  # where the tool publishes its keys (to check its client assertions)
        self.scores: list[dict] = []  # scores the tool posted: {lineitem, score}
        self.token_requests = 0
        self.refuse_scores = 0  # answer this many score posts with 503 first (the tool retries)

    async def start(self) -> TestPlatform:
        app = web.Application()
        app.router.add_get("/jwks", self._jwks)
        app.router.add_get("/auth", self._auth)
        app.router.add_post("/token", self._token)
        app.router.add_post("/lineitems/{item}/scores", self._score)
        app.router.add_get("/course/{hint}", self._course)
        self.server = TestServer(app, host="127.0.0.1", port=self.port or None)
        await self.server.start_server()
        return self

    async def close(self) -> None:
        await self.server.close()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.port}"

    def registration(self) -> dict:
        return {
            "name": "Test LMS",
            "issuer": self.issuer,
            "client_id": self.client_id,
            "deployment_ids": [self.deployment],
            "auth_login_url": f"{self.url}/auth",
            "auth_token_url": f"{self.url}/token",
            "key_set_url": f"{self.url}/jwks",
        }

    async def _jwks(self, request: web.Request) -> web.Response:
        self.jwks_fetches += 1
        jwk = json.loads(RSAAlgorithm.to_jwk(self.key.public_key()))
        return web.json_response({"keys": [{**jwk, "kid": self.kid, "alg": "RS256", "use": "sig"}]})

    async def _auth(self, request: web.Request) -> web.Response:
        query = request.query
        assert query["response_type"] == "id_token" and query["response_mode"] == "form_post", dict(query)
        assert query["scope"] == "openid" and query["prompt"] == "none" and query["client_id"] == self.client_id
        user = self.users[query["login_hint"]]
        token = self.id_token(user, query["nonce"])
        form = (
            f'<form method="post" action="{query["redirect_uri"]}" id="launch">'
            f'<input type="hidden" name="id_token" value="{token}">'
            f'<input type="hidden" name="state" value="{query["state"]}"></form>'
            '<script>document.getElementById("launch").submit()</script>'
        )
        return web.Response(text=f"<!doctype html><title>Test LMS</title>{form}", content_type="text/html")

    async def _course(self, request: web.Request) -> web.Response:
        """A course page that frames the tool's login initiation for one user (as an LMS shows an external tool)."""
        login = f"{self.tool_url}/lti/login?" + urlencode(
            {
                "iss": self.issuer,
                "login_hint": request.match_info["hint"],
                "client_id": self.client_id,
                "lti_deployment_id": self.deployment,
                "target_link_uri": f"{self.tool_url}/lti/launch",
            }
        )
        body = (
            "<h1>Algorithms 101</h1>"
            f'<iframe src="{login}" title="Interview pad" width="1240" height="720" '
            'allow="clipboard-write; camera; microphone"></iframe>'
        )
        return web.Response(text=f"<!doctype html><title>Course</title>{body}", content_type="text/html")

    async def _token(self, request: web.Request) -> web.Response:
        """The client-credentials grant: the tool's assertion must be signed by a key of its JWKS, for this URL."""
        self.token_requests += 1
        form = await request.post()
        assert form["grant_type"] == "client_credentials", dict(form)
        assert form["client_assertion_type"] == "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
        async with aiohttp.ClientSession() as http, http.get(self.tool_jwks_url) as answer:
            keys = jwt.PyJWKSet.from_dict(await answer.json())
        kid = jwt.get_unverified_header(form["client_assertion"])["kid"]
        claims = jwt.decode(form["client_assertion"], keys[kid].key, algorithms=["RS256"], audience=f"{self.url}/token")
        assert claims["iss"] == claims["sub"] == self.client_id and claims["jti"]
        assert "https://purl.imsglobal.org/spec/lti-ags/scope/score" in form["scope"].split()
        self.access_token = f"token-{secrets.token_hex(6)}"
        return web.json_response({"access_token": self.access_token, "token_type": "Bearer", "expires_in": 3600})

    async def _score(self, request: web.Request) -> web.Response:
        if self.refuse_scores:
            self.refuse_scores -= 1
            return web.Response(status=503)
        assert request.headers["Authorization"] == f"Bearer {self.access_token}"
        assert request.content_type == "application/vnd.ims.lis.v1.score+json"
        self.scores.append({"lineitem": request.match_info["item"], "score": await request.json()})
        return web.Response(status=204)

    def lineitem(self, item: str) -> str:
        return f"{self.url}/lineitems/{item}"

    def id_token(self, user: dict, nonce: str) -> str:
        now = int(time.time())
        claims = {
            "iss": self.issuer,
            "aud": self.client_id,
            "azp": self.client_id,
            "sub": user["sub"],
            "exp": now + 300,
            "iat": now,
            "nonce": nonce,
            "name": user.get("name", ""),
            "given_name": user.get("name", "").split(" ")[0],
            CLAIM + "message_type": user.get("message_type", "LtiResourceLinkRequest"),
            CLAIM + "version": "1.3.0",
            CLAIM + "deployment_id": self.deployment,
            CLAIM + "target_link_uri": "http://tool/lti/launch",
            CLAIM + "resource_link": {"id": user.get("link", "link-1"), "title": user.get("title", "Two sum")},
            CLAIM + "context": {"id": "course-1", "title": "Algorithms 101"},
            CLAIM + "roles": user.get("roles", [LEARNER]),
            CLAIM + "custom": user.get("custom", {}),
        }
        if user.get("message_type") == "LtiDeepLinkingRequest":
            claims["https://purl.imsglobal.org/spec/lti-dl/claim/deep_linking_settings"] = {
                "deep_link_return_url": f"{self.url}/deep-link-return",
                "accept_types": ["ltiResourceLink"],
                "accept_presentation_document_targets": ["iframe", "window"],
                "data": "platform-opaque-7",
            }
            del claims[CLAIM + "resource_link"]
        if user.get("lineitem"):
            claims["https://purl.imsglobal.org/spec/lti-ags/claim/endpoint"] = {
                "scope": [
                    "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem",
                    "https://purl.imsglobal.org/spec/lti-ags/scope/score",
                ],
                "lineitem": user["lineitem"],
            }
        header, key = {"kid": self.kid}, self.key
        if self.tamper is not None:
            claims, header, key = self.tamper(claims, header, key)
            self.tamper = None
        return jwt.encode(claims, key, algorithm="RS256", headers=header)


def form_fields(html: str) -> dict[str, str]:
    """The hidden inputs of a page's form (the platform's post), and its action as "action"."""
    fields = {name: unescape(value) for name, value in re.findall(r'name="([^"]+)" value="([^"]*)"', html)}
    fields["action"] = unescape(re.search(r'action="([^"]+)"', html).group(1))
    return fields


def data_attributes(html: str, element_id: str) -> dict[str, str]:
    """The data-* attributes of the element with that id (the tool's LTI pages)."""
    tag = re.search(rf'<[^>]*id="{element_id}"[^>]*>', html).group(0)
    return {name.replace("-", "_"): unescape(value) for name, value in re.findall(r'data-([a-z-]+)="([^"]*)"', tag)}


def query_of(url: str) -> dict[str, str]:
    return {name: values[0] for name, values in parse_qs(urlsplit(url).query).items()}


def new_hint() -> str:
    return secrets.token_hex(4)

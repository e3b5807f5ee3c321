"""Setting the LTI tool up in the app: only when platforms are registered (LTI_PLATFORMS)."""

from __future__ import annotations

from pathlib import Path

import aiohttp
from aiohttp import web

from ..config import Config
from . import deep_linking, instructor, launch, tool_keys
from .app_keys import LTI, LtiTool
from .platform_keys import PlatformKeys
from .platforms import Platforms

HTTP = web.AppKey("lti_http", aiohttp.ClientSession)  # the tool's requests to platforms (keys, grades)


def keys_path(config: Config) -> Path:
    return Path(config.lti_keys) if config.lti_keys else Path(config.data_dir) / "lti-keys.json"


def setup(app: web.Application, config: Config) -> None:
    platforms = Platforms.load(config.lti_platforms)
    if not len(platforms):
        return
    app[LTI] = LtiTool(platforms, tool_keys.load(keys_path(config)), PlatformKeys(lambda: app[HTTP]))
    app.add_routes(launch.routes)
    app.add_routes(instructor.routes)
    app.add_routes(deep_linking.routes)
    app.cleanup_ctx.append(_http_ctx)


async def _http_ctx(app: web.Application):
    app[HTTP] = aiohttp.ClientSession(headers={"User-Agent": "interview-server LTI tool"})
    yield
    await app[HTTP].close()

"""The LTI tool's parts as the app holds them (made at start-up when LTI_PLATFORMS is set: tool.py)."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

from aiohttp import web

from .platform_keys import PlatformKeys
from .platforms import Platforms
from .tool_keys import ToolKeys


@dataclass
class LtiTool:
    platforms: Platforms
    keys: ToolKeys
    platform_keys: PlatformKeys
    clock: Callable[[], float] = field(default=time.time)
    # AGS access tokens: (token URL, client id) -> (token, good until, seconds since the epoch)
    tokens: dict[tuple[str, str], tuple[str, float]] = field(default_factory=dict)


LTI = web.AppKey("lti", LtiTool)

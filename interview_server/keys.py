"""Every web.AppKey of the application, in one place."""

from aiohttp import web

from .assets import Assets
from .config import Config
from .hub import Hub
from .limits import AddressLimits
from .loop_monitor import LoopMonitor
from .metrics import Metrics
from .sessions import SessionRegistry
from .store import SessionStore
from .store_health import StoreHealth

CONFIG = web.AppKey("config", Config)
ASSETS = web.AppKey("assets", Assets)
STORE = web.AppKey("store", SessionStore)
STORE_HEALTH = web.AppKey("store_health", StoreHealth)
HUB = web.AppKey("hub", Hub)
SESSIONS = web.AppKey("sessions", SessionRegistry)
LIMITS = web.AppKey("limits", AddressLimits)
LOOP_MONITOR = web.AppKey("loop_monitor", LoopMonitor)
METRICS = web.AppKey("metrics", Metrics)
INSTANCE_NAME = web.AppKey("instance_name", str)  # this process, as the admin dashboard names it
PROBLEMS = web.AppKey("problems", dict)  # problem id -> problems.Problem (built-in and PROBLEMS_DIR)

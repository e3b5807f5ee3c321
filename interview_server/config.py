"""Server settings: declared once, read from the command line and the environment (the only reader)."""

from __future__ import annotations

import argparse
import os
from dataclasses import dataclass, fields
from pathlib import Path
from urllib.parse import urlsplit

from .ice import IceConfigError, parse_ice_servers, parse_turn_urls

PACKAGE_DIR = Path(__file__).resolve().parent
PROJECT_DIR = PACKAGE_DIR.parent
# An installed wheel carries static/ and templates/ inside the package (build_assets.py); a checkout at its top.
ASSETS_DIR = PACKAGE_DIR if (PACKAGE_DIR / "templates").is_dir() else PROJECT_DIR


@dataclass(frozen=True)
class Setting:
    """One setting: its name, environment variable, type, default and help text."""

    name: str
    env: str
    type: type
    default: object
    help: str


SETTINGS: tuple[Setting, ...] = (
    Setting("host", "HOST", str, "127.0.0.1", "Interface to listen on (use 0.0.0.0 on a PaaS or in a container)."),
    Setting("port", "PORT", int, 8080, "TCP port to listen on (PaaS routers set PORT)."),
    Setting(
        "heartbeat",
        "HEARTBEAT_SECONDS",
        float,
        25.0,
        "Seconds between WebSocket pings; keep below 55 (PaaS routers cut idle sockets at 55 s).",
    ),
    Setting(
        "max_message_bytes",
        "MAX_MESSAGE_BYTES",
        int,
        256 * 1024,
        "Largest WebSocket message accepted from a client, in bytes (a bigger one closes the socket with 1009).",
    ),
    Setting(
        "max_document_bytes",
        "MAX_DOCUMENT_BYTES",
        int,
        512 * 1024,
        "Largest document, in UTF-8 bytes: an edit that would make it bigger is refused with an error.",
    ),
    Setting(
        "message_rate",
        "MESSAGE_RATE",
        float,
        100.0,
        "Messages per second one connection may send, sustained (token bucket; 0 = no limit).",
    ),
    Setting(
        "message_burst",
        "MESSAGE_BURST",
        int,
        300,
        "Messages one connection may send at once above MESSAGE_RATE before it is slowed down, then closed.",
    ),
    Setting(
        "byte_rate",
        "BYTE_RATE",
        int,
        256 * 1024,
        "Bytes per second the sockets of one client address may send together, sustained; bursts of up to "
        "8 x MAX_MESSAGE_BYTES pass at once, then messages are delayed (0 = no limit).",
    ),
    Setting(
        "version_rate",
        "VERSION_RATE",
        float,
        40.0,
        "Versions (accepted edits) per second one connection may add, sustained; a session may add 1.5 times "
        "as many. Bursts of 75 s worth (100 s for a session) pass at once, then pushes are delayed, never "
        "refused (0 = no limit).",
    ),
    Setting(
        "board_rate",
        "BOARD_RATE",
        float,
        20.0,
        "Whiteboard operations (strokes, moves, erases) per second one session may take from all its connections, "
        "sustained, after a burst of 6 s worth; each connection also keeps to 10 a second after 60 (0 = no session limit).",
    ),
    Setting(
        "max_participants",
        "MAX_PARTICIPANTS",
        int,
        10,
        "Participants (connections that said hello) one session may have over all instances; the next gets "
        '"session is full". Hosts have 2 places more (0 = no cap).',
    ),
    Setting(
        "sockets_per_ip",
        "SOCKETS_PER_IP",
        int,
        100,
        "Open WebSockets one client address may hold on this instance (0 = no limit).",
    ),
    Setting(
        "sessions_per_ip",
        "SESSIONS_PER_IP",
        int,
        300,
        "Sessions one client address may create per hour on this instance, all at once at most (0 = no limit).",
    ),
    Setting(
        "trust_proxy",
        "TRUST_PROXY",
        int,
        0,
        "Proxies in front of the server whose X-Forwarded-For/-Proto/-Host are believed (0 = none; 1 on a PaaS).",
    ),
    Setting(
        "allowed_origins",
        "ALLOWED_ORIGINS",
        str,
        "",
        "Other origins whose pages may open WebSockets here, space-separated (the server's own is always allowed).",
    ),
    Setting(
        "frame_ancestors",
        "FRAME_ANCESTORS",
        str,
        "",
        "Origins allowed to show pages in an iframe, space-separated (e.g. https://canvas.example.edu); "
        "the server's own origin always may.",
    ),
    Setting(
        "allowed_hosts",
        "ALLOWED_HOSTS",
        str,
        "",
        "Host names this server answers to, space-separated (e.g. pad.example.org); any other Host header "
        "gets 400, which defeats DNS rebinding. localhost, 127.0.0.1 and [::1] are always allowed. "
        "Empty = any host.",
    ),
    Setting(
        "operator_token",
        "OPERATOR_TOKEN",
        str,
        "",
        "A secret (16 characters or more) that shows the counts of GET /api/health to whoever sends "
        'Authorization: Bearer TOKEN; empty = only {"status": "ok"} is shown. Prefer the environment '
        "variable to the flag (flags show in process lists).",
    ),
    Setting(
        "metrics_token",
        "METRICS_TOKEN",
        str,
        "",
        "A secret (16 characters or more) that GET /metrics asks for as Authorization: Bearer TOKEN; empty = "
        "/metrics is open to anyone who can reach it (keep it on a private network then).",
    ),
    Setting(
        "admin_token",
        "ADMIN_TOKEN",
        str,
        "",
        "A secret (16 characters or more) that opens the /admin dashboard (live sessions, metrics, ending and "
        "deleting sessions); empty = no dashboard (/admin answers 404).",
    ),
    Setting(
        "static_dir",
        "STATIC_DIR",
        str,
        str(ASSETS_DIR / "static"),
        "Folder served at /static/ (holds dist/ and pyodide/ after `npm run build`).",
    ),
    Setting("templates_dir", "TEMPLATES_DIR", str, str(ASSETS_DIR / "templates"), "Folder of Jinja2 page templates."),
    Setting(
        "problems_dir",
        "PROBLEMS_DIR",
        str,
        "",
        "Folder of your own starter problems (*.md, see docs/PROBLEMS.md); they join the built-in ones, and "
        "replace a built-in one with the same file name.",
    ),
    Setting(
        "event_loop",
        "EVENT_LOOP",
        str,
        "auto",
        "`uvloop` (faster), `asyncio`, or `auto`: uvloop where it is installed (it is on Linux and macOS).",
    ),
    Setting("log_level", "LOG_LEVEL", str, "INFO", "Logging level: DEBUG, INFO, WARNING or ERROR."),
    Setting(
        "log_format",
        "LOG_FORMAT",
        str,
        "text",
        "text (one readable line per record) or json (one JSON object per line: time, level, logger, message, "
        "request_id, session_id).",
    ),
    Setting(
        "store",
        "STORE",
        str,
        "auto",
        "Where sessions live: sqlite, postgres, redis or memory (lost on exit). auto = postgres if DATABASE_URL "
        "is set, else redis if REDIS_URL is set, else sqlite.",
    ),
    Setting("data_dir", "DATA_DIR", str, "data", "Folder of the SQLite database (sessions.db)."),
    Setting(
        "redis_url", "REDIS_URL", str, "", "Redis to share sessions between instances, e.g. redis://localhost:6379/0."
    ),
    Setting(
        "database_url",
        "DATABASE_URL",
        str,
        "",
        "PostgreSQL for sessions that survive restarts, shared by every instance (LISTEN/NOTIFY between them), "
        "e.g. postgresql://user:password@db.example.org/pad?sslmode=require; a PaaS add-on sets it.",
    ),
    Setting(
        "session_ttl",
        "SESSION_TTL",
        float,
        7 * 24 * 3600.0,
        "Seconds a session may stay idle (no edit, nobody joining) before it is deleted with its history.",
    ),
    Setting(
        "run_time_limit",
        "RUN_TIME_LIMIT",
        float,
        10.0,
        "Seconds a run may take before the page stops it (the code runs in each participant's browser).",
    ),
    Setting(
        "ice_servers",
        "ICE_SERVERS",
        str,
        "",
        'STUN/TURN servers for calls, as JSON: a list of RTCIceServer objects, e.g. [{"urls": '
        '"stun:stun.example.org:3478"}] (docs/DEPLOYING.md). Empty: none, so calls connect within one network only.',
    ),
    Setting(
        "turn_urls",
        "TURN_URLS",
        str,
        "",
        "TURN server URLs (turn: or turns:, space-separated) handed to each participant with short-lived credentials "
        "made from TURN_SECRET, as coturn's REST API expects.",
    ),
    Setting(
        "turn_secret",
        "TURN_SECRET",
        str,
        "",
        "Shared secret (16+ characters) of the TURN server (coturn's static-auth-secret) for those credentials.",
    ),
    Setting("turn_ttl", "TURN_TTL_SECONDS", int, 4 * 3600, "How long a participant's TURN credentials stay valid."),
    Setting(
        "lti_platforms",
        "LTI_PLATFORMS",
        str,
        "",
        "JSON file of the LMS platforms registered with this LTI 1.3 tool (docs/LTI.md); empty: LTI off.",
    ),
    Setting(
        "lti_keys",
        "LTI_KEYS",
        str,
        "",
        "JSON file of the LTI tool's signing keys and secret (made on first use; share it between instances); "
        "empty: lti-keys.json in DATA_DIR.",
    ),
    Setting(
        "webhook_url",
        "WEBHOOK_URL",
        str,
        "",
        "When a host ends a session, POST its report (JSON) here, signed with WEBHOOK_SECRET (docs/GRADING.md).",
    ),
    Setting(
        "webhook_secret",
        "WEBHOOK_SECRET",
        str,
        "",
        "Shared secret (16+ characters) for the X-Interview-Signature HMAC-SHA256 of each webhook delivery.",
    ),
)


@dataclass(frozen=True)
class Config:
    """Resolved settings of one server instance."""

    host: str = "127.0.0.1"
    port: int = 8080
    heartbeat: float = 25.0
    max_message_bytes: int = 256 * 1024
    max_document_bytes: int = 512 * 1024
    message_rate: float = 100.0
    message_burst: int = 300
    byte_rate: int = 256 * 1024
    version_rate: float = 40.0
    board_rate: float = 20.0
    max_participants: int = 10
    sockets_per_ip: int = 100
    sessions_per_ip: int = 300
    trust_proxy: int = 0
    allowed_origins: str = ""
    frame_ancestors: str = ""
    allowed_hosts: str = ""
    operator_token: str = ""
    metrics_token: str = ""
    admin_token: str = ""
    static_dir: str = str(ASSETS_DIR / "static")
    templates_dir: str = str(ASSETS_DIR / "templates")
    problems_dir: str = ""
    event_loop: str = "auto"
    log_level: str = "INFO"
    log_format: str = "text"
    store: str = "auto"
    data_dir: str = "data"
    redis_url: str = ""
    database_url: str = ""
    session_ttl: float = 7 * 24 * 3600.0
    run_time_limit: float = 10.0
    ice_servers: str = ""
    turn_urls: str = ""
    turn_secret: str = ""
    turn_ttl: int = 4 * 3600
    lti_platforms: str = ""
    lti_keys: str = ""
    webhook_url: str = ""
    webhook_secret: str = ""

    @property
    def store_kind(self) -> str:
        """The back-end `store` resolves to."""
        if self.store != "auto":
            return self.store
        if self.database_url:
            return "postgres"
        return "redis" if self.redis_url else "sqlite"

    @property
    def extra_origins(self) -> tuple[str, ...]:
        """Origins besides the server's own that may open sockets (ALLOWED_ORIGINS + FRAME_ANCESTORS)."""
        return tuple(dict.fromkeys(self.allowed_origins.split() + self.frame_ancestors.split()))

    @property
    def host_names(self) -> frozenset[str]:
        """The host names requests may name (ALLOWED_HOSTS plus the loopback names); empty = any."""
        if not self.allowed_hosts.split():
            return frozenset()
        return frozenset(name.lower().rstrip(".") for name in self.allowed_hosts.split()) | LOOPBACK_HOSTS


# Always allowed when ALLOWED_HOSTS is set: health checks and tools on the machine itself.
LOOPBACK_HOSTS = frozenset({"localhost", "127.0.0.1", "[::1]"})
MIN_OPERATOR_TOKEN_CHARS = 16
STORE_KINDS = ("auto", "sqlite", "postgres", "redis", "memory")
EVENT_LOOPS = ("auto", "uvloop", "asyncio")
LOG_FORMATS = ("text", "json")

assert [s.name for s in SETTINGS] == [f.name for f in fields(Config)], "SETTINGS and Config disagree"


def _is_origin(value: str) -> bool:
    parts = urlsplit(value)
    return parts.scheme in ("http", "https") and bool(parts.netloc) and value == f"{parts.scheme}://{parts.netloc}"


def _is_host_name(value: str) -> bool:
    """A bare host name or address (pad.example.org, 10.0.0.5, [2001:db8::1]): no scheme, port or path."""
    try:
        parts = urlsplit(f"//{value}")
        port = parts.port
    except ValueError:
        return False
    return bool(parts.hostname) and port is None and value.lower() in (parts.hostname, f"[{parts.hostname}]")


def build_parser() -> argparse.ArgumentParser:
    """The command-line parser: one flag per setting, each naming its environment variable."""
    parser = argparse.ArgumentParser(
        prog="interview-server",
        description="Live coding interview pad: collaborative editor server (Python runs in the browser).",
    )
    parser.add_argument(
        "--check",
        action="store_true",
        help="Print the resolved settings and whether the templates, static assets (Pyodide "
        "included) and the store are usable, then exit: 0 if usable, 1 if not.",
    )
    for setting in SETTINGS:
        parser.add_argument(
            "--" + setting.name.replace("_", "-"),
            type=setting.type,
            default=None,
            metavar=setting.env,
            help=f"{setting.help} Env: {setting.env}. Default: {setting.default}.",
        )
    return parser


def load_config(argv: list[str] | None = None, environ: dict[str, str] | None = None) -> Config:
    """Resolve settings: command-line flag, then environment variable, then default."""
    environ = os.environ if environ is None else environ
    args = build_parser().parse_args(argv)
    values = {}
    for setting in SETTINGS:
        value = getattr(args, setting.name)
        if value is None and environ.get(setting.env, "") != "":
            try:
                value = setting.type(environ[setting.env])
            except ValueError:
                raise SystemExit(
                    f"interview-server: {setting.env}={environ[setting.env]!r} is not a valid {setting.type.__name__}"
                ) from None
        values[setting.name] = setting.default if value is None else value
    config = Config(**values)
    if config.event_loop not in EVENT_LOOPS:
        raise SystemExit(
            f"interview-server: EVENT_LOOP must be one of {', '.join(EVENT_LOOPS)}, not {config.event_loop!r}"
        )
    if config.store not in STORE_KINDS:
        raise SystemExit(f"interview-server: STORE must be one of {', '.join(STORE_KINDS)}, not {config.store!r}")
    if not 0 < config.heartbeat < 55:
        raise SystemExit(
            "interview-server: HEARTBEAT_SECONDS must be above 0 and below 55 (PaaS routers cut idle sockets at 55 s)"
        )
    for name in ("max_message_bytes", "max_document_bytes"):
        if getattr(config, name) < 1024:
            raise SystemExit(f"interview-server: {name.upper()} must be at least 1024 bytes")
    for name in (
        "message_rate",
        "message_burst",
        "byte_rate",
        "version_rate",
        "board_rate",
        "max_participants",
        "sockets_per_ip",
        "sessions_per_ip",
        "trust_proxy",
    ):
        if getattr(config, name) < 0:
            raise SystemExit(f"interview-server: {name.upper()} must be 0 or more")
    for origin in config.extra_origins:
        if not _is_origin(origin):
            raise SystemExit(
                f"interview-server: {origin!r} in ALLOWED_ORIGINS/FRAME_ANCESTORS is not an origin "
                "like https://lms.example.edu"
            )
    for name in config.allowed_hosts.split():
        if not _is_host_name(name.rstrip(".")):
            raise SystemExit(
                f"interview-server: {name!r} in ALLOWED_HOSTS is not a host name like pad.example.org "
                "(no scheme, port or path)"
            )
    for name in ("operator_token", "metrics_token", "admin_token"):
        if getattr(config, name) and len(getattr(config, name)) < MIN_OPERATOR_TOKEN_CHARS:
            raise SystemExit(
                f"interview-server: {name.upper()} must be at least {MIN_OPERATOR_TOKEN_CHARS} characters "
                "(e.g. python -c 'import secrets; print(secrets.token_urlsafe(24))')"
            )
    if config.log_format not in LOG_FORMATS:
        raise SystemExit(
            f"interview-server: LOG_FORMAT must be one of {', '.join(LOG_FORMATS)}, not {config.log_format!r}"
        )
    if not config.run_time_limit > 0:
        raise SystemExit("interview-server: RUN_TIME_LIMIT must be a number of seconds above 0")
    if config.store_kind == "redis" and not config.redis_url:
        raise SystemExit("interview-server: STORE=redis needs REDIS_URL")
    if config.store_kind == "postgres" and not config.database_url:
        raise SystemExit("interview-server: STORE=postgres needs DATABASE_URL")
    try:
        parse_ice_servers(config.ice_servers)
        parse_turn_urls(config.turn_urls)
    except IceConfigError as exc:
        raise SystemExit(f"interview-server: {exc}") from None
    if bool(config.turn_urls.strip()) != bool(config.turn_secret):
        raise SystemExit("interview-server: TURN_URLS and TURN_SECRET go together: set both, or neither")
    if config.turn_secret and len(config.turn_secret) < MIN_OPERATOR_TOKEN_CHARS:
        raise SystemExit(f"interview-server: TURN_SECRET must be at least {MIN_OPERATOR_TOKEN_CHARS} characters")
    if not 60 <= config.turn_ttl <= 7 * 24 * 3600:
        raise SystemExit("interview-server: TURN_TTL_SECONDS must be between 60 and 604800 (a week)")
    if config.lti_platforms:
        from .lti.platforms import PlatformConfigError, Platforms

        try:
            Platforms.load(config.lti_platforms)
        except PlatformConfigError as exc:
            raise SystemExit(f"interview-server: {exc}") from None
    if config.webhook_url:
        parts = urlsplit(config.webhook_url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise SystemExit("interview-server: WEBHOOK_URL must be an http(s) URL like https://ats.example.com/hook")
        if len(config.webhook_secret) < MIN_OPERATOR_TOKEN_CHARS:
            raise SystemExit(
                f"interview-server: WEBHOOK_URL needs a WEBHOOK_SECRET of at least {MIN_OPERATOR_TOKEN_CHARS} characters"
            )
    return config

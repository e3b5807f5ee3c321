"""The `interview-server` command: parse settings and run the server."""

from __future__ import annotations

import asyncio
import gc
import logging
import sys
import threading
import time
from pathlib import Path

from . import logs, serving
from .app import create_app
from .check import run_check
from .config import build_parser, load_config


LTI_COMMANDS = {"lti-config": "print_config", "lti-rotate-key": "rotate_key"}  # interview-server COMMAND ...


def main(argv: list[str] | None = None) -> None:
    """Run the server until interrupted (SIGINT/SIGTERM close sockets with 'going away'); or an LTI command."""
    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0] in LTI_COMMANDS:
        from .lti import cli as lti_cli  # loaded only for these commands

        sys.exit(getattr(lti_cli, LTI_COMMANDS[argv[0]])(argv[1:]))
    config = load_config(argv)
    if build_parser().parse_args(argv).check:
        sys.exit(0 if run_check(config, argv) else 1)
    logs.configure(config.log_level, config.log_format)
    if not (Path(config.static_dir) / "dist" / "manifest.json").is_file():
        logging.getLogger(__name__).warning(
            "static assets are not built (%s/dist is missing): run `make build` (npm ci && npm run build)",
            config.static_dir,
        )
    tune_garbage_collector()
    if config.log_format == "json":  # every line of the log is then one JSON object
        logging.getLogger(__name__).warning("interview_server listening on http://%s:%s", config.host, config.port)
    else:
        print(f"interview_server listening on http://{config.host}:{config.port}", file=sys.stderr, flush=True)
    # web.run_app, but with connections that must send each request head within 10 s (serving.py).
    serving.run(create_app(config), config.host, config.port, new_event_loop(config.event_loop), shutdown_timeout=5)


# Python's default (700, 10, 10) runs a full collection every few seconds under load, and with thousands
# of sockets one takes 150-500 ms: every message waits. Young collections 70x rarer and full ones rarer
# still keep p99 delivery at 400 sessions x 4 from ~200 ms to ~20 ms (docs/PERFORMANCE.md). But with these
# thresholds alone a full collection almost never came (after ~10^9 allocations): the cycles closed
# connections leave behind piled up, ~15 MB a minute under bench/soak.py. So a full collection also runs
# every GC_FULL_EVERY_SECONDS, from a thread of its own (one pause of that size per period, not every few s).
GC_THRESHOLDS = (50_000, 20, 1000)
GC_FULL_EVERY_SECONDS = 30


def tune_garbage_collector() -> None:
    """Move what start-up made out of the collector's way, collect less often, and fully on a clock."""
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLDS)
    threading.Thread(target=_collect_fully_on_a_clock, name="gc-full", daemon=True).start()


def _collect_fully_on_a_clock() -> None:
    while True:
        time.sleep(GC_FULL_EVERY_SECONDS)
        gc.collect()


def new_event_loop(choice: str) -> asyncio.AbstractEventLoop:
    """uvloop when asked for or (`auto`) installed, else asyncio's own loop."""
    if choice != "asyncio":
        try:
            import uvloop
        except ImportError:
            if choice == "uvloop":
                raise SystemExit(
                    "interview-server: EVENT_LOOP=uvloop but uvloop is not installed (pip install uvloop)"
                ) from None
        else:
            return uvloop.new_event_loop()
    return asyncio.new_event_loop()


if __name__ == "__main__":
    main()

"""The protocol's declarations for the page: writes static/src/protocol-spec.js (`make protocol`).

The page imports message names, error codes, languages, close codes and the limits it keeps to from that
generated module, so they cannot drift from protocol.py; tests/test_protocol_agreement.py checks the
committed file is what this writes, and that docs/PROTOCOL.md's tables show each declaration.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from . import protocol

SPEC_PATH = Path(__file__).resolve().parent.parent / "static" / "src" / "protocol-spec.js"

# The server's limits the page keeps to (it splits, trims or refuses before sending).
PAGE_LIMITS = (
    "MAX_UPDATES_PER_PUSH",
    "MAX_PARTS_PER_PUSH",
    "MAX_CURSOR_RANGES",
    "MAX_NAME_LENGTH",
    "MAX_CHAT_LENGTH",
    "MAX_NOTES_LENGTH",
    "MAX_RUN_OUTPUT_CHUNK",
)
CLOSE_CODES = ("CLOSE_SESSION_NOT_FOUND", "CLOSE_SESSION_FULL", "CLOSE_TOO_MANY_CONNECTIONS")


def js_module() -> str:
    """The text of static/src/protocol-spec.js."""

    def constant(name: str, value: object, comment: str = "") -> str:
        return f"export const {name} = {json.dumps(value, ensure_ascii=False)};{f' // {comment}' if comment else ''}"

    lines = [
        "// Generated from interview_server/protocol.py by `make protocol` (python -m interview_server.protocol_spec).",
        "// Do not edit: change the declarations there and run it again; tests/test_protocol_agreement.py checks.",
        "",
        "/** Client -> server messages: type -> who may send it (anyone, participants: said hello, hosts). */",
        constant("CLIENT_MESSAGES", {spec.type: spec.sender for spec, _ in protocol.CLIENT_MESSAGES.values()}),
        "export const CLIENT_MESSAGE_TYPES = Object.keys(CLIENT_MESSAGES);",
        "/** Server -> client message types. */",
        constant("SERVER_MESSAGE_TYPES", list(protocol.SERVER_MESSAGES)),
        "/** `error.code` values a page acts on. */",
        constant("ERROR_CODES", list(protocol.ERROR_CODES)),
        constant("LANGUAGES", list(protocol.LANGUAGES), "ids; static/src/languages/ has a module for each"),
        "",
        "/** Close codes the server ends a socket with, beyond WebSocket's own. */",
        *(constant(name, getattr(protocol, name)) for name in CLOSE_CODES),
        "",
        "/** The server's limits the page keeps to. */",
        *(constant(name, getattr(protocol, name)) for name in PAGE_LIMITS),
        "",
    ]
    return "\n".join(lines)


def main() -> None:
    SPEC_PATH.write_text(js_module())
    print(
        f"wrote {SPEC_PATH.relative_to(Path.cwd()) if SPEC_PATH.is_relative_to(Path.cwd()) else SPEC_PATH}",
        file=sys.stderr,
    )


if __name__ == "__main__":
    main()

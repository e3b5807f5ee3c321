"""The Python and JavaScript protocol modules define the same message types, and the docs list them all."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from interview_server import protocol

ROOT = Path(__file__).resolve().parent.parent


def js_protocol() -> dict:
    script = (
        "import * as p from './static/src/protocol.js';"
        "console.log(JSON.stringify({client: p.CLIENT_MESSAGE_TYPES, server: p.SERVER_MESSAGE_TYPES,"
        " limits: Object.fromEntries(Object.entries(p).filter(([name]) => name.startsWith('MAX_')))}));"
    )
    output = subprocess.run(["node", "--input-type=module", "-e", script], cwd=ROOT, check=True,
                            capture_output=True, text=True).stdout
    return json.loads(output)


def test_python_and_javascript_list_the_same_messages():
    js = js_protocol()
    assert js["client"] == list(protocol.CLIENT_MESSAGE_TYPES)
    assert js["server"] == list(protocol.SERVER_MESSAGE_TYPES)


def test_protocol_doc_shows_every_message_with_an_example():
    doc = (ROOT / "docs" / "PROTOCOL.md").read_text()
    for type_ in protocol.CLIENT_MESSAGE_TYPES + protocol.SERVER_MESSAGE_TYPES:
        assert f"| `{type_}` |" in doc, f"{type_} missing from the message tables"
        assert f'{{"type": "{type_}"' in doc, f"{type_} has no JSON example"


def test_python_and_javascript_keep_the_same_limits():
    """Every limit the page keeps to (protocol.js) is the server's (protocol.py), and the chat box's maxlength too."""
    limits = js_protocol()["limits"]
    assert limits, "protocol.js exports no MAX_ limits"
    for name, value in limits.items():
        assert getattr(protocol, name) == value, name
    page = (ROOT / "templates" / "session.html").read_text()
    assert f'aria-label="Chat message" placeholder="Message everyone…" maxlength="{protocol.MAX_CHAT_LENGTH}"' in page

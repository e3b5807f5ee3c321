"""One declaration per message (protocol.py) is what the page, the dispatch table and the docs all use: the
generated static/src/protocol-spec.js is current, every client message has one handler, and docs/PROTOCOL.md's
tables show each message with the declared data and sender."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from interview_server import protocol, protocol_spec
from interview_server.handlers import HANDLERS

ROOT = Path(__file__).resolve().parent.parent


def js_protocol() -> dict:
    script = (
        "import * as p from './static/src/protocol.js';"
        "console.log(JSON.stringify({client: p.CLIENT_MESSAGE_TYPES, server: p.SERVER_MESSAGE_TYPES,"
        " limits: Object.fromEntries(Object.entries(p).filter(([name]) => name.startsWith('MAX_'))),"
        " errors: p.ERROR_CODES, close: [p.CLOSE_SESSION_NOT_FOUND, p.CLOSE_SESSION_FULL, p.CLOSE_TOO_MANY_CONNECTIONS],"
        " senders: p.CLIENT_MESSAGES}));"
    )
    output = subprocess.run(
        ["node", "--input-type=module", "-e", script], cwd=ROOT, check=True, capture_output=True, text=True
    ).stdout
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


def test_the_generated_spec_module_is_current():
    committed = protocol_spec.SPEC_PATH.read_text()
    assert committed == protocol_spec.js_module(), "static/src/protocol-spec.js is stale: run `make protocol`"


def test_the_page_gets_every_declaration():
    js = js_protocol()
    assert js["errors"] == list(protocol.ERROR_CODES)
    assert js["close"] == [
        protocol.CLOSE_SESSION_NOT_FOUND,
        protocol.CLOSE_SESSION_FULL,
        protocol.CLOSE_TOO_MANY_CONNECTIONS,
    ]
    assert js["senders"] == {spec.type: spec.sender for spec, _ in protocol.CLIENT_MESSAGES.values()}
    assert set(js["limits"]) == set(protocol_spec.PAGE_LIMITS)


def test_every_language_has_a_page_module_and_the_server_knows_each():
    script = (
        "import { LANGUAGES } from './static/src/languages/index.js';"
        "console.log(JSON.stringify(LANGUAGES.map((language) => language.id)));"
    )
    output = subprocess.run(
        ["node", "--input-type=module", "-e", script], cwd=ROOT, check=True, capture_output=True, text=True
    ).stdout
    assert json.loads(output) == list(protocol.LANGUAGES)


def test_every_client_message_has_exactly_one_handler():
    assert set(HANDLERS) == {cls for _, cls in protocol.CLIENT_MESSAGES.values()}


def doc_rows(heading: str) -> dict[str, tuple[str, str]]:
    """{type: (data, meaning)} from the table under `heading` in docs/PROTOCOL.md."""
    doc = (ROOT / "docs" / "PROTOCOL.md").read_text()
    table = doc.split(f"## {heading}\n", 1)[1].split("\n## ", 1)[0]
    rows = {}
    for line in table.splitlines():
        if line.startswith("| `"):
            type_, data, meaning = (cell.strip() for cell in line.strip("|").split(" | ", 2))
            rows[type_.strip("`")] = (data.strip("`"), meaning)
    return rows


def test_the_docs_tables_show_each_declaration():
    """Each message's row has the declared data; host messages say so, and nothing else does."""
    client = doc_rows("Client → server")
    assert list(client) == list(protocol.CLIENT_MESSAGE_TYPES)
    for spec, _ in protocol.CLIENT_MESSAGES.values():
        data, meaning = client[spec.type]
        assert data == spec.data, spec.type
        assert meaning.startswith("**Hosts only.**") == (spec.sender == protocol.HOSTS), spec.type
        if spec.sender == protocol.PARTICIPANTS:  # named in the list, or as a family (`run_*`)
            listed = doc_participants_only()
            assert f"`{spec.type}`" in listed or f"`{spec.type.split('_')[0]}_*`" in listed, spec.type
    server = doc_rows("Server → client")
    assert list(server) == list(protocol.SERVER_MESSAGE_TYPES)
    for type_, spec in protocol.SERVER_MESSAGES.items():
        assert server[type_][0] == spec.data, type_


def doc_participants_only() -> str:
    """The sentence of docs/PROTOCOL.md that lists what needs `hello` first."""
    doc = (ROOT / "docs" / "PROTOCOL.md").read_text()
    return doc.split("before `hello` are refused", 1)[0].rsplit(". ", 1)[1]

"""The WebSocket wire protocol: one declaration per message, validation of client messages, server message builders.

Every frame is JSON `{"type": ..., "data": {...}}`. Each client message is a dataclass declared with
`@client_message` (its type, the shape of its data, who may send it, its work budget, its parser); each
server message is a builder declared with `@server_message`. From these come the checks here, the dispatch
table in ws.py, static/src/protocol-spec.js (`make protocol` writes it; protocol_spec.py) and the checks of
docs/PROTOCOL.md's tables (tests/test_protocol_agreement.py).
"""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass
from collections.abc import Sequence
from typing import Any
from collections.abc import Callable

from . import board_elements
from .changes import utf16_length

LANGUAGES = ("python", "javascript", "typescript", "sql", "lua")  # static/src/languages/ has one module per language
RUN_STREAMS = ("stdout", "stderr")
RUN_END_STATUSES = ("ok", "error", "stopped", "timeout")
MAX_NAME_LENGTH = 40
MAX_CURSOR_RANGES = 50
MAX_RUN_OUTPUT_CHUNK = 64 * 1024
MAX_CHAT_LENGTH = 2000  # UTF-16 units, as the page's maxlength counts
MAX_RUN_MS = 24 * 3600 * 1000

MAX_HOST_KEY_LENGTH = 200
MAX_TITLE_LENGTH = 100
MAX_NOTES_LENGTH = 50_000  # UTF-16 units, as the page's textarea counts (at most ~150 KB: within one message)
MAX_PROBLEM_ID_LENGTH = 64
MAX_HIDDEN_CASES = 200  # static/src/grading/hidden-program.js: MAX_CASES
MAX_CASE_NAME_LENGTH = 200
MAX_CASE_MESSAGE_LENGTH = 300
MAX_CARD_ID_LENGTH = 64
MAX_SCORECARD_COMMENT_LENGTH = 5_000
MAX_CRITERIA = 10
MAX_SCORE = 10
MAX_TIMER_MINUTES = 600
MAX_PARTICIPANT_ID_CHARS = 64  # hub.Peer.id is 8 hex characters; room for other servers' ids
MAX_SIGNAL_BYTES = 16 * 1024  # one WebRTC offer/answer (SDP, a few kB) or ICE candidate, as JSON
SIGNALS_PER_SECOND, SIGNAL_BURST = 10, 60  # call_signal per connection: a call's set-up trickles ~20-40
MAX_CALL_PEOPLE = 6  # a mesh: each sends to every other (static/src/ui/call-button.js CALL_MESH_LIMIT)
TIMER_ACTIONS = ("start", "pause", "resume", "reset")
RECOMMENDATIONS = ("", "strong_no", "no", "mixed", "yes", "strong_yes")

# Close codes the server ends a socket with, beyond WebSocket's own (the page acts on each).
CLOSE_SESSION_NOT_FOUND = 4404  # no such session (or a malformed id): do not reconnect
CLOSE_SESSION_FULL = 4409  # every place is taken: try again in a while
CLOSE_TOO_MANY_CONNECTIONS = 4429  # too many sockets from this address: try again later

MAX_UPDATES_PER_PUSH = 1000
MAX_PARTS_PER_PUSH = 10_000  # ChangeSet parts over all updates of a push: checking and applying them is linear
MAX_CLIENT_ID_LENGTH = 128


# Who may send a client message: any connection (plain scripts too), participants (said `hello`), hosts.
ANYONE, PARTICIPANTS, HOSTS = "anyone", "participants", "hosts"


@dataclass(frozen=True)
class MessageSpec:
    """One message of the protocol, as docs/PROTOCOL.md's tables show it."""

    type: str
    data: str  # the shape of `data`, e.g. "{version, ranges: [{anchor, head}]}"; "?" marks optional fields
    summary: str  # one line: what it means
    sender: str = ANYONE  # client messages: who may send it; server messages: who gets it
    budget: str = ""  # client messages: the work one message may cost, and what happens past it
    strict: bool = True  # refuse fields that `data` does not name (push, pull, code_update predate this)

    @property
    def fields(self) -> frozenset[str]:
        """The top-level field names of `data`."""
        return frozenset(_top_level_fields(self.data))


def _top_level_fields(shape: str) -> list[str]:
    inner, depth, fields, current = shape.strip()[1:-1], 0, [], ""
    for ch in inner + ",":
        if ch in "[{":
            depth += 1
        elif ch in "]}":
            depth -= 1
        if ch == "," and depth == 0:
            if current.strip():
                fields.append(current.split(":")[0].strip().rstrip("?"))
            current = ""
        else:
            current += ch
    return fields


CLIENT_MESSAGES: dict[str, tuple[MessageSpec, type]] = {}  # type -> (spec, its dataclass), in declaration order
SERVER_MESSAGES: dict[str, MessageSpec] = {}


def client_message(
    type_: str, data: str, summary: str, sender: str = ANYONE, budget: str = "", strict: bool = True
) -> Callable[[type], type]:
    """Declare a client message: its dataclass gets `SPEC` and must have `parse(data) -> instance`."""

    def declare(cls: type) -> type:
        assert type_ not in CLIENT_MESSAGES and sender in (ANYONE, PARTICIPANTS, HOSTS), type_
        cls.SPEC = MessageSpec(type_, data, summary, sender, budget, strict)
        CLIENT_MESSAGES[type_] = (cls.SPEC, cls)
        return cls

    return declare


def server_message(type_: str, data: str, summary: str, to: str = "everyone") -> Callable[[Callable], Callable]:
    """Declare a server message by its builder (which returns the encoded frame)."""

    def declare(build: Callable) -> Callable:
        assert type_ not in SERVER_MESSAGES, type_
        SERVER_MESSAGES[type_] = MessageSpec(type_, data, summary, to)
        return build

    return declare


class ProtocolError(ValueError):
    """A client message that cannot be accepted; its text is sent back in an `error` message.

    `code` names the limit for the few errors a page acts on (see ERROR_CODES)."""

    def __init__(self, message: str, code: str | None = None):
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class Update:
    """One change: collab clientID and ChangeSet JSON; once accepted, also when and from whom."""

    client_id: str
    changes: list
    timestamp: float = 0.0  # server time of acceptance, seconds since the epoch
    participant: str = ""  # the connection that sent it (names come with presence)

    def to_json(self) -> dict:
        return {"clientID": self.client_id, "changes": self.changes}


@client_message(
    "push",
    "{version, updates: [{clientID, changes}], rebase?, cursor?: {ranges: [{anchor, head}]}}",
    "local updates made on top of version (and, from a participant, its selection after them)",
    strict=False,
    budget="1,000 updates and 10,000 ChangeSet parts (too_many_parts); no no-op update (noop_refused); "
    "versions paced by VERSION_RATE (rate_limited); a rebase walks at most 20,000 sections "
    "(push_rejected past it); the document stays within MAX_DOCUMENT_BYTES (document_too_large)",
)
@dataclass(frozen=True)
class Push:
    version: int
    updates: tuple[Update, ...]
    rebase: bool = False  # made on an older version: rebase on the server rather than reject (rebase.py)
    cursor: tuple[tuple[int, int], ...] | None = None  # the sender's selection in the text after these updates

    @classmethod
    def parse(cls, data: dict) -> Push:
        return _parse_push(data)


@client_message(
    "pull",
    "{version}",
    "send every update after version",
    strict=False,
    budget="at most 1,000 updates or 1 MiB of changes behind; further back, the answer is session_state",
)
@dataclass(frozen=True)
class Pull:
    version: int

    @classmethod
    def parse(cls, data: dict) -> Pull:
        return cls(_version(data, "pull"))


@client_message(
    "code_update",
    "{code, timestamp?}",
    "replace the whole text (turned into a minimal update)",
    strict=False,
    budget="one version (paced by VERSION_RATE); the document within MAX_DOCUMENT_BYTES",
)
@dataclass(frozen=True)
class CodeUpdate:
    code: str

    @classmethod
    def parse(cls, data: dict) -> CodeUpdate:
        return _parse_code_update(data)


@client_message(
    "hello",
    "{name?, host_key?, author_key?}",
    "I am a participant (not a plain script): send me people, cursors, runs and chat; with the host "
    "link's key, I am a host",
    budget="once per connection; 3 wrong host keys per socket, 10 a minute per address (bad_host_key, then closed)",
)
@dataclass(frozen=True)
class Hello:
    name: str | None
    host_key: str | None = None
    author_key: str | None = None  # the page's own secret (per tab): its comments stay its own after a reload

    @classmethod
    def parse(cls, data: dict) -> Hello:
        return _parse_hello(data)


@client_message(
    "set_name",
    "{name}",
    "my display name (1-40 characters)",
    sender=PARTICIPANTS,
    budget="40 characters; a host's name or a role word is refused (name_refused)",
)
@dataclass(frozen=True)
class SetName:
    name: str

    @classmethod
    def parse(cls, data: dict) -> SetName:
        return cls(_name(data, "set_name"))


@client_message(
    "cursor",
    "{version, ranges: [{anchor, head}]}",
    "my selection in the document at version",
    sender=PARTICIPANTS,
    budget="50 ranges; mapping at most 20,000 steps (parts of the updates since "
    "+ 2 x ranges x updates), else cursor_refused; relayed at most every 50 ms",
)
@dataclass(frozen=True)
class Cursor:
    version: int
    ranges: tuple[tuple[int, int], ...]  # (anchor, head) pairs, main range first

    @classmethod
    def parse(cls, data: dict) -> Cursor:
        return _parse_cursor(data)


@client_message("set_language", "{language}", "switch the session's language for everyone")
@dataclass(frozen=True)
class SetLanguage:
    language: str

    @classmethod
    def parse(cls, data: dict) -> SetLanguage:
        return cls(_language(data, "set_language"))


@client_message(
    "run_start",
    "{version, language}",
    "I started running the code at version",
    sender=PARTICIPANTS,
    budget="ends my previous run; one run kept per start",
)
@dataclass(frozen=True)
class RunStart:
    version: int
    language: str

    @classmethod
    def parse(cls, data: dict) -> RunStart:
        return cls(_version(data, "run_start"), _language(data, "run_start"))


@client_message(
    "run_output",
    "{stream, text}",
    'output of my current run ("stdout" or "stderr")',
    sender=PARTICIPANTS,
    budget="64 KiB of text per message; 200,000 characters kept per run",
)
@dataclass(frozen=True)
class RunOutput:
    stream: str
    text: str

    @classmethod
    def parse(cls, data: dict) -> RunOutput:
        return _parse_run_output(data)


@client_message(
    "run_end",
    "{status, duration_ms}",
    'my current run ended ("ok", "error", "stopped", "timeout")',
    sender=PARTICIPANTS,
)
@dataclass(frozen=True)
class RunEnd:
    status: str
    duration_ms: int

    @classmethod
    def parse(cls, data: dict) -> RunEnd:
        return _parse_run_end(data)


@client_message(
    "chat",
    "{text}",
    "a chat message (1-2000 characters, plain text)",
    sender=PARTICIPANTS,
    budget="2,000 characters; the last 100 messages kept for joiners",
)
@dataclass(frozen=True)
class Chat:
    text: str

    @classmethod
    def parse(cls, data: dict) -> Chat:
        return _parse_chat(data)


@client_message(
    "call_signal",
    "{to, signal}",
    "WebRTC signalling for the call (an offer, answer, ICE candidate or hang-up, any JSON object) to one "
    "participant (`to`: their id): relayed to them only, on any instance; never stored",
    sender=PARTICIPANTS,
    budget="16 KiB of signal as JSON; a burst of 60, then 10 a second (rate_limited)",
)
@dataclass(frozen=True)
class CallSignal:
    to: str
    signal: dict

    @classmethod
    def parse(cls, data: dict) -> CallSignal:
        return _parse_call_signal(data)


@client_message(
    "call_state",
    "{in_call, audio, video}",
    "I joined or left the call, or turned my microphone (audio) or camera (video) on or off: shown beside my name "
    "in everyone's participant list, and kept for playback (who was in the call when; never the media)",
    sender=PARTICIPANTS,
    budget="counts toward call_signal's rate (rate_limited); the same state again is ignored; joining a call of "
    "MAX_CALL_PEOPLE is refused (call_full)",
)
@dataclass(frozen=True)
class CallState:
    in_call: bool
    audio: bool
    video: bool

    @classmethod
    def parse(cls, data: dict) -> CallState:
        values = [data.get(name) for name in ("in_call", "audio", "video")]
        if not all(isinstance(value, bool) for value in values):
            raise ProtocolError("call_state: data.in_call, data.audio and data.video must be true or false")
        return CallState(*values)


# ---- the whiteboard (board.py): a second shared document; its elements are board_elements.py's ----

BOARD_OPS_PER_SECOND, BOARD_OP_BURST = 10, 60  # board_draw/move/erase/clear per connection (one per stroke)
MAX_BOARD_MOVES = 100  # elements one board_move may move
MAX_BOARD_ERASES = 500  # ids one board_erase may name
BOARD_OP_BUDGET = f"a burst of {BOARD_OP_BURST}, then {BOARD_OPS_PER_SECOND} board operations a second (rate_limited)"


@client_message(
    "board_draw",
    "{op, element: {id, type, color, width, points, text?, size?}}",
    "draw an element on top of the whiteboard (an id already there: nothing changes, as for a resend); answered "
    "with board_done {op}",
    sender=PARTICIPANTS,
    budget=f"a pen stroke of at most {board_elements.MAX_PEN_POINTS:,} points, text of "
    f"{board_elements.MAX_TEXT_CHARS:,} characters; the board within its size limits (board_full); " + BOARD_OP_BUDGET,
)
@dataclass(frozen=True)
class BoardDraw:
    op: str
    element: dict  # checked (board_elements.checked_element), without by and at

    @classmethod
    def parse(cls, data: dict) -> BoardDraw:
        op = _board_op(data, "board_draw")
        try:
            return cls(op, board_elements.checked_element(data.get("element")))
        except board_elements.ElementError as exc:
            raise ProtocolError(f"board_draw: data.{exc}") from None


@client_message(
    "board_move",
    "{op, elements: [{id, points}]}",
    "move or resize elements: their points replaced (ids not on the board are skipped); answered with board_done",
    sender=PARTICIPANTS,
    budget=f"{MAX_BOARD_MOVES} elements; " + BOARD_OP_BUDGET,
)
@dataclass(frozen=True)
class BoardMove:
    op: str
    moves: tuple[tuple[str, list], ...]  # (id, points as sent: checked against each element's type when applied)

    @classmethod
    def parse(cls, data: dict) -> BoardMove:
        op, elements = _board_op(data, "board_move"), data.get("elements")
        if not isinstance(elements, list) or not 0 < len(elements) <= MAX_BOARD_MOVES:
            raise ProtocolError(f"board_move: data.elements must be a list of 1-{MAX_BOARD_MOVES} {{id, points}}")
        moves = []
        for index, moved in enumerate(elements):
            if not isinstance(moved, dict) or not isinstance(moved.get("points"), list):
                raise ProtocolError(f"board_move: data.elements[{index}] must be an object {{id, points}}")
            try:
                moves.append((board_elements.checked_id(moved.get("id"), f"elements[{index}].id"), moved["points"]))
            except board_elements.ElementError as exc:
                raise ProtocolError(f"board_move: data.{exc}") from None
        return cls(op, tuple(moves))


@client_message(
    "board_erase",
    "{op, ids}",
    "erase elements (ids not on the board are skipped); answered with board_done",
    sender=PARTICIPANTS,
    budget=f"{MAX_BOARD_ERASES} ids; " + BOARD_OP_BUDGET,
)
@dataclass(frozen=True)
class BoardErase:
    op: str
    ids: tuple[str, ...]

    @classmethod
    def parse(cls, data: dict) -> BoardErase:
        op, ids = _board_op(data, "board_erase"), data.get("ids")
        if not isinstance(ids, list) or not 0 < len(ids) <= MAX_BOARD_ERASES:
            raise ProtocolError(f"board_erase: data.ids must be a list of 1-{MAX_BOARD_ERASES} element ids")
        if not all(board_elements.is_id(id_) for id_ in ids):
            raise ProtocolError("board_erase: data.ids must be element ids (A-Z, a-z, 0-9, _ and -)")
        return cls(op, tuple(dict.fromkeys(ids)))


@client_message(
    "board_clear", "{op}", "erase the whole whiteboard; answered with board_done", sender=HOSTS, budget=BOARD_OP_BUDGET
)
@dataclass(frozen=True)
class BoardClear:
    op: str

    @classmethod
    def parse(cls, data: dict) -> BoardClear:
        return cls(_board_op(data, "board_clear"))


@client_message(
    "board_pull",
    "{version}",
    "send the whiteboard's updates after version (board_updates), or the whole board (board_state)",
    sender=PARTICIPANTS,
    budget="at most 1,000 updates or 1 MiB behind; further back (or ahead), the answer is board_state",
)
@dataclass(frozen=True)
class BoardPull:
    version: int

    @classmethod
    def parse(cls, data: dict) -> BoardPull:
        return cls(_version(data, "board_pull"))


@client_message(
    "board_pointer",
    "{x, y}",
    "where my pointer is on the whiteboard (board coordinates), or x and y null when it left the board: shown "
    "to the others like a cursor",
    sender=PARTICIPANTS,
    budget="relayed at most 20 times a second per person (the latest wins)",
)
@dataclass(frozen=True)
class BoardPointer:
    x: float | None
    y: float | None

    @classmethod
    def parse(cls, data: dict) -> BoardPointer:
        x, y = data.get("x"), data.get("y")
        if x is None and y is None:
            return cls(None, None)
        try:
            x, y = board_elements.checked_points("text", [x, y], "data.x and data.y")
        except board_elements.ElementError:
            raise ProtocolError(
                f"board_pointer: data.x and data.y must be numbers within ±{board_elements.MAX_COORDINATE:,} "
                "(or both null)"
            ) from None
        return cls(x, y)


def _board_op(data: dict, type_: str) -> str:
    op = data.get("op")
    if not board_elements.is_id(op):
        raise ProtocolError(
            f"{type_}: data.op must be the operation's id, 1-{board_elements.MAX_ID_CHARS} characters of A-Z, a-z, "
            "0-9, _ and -"
        )
    return op


# ---- comment threads on ranges of the code (comments.py) ----

COMMENTS_PER_SECOND, COMMENT_BURST = 2, 20  # comment_* messages per connection
COMMENT_BUDGET = (
    f"{{}} characters; a burst of {COMMENT_BURST}, then {COMMENTS_PER_SECOND} comment messages a second (rate_limited)"
)
MAX_COMMENT_CHARS = 2000
MAX_THREAD_ID_CHARS = 40


@client_message(
    "comment_add",
    "{version, from, to, text, visibility?}",
    "start a thread on the range [from, to) of the code at version (mapped to the current version as a cursor is), "
    'seen by everyone or, with visibility "hosts" (hosts only), by hosts only',
    sender=PARTICIPANTS,
    budget=COMMENT_BUDGET.format(f"{MAX_COMMENT_CHARS:,}") + "; 200 threads a session (comments_full)",
)
@dataclass(frozen=True)
class CommentAdd:
    version: int
    start: int
    end: int
    text: str
    visibility: str = "everyone"

    @classmethod
    def parse(cls, data: dict) -> CommentAdd:
        version = _version(data, "comment_add")
        start, end = data.get("from"), data.get("to")
        if not all(isinstance(pos, int) and not isinstance(pos, bool) and pos >= 0 for pos in (start, end)):
            raise ProtocolError("comment_add: data.from and data.to must be positions (whole numbers >= 0)")
        if start >= end:
            raise ProtocolError("comment_add: data.from must be before data.to (select the text to comment on)")
        visibility = data.get("visibility", "everyone")
        if visibility not in ("everyone", "hosts"):
            raise ProtocolError('comment_add: data.visibility must be "everyone" or "hosts"')
        return cls(version, start, end, _comment_text(data, "comment_add"), visibility)


@client_message(
    "comment_reply",
    "{thread, text}",
    "add a comment to a thread",
    sender=PARTICIPANTS,
    budget=COMMENT_BUDGET.format(f"{MAX_COMMENT_CHARS:,}") + "; 100 comments a thread (comments_full)",
)
@dataclass(frozen=True)
class CommentReply:
    thread: str
    text: str

    @classmethod
    def parse(cls, data: dict) -> CommentReply:
        return cls(_thread_id(data, "comment_reply"), _comment_text(data, "comment_reply"))


@client_message(
    "comment_edit",
    "{thread, comment, text}",
    "change the text of one of my comments (not_yours for another's)",
    sender=PARTICIPANTS,
    budget=COMMENT_BUDGET.format(f"{MAX_COMMENT_CHARS:,}"),
)
@dataclass(frozen=True)
class CommentEdit:
    thread: str
    comment: str
    text: str

    @classmethod
    def parse(cls, data: dict) -> CommentEdit:
        thread = _thread_id(data, "comment_edit")
        return cls(thread, _thread_id(data, "comment_edit", "comment"), _comment_text(data, "comment_edit"))


@client_message(
    "comment_delete",
    "{thread, comment}",
    "delete one of my comments (a host may delete any); a thread left with none is removed",
    sender=PARTICIPANTS,
    budget=COMMENT_BUDGET.format("no"),
)
@dataclass(frozen=True)
class CommentDelete:
    thread: str
    comment: str

    @classmethod
    def parse(cls, data: dict) -> CommentDelete:
        return cls(_thread_id(data, "comment_delete"), _thread_id(data, "comment_delete", "comment"))


@client_message(
    "comment_resolve",
    "{thread, resolved}",
    "resolve a thread (true) or reopen it (false)",
    sender=PARTICIPANTS,
    budget=COMMENT_BUDGET.format("no"),
)
@dataclass(frozen=True)
class CommentResolve:
    thread: str
    resolved: bool

    @classmethod
    def parse(cls, data: dict) -> CommentResolve:
        if not isinstance(data.get("resolved"), bool):
            raise ProtocolError("comment_resolve: data.resolved must be true or false")
        return cls(_thread_id(data, "comment_resolve"), data["resolved"])


def _thread_id(data: dict, type_: str, field: str = "thread") -> str:
    value = data.get(field)
    if not isinstance(value, str) or not 0 < len(value) <= MAX_THREAD_ID_CHARS:
        raise ProtocolError(f"{type_}: data.{field} must be a {field}'s id (from comment_thread)")
    return value


def _comment_text(data: dict, type_: str) -> str:
    text = data.get("text")
    if not isinstance(text, str) or not text.strip():
        raise ProtocolError(f"{type_}: data.text must be a non-blank string")
    text = text.strip()
    if utf16_length(text) > MAX_COMMENT_CHARS:
        raise ProtocolError(f"{type_}: a comment is at most {MAX_COMMENT_CHARS:,} characters")
    if not _control_free(text, allowed="\n\t"):
        raise ProtocolError(f"{type_}: a comment cannot contain control or text-direction characters")
    return text


# ---- integrity signals (integrity.py): recorded, shown to hosts only, never blocking ----

INTEGRITY_KINDS = ("paste", "away", "burst")
AWAY_REASONS = ("hidden", "blur")
INTEGRITY_PER_SECOND, INTEGRITY_BURST = 1, 30  # integrity_event per connection
MAX_PASTE_CHARS = 10_000_000
MAX_AWAY_MS = 24 * 3600 * 1000
MAX_BURST_MS = 60_000


@client_message(
    "integrity_event",
    "{kind, chars?, external?, ms?, reason?}",
    'what my page saw: "paste" {chars, external: the text did not come from a copy made in this session}, '
    '"away" {ms, reason: "hidden" (the tab) or "blur" (the window)} when I came back, or "burst" {chars, ms}: '
    "typing far above my usual rate; stamped with who, when and the version, kept, and sent to hosts only",
    sender=PARTICIPANTS,
    budget=f"a burst of {INTEGRITY_BURST}, then {INTEGRITY_PER_SECOND} a second (rate_limited); bounded numbers",
)
@dataclass(frozen=True)
class IntegrityEvent:
    kind: str
    details: dict  # the kind's fields, checked

    @classmethod
    def parse(cls, data: dict) -> IntegrityEvent:
        kind = data.get("kind")
        if kind not in INTEGRITY_KINDS:
            raise ProtocolError(f"integrity_event: data.kind must be one of: {', '.join(INTEGRITY_KINDS)}")
        fields = {"paste": ("chars", "external"), "away": ("ms", "reason"), "burst": ("chars", "ms")}[kind]
        extra = set(data) - {"kind", *fields}
        if extra:
            raise ProtocolError(f"integrity_event: a {kind} has no field {sorted(extra)[0]!r}")
        if kind == "paste":
            if not isinstance(data.get("external"), bool):
                raise ProtocolError("integrity_event: data.external must be true or false")
            return cls(kind, {"chars": _count(data, "chars", 1, MAX_PASTE_CHARS), "external": data["external"]})
        if kind == "away":
            if data.get("reason") not in AWAY_REASONS:
                raise ProtocolError(f"integrity_event: data.reason must be one of: {', '.join(AWAY_REASONS)}")
            return cls(kind, {"ms": _count(data, "ms", 1, MAX_AWAY_MS), "reason": data["reason"]})
        return cls(
            kind, {"chars": _count(data, "chars", 1, MAX_PASTE_CHARS), "ms": _count(data, "ms", 100, MAX_BURST_MS)}
        )


def _count(data: dict, field: str, low: int, high: int) -> int:
    value = data.get(field)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not low <= value <= high:
        raise ProtocolError(f"integrity_event: data.{field} must be a number from {low:,} to {high:,}")
    return round(value)


@client_message("lock", "{locked}", "true stops candidates from editing; false lets them again", sender=HOSTS)
@dataclass(frozen=True)
class Lock:
    locked: bool

    @classmethod
    def parse(cls, data: dict) -> Lock:
        return _parse_lock(data)


@client_message(
    "end_session", "{}", "end the interview: the session is read-only from now on (still viewable)", sender=HOSTS
)
@dataclass(frozen=True)
class EndSession:
    @classmethod
    def parse(cls, data: dict) -> EndSession:
        return cls()


@client_message("rename", "{title}", 'the session\'s title (0-100 characters; "" for none)', sender=HOSTS)
@dataclass(frozen=True)
class Rename:
    title: str

    @classmethod
    def parse(cls, data: dict) -> Rename:
        return _parse_rename(data)


@client_message(
    "set_problem",
    "{problem}",
    "show this problem (GET /api/problems) beside the editor and load its starter code",
    sender=HOSTS,
    budget="one version (the starter code replaces the text)",
)
@dataclass(frozen=True)
class SetProblem:
    problem: str

    @classmethod
    def parse(cls, data: dict) -> SetProblem:
        return _parse_set_problem(data)


@client_message(
    "set_notes",
    "{text, version}",
    "the hosts' private notes, written on top of notes version `version`",
    sender=HOSTS,
    budget="50,000 characters (notes_rejected)",
)
@dataclass(frozen=True)
class SetNotes:
    text: str
    version: int

    @classmethod
    def parse(cls, data: dict) -> SetNotes:
        return _parse_set_notes(data)


@client_message(
    "report_hidden_results",
    "{version, language, run_id?, cases: [{name, passed, ms, message}]}",
    "the hidden checks' results on the candidate's code at version, as my browser ran them (run_id: the run "
    "that started them; the first report for a run counts)",
    sender=HOSTS,
    budget="200 cases; names 200, messages 300 characters",
)
@dataclass(frozen=True)
class ReportHiddenResults:
    version: int
    language: str
    run_id: str | None
    cases: tuple[dict, ...]

    @classmethod
    def parse(cls, data: dict) -> ReportHiddenResults:
        return _parse_report_hidden_results(data)


@client_message(
    "set_scorecard",
    "{card, version, scores: {criterion: score}, comment, recommendation}",
    "my scorecard (card: an id my page keeps), written on top of its version `version`",
    sender=HOSTS,
    budget="10 criteria scored 1-10; a comment of 5,000 characters; 20 cards a session",
)
@dataclass(frozen=True)
class SetScorecard:
    card: str
    version: int
    scores: dict
    comment: str
    recommendation: str

    @classmethod
    def parse(cls, data: dict) -> SetScorecard:
        return _parse_set_scorecard(data)


@client_message(
    "set_timer",
    "{action, minutes?}",
    'the interview timer: "start" (minutes: 1-600), "pause", "resume" or "reset", for everyone',
    sender=HOSTS,
)
@dataclass(frozen=True)
class SetTimer:
    action: str
    minutes: float | None = None

    @classmethod
    def parse(cls, data: dict) -> SetTimer:
        return _parse_set_timer(data)


ClientMessage = (
    Push
    | Pull
    | CodeUpdate
    | Hello
    | SetName
    | Cursor
    | SetLanguage
    | RunStart
    | RunOutput
    | RunEnd
    | Chat
    | Lock
    | EndSession
    | Rename
    | SetProblem
    | SetNotes
    | ReportHiddenResults
    | SetScorecard
    | SetTimer
)
CLIENT_MESSAGE_TYPES = tuple(CLIENT_MESSAGES)


def _version(data: dict, type_: str) -> int:
    version = data.get("version")
    if not isinstance(version, int) or isinstance(version, bool) or version < 0:
        raise ProtocolError(f"{type_}: data.version must be a whole number >= 0")
    return version


def _update(raw: Any, index: int) -> Update:
    if not isinstance(raw, dict):
        raise ProtocolError(f"push: update {index} must be an object {{clientID, changes}}")
    client_id = raw.get("clientID")
    if not isinstance(client_id, str) or not client_id or len(client_id) > MAX_CLIENT_ID_LENGTH:
        raise ProtocolError(f"push: update {index} needs a clientID string of 1 to {MAX_CLIENT_ID_LENGTH} characters")
    if not client_id.isprintable():  # no control characters, no lone surrogates (they cannot be stored as UTF-8)
        raise ProtocolError(f"push: update {index}: clientID must be printable text")
    changes = raw.get("changes")
    if not isinstance(changes, list):
        raise ProtocolError(f"push: update {index} needs changes as ChangeSet JSON (an array)")
    return Update(client_id, changes)


def parse_client_message(text: str) -> ClientMessage:
    """Decode and validate one client frame; raise ProtocolError saying what is wrong."""
    try:
        message = json.loads(text)
    except (ValueError, RecursionError):
        raise ProtocolError("message is not valid JSON") from None
    if not isinstance(message, dict):
        raise ProtocolError('message must be a JSON object {"type": ..., "data": {...}}')
    type_ = message.get("type")
    if not isinstance(type_, str):
        raise ProtocolError('message needs a "type" string')
    if type_ not in CLIENT_MESSAGES:
        raise ProtocolError(f"unknown message type {type_[:40]!r}; expected one of: {', '.join(CLIENT_MESSAGE_TYPES)}")
    data = message.get("data")
    if not isinstance(data, dict):
        raise ProtocolError(f'{type_}: "data" must be an object')
    spec, cls = CLIENT_MESSAGES[type_]
    # Anything else (a "name" or "participant" in a chat, say) is refused: who sent a message is the server's to say.
    unexpected = sorted(set(data) - spec.fields) if spec.strict else ()
    if unexpected:
        raise ProtocolError(
            f"{type_}: unexpected field(s) {', '.join(map(repr, unexpected))[:120]}; "
            f"expected only {', '.join(sorted(spec.fields))}"
        )
    return cls.parse(data)


def _parse_push(data: dict) -> Push:
    updates = data.get("updates")
    if not isinstance(updates, list) or not updates:
        raise ProtocolError("push: data.updates must be a non-empty array")
    if len(updates) > MAX_UPDATES_PER_PUSH:
        raise ProtocolError(f"push: at most {MAX_UPDATES_PER_PUSH} updates per push")
    parts = sum(
        len(update["changes"])
        for update in updates
        if isinstance(update, dict) and isinstance(update.get("changes"), list)
    )
    if parts > MAX_PARTS_PER_PUSH:
        raise ProtocolError(
            f"push: at most {MAX_PARTS_PER_PUSH:,} ChangeSet parts per push ({parts:,} sent); "
            "push fewer updates at a time",
            "too_many_parts",
        )
    rebase = data.get("rebase", False)
    if not isinstance(rebase, bool):
        raise ProtocolError("push: data.rebase must be true or false when given")
    cursor = data.get("cursor")
    if cursor is not None:
        if not isinstance(cursor, dict) or set(cursor) != {"ranges"}:
            raise ProtocolError("push: data.cursor must be an object {ranges: [{anchor, head}]} when given")
        cursor = _ranges(cursor.get("ranges"), "push: data.cursor.ranges")
    return Push(_version(data, "push"), tuple(_update(raw, i) for i, raw in enumerate(updates)), rebase, cursor)


def _parse_code_update(data: dict) -> CodeUpdate:
    code = data.get("code")
    if not isinstance(code, str):
        raise ProtocolError("code_update: data.code must be a string")
    timestamp = data.get("timestamp")
    if timestamp is not None and (not isinstance(timestamp, (int, float)) or isinstance(timestamp, bool)):
        raise ProtocolError("code_update: data.timestamp must be a number when given")
    return CodeUpdate(code)


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _control_free(text: str, allowed: str = "") -> bool:
    """No control characters (but those in `allowed`) and no bidirectional overrides, which could
    make a name or message display as something else."""
    return not any((unicodedata.category(ch) == "Cc" and ch not in allowed) or ch in _BIDI_CONTROLS for ch in text)


_BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def _name(data: dict, type_: str) -> str:
    name = data.get("name")
    if not isinstance(name, str) or not name.strip():
        raise ProtocolError(f"{type_}: data.name must be a non-blank string")
    name = " ".join(name.split())
    if len(name) > MAX_NAME_LENGTH:
        raise ProtocolError(f"{type_}: a name is at most {MAX_NAME_LENGTH} characters")
    if not _control_free(name):
        raise ProtocolError(f"{type_}: a name cannot contain control or text-direction characters")
    return name


def _parse_cursor(data: dict) -> Cursor:
    return Cursor(_version(data, "cursor"), _ranges(data.get("ranges"), "cursor: data.ranges"))


def _ranges(ranges: Any, what: str) -> tuple[tuple[int, int], ...]:
    """Selection ranges [{anchor, head}] as (anchor, head) pairs, main range first."""
    if not isinstance(ranges, list) or not 1 <= len(ranges) <= MAX_CURSOR_RANGES:
        raise ProtocolError(f"{what} must be an array of 1 to {MAX_CURSOR_RANGES} {{anchor, head}} objects")
    parsed = []
    for index, raw in enumerate(ranges):
        if not isinstance(raw, dict) or set(raw) != {"anchor", "head"}:
            raise ProtocolError(f"{what.split(':')[0]}: range {index} must be an object {{anchor, head}}")
        anchor, head = raw["anchor"], raw["head"]
        if not (_is_int(anchor) and _is_int(head)) or anchor < 0 or head < 0:
            raise ProtocolError(f"{what.split(':')[0]}: range {index} needs whole-number positions >= 0")
        parsed.append((anchor, head))
    return tuple(parsed)


def _language(data: dict, type_: str) -> str:
    language = data.get("language")
    if language not in LANGUAGES:
        raise ProtocolError(f"{type_}: data.language must be one of: {', '.join(LANGUAGES)}")
    return language


def _parse_run_output(data: dict) -> RunOutput:
    stream, text = data.get("stream"), data.get("text")
    if stream not in RUN_STREAMS:
        raise ProtocolError(f"run_output: data.stream must be one of: {', '.join(RUN_STREAMS)}")
    if not isinstance(text, str):
        raise ProtocolError("run_output: data.text must be a string")
    if len(text) > MAX_RUN_OUTPUT_CHUNK:
        raise ProtocolError(f"run_output: at most {MAX_RUN_OUTPUT_CHUNK} characters per message")
    return RunOutput(stream, text)


def _parse_run_end(data: dict) -> RunEnd:
    status, duration = data.get("status"), data.get("duration_ms")
    if status not in RUN_END_STATUSES:
        raise ProtocolError(f"run_end: data.status must be one of: {', '.join(RUN_END_STATUSES)}")
    if not isinstance(duration, (int, float)) or isinstance(duration, bool) or not 0 <= duration <= MAX_RUN_MS:
        raise ProtocolError("run_end: data.duration_ms must be a number of milliseconds >= 0")
    return RunEnd(status, round(duration))


def _parse_chat(data: dict) -> Chat:
    text = data.get("text")
    if not isinstance(text, str) or not text.strip():
        raise ProtocolError("chat: data.text must be a non-blank string")
    text = text.strip()
    if utf16_length(text) > MAX_CHAT_LENGTH:
        raise ProtocolError(f"chat: a message is at most {MAX_CHAT_LENGTH} characters")
    if not _control_free(text, allowed="\n\t"):
        raise ProtocolError("chat: a message cannot contain control or text-direction characters")
    return Chat(text)


def _parse_call_signal(data: dict) -> CallSignal:
    to, signal = data.get("to"), data.get("signal")
    if not isinstance(to, str) or not 0 < len(to) <= MAX_PARTICIPANT_ID_CHARS:
        raise ProtocolError(f"call_signal: data.to must be a participant id (1-{MAX_PARTICIPANT_ID_CHARS} characters)")
    if not isinstance(signal, dict):
        raise ProtocolError("call_signal: data.signal must be a JSON object")
    if len(json.dumps(signal, separators=(",", ":")).encode("utf-8", "surrogatepass")) > MAX_SIGNAL_BYTES:
        raise ProtocolError(f"call_signal: data.signal is over {MAX_SIGNAL_BYTES // 1024} KiB as JSON")
    return CallSignal(to, signal)


_AUTHOR_KEY = re.compile(r"[A-Za-z0-9_-]{16,64}")


def _parse_hello(data: dict) -> Hello:
    name = None if data.get("name") is None else _name(data, "hello")
    author_key = data.get("author_key")
    if author_key is not None and (not isinstance(author_key, str) or not _AUTHOR_KEY.fullmatch(author_key)):
        raise ProtocolError(
            "hello: data.author_key must be 16-64 characters of A-Z, a-z, 0-9, _ and - when given (the page's own secret)"
        )
    key = data.get("host_key")
    if key is not None and (not isinstance(key, str) or not 0 < len(key) <= MAX_HOST_KEY_LENGTH):
        raise ProtocolError("hello: data.host_key must be the key from the host link (a short string) when given")
    return Hello(name, key, author_key)


def _parse_lock(data: dict) -> Lock:
    if not isinstance(data.get("locked"), bool):
        raise ProtocolError("lock: data.locked must be true or false")
    return Lock(data["locked"])


def _parse_rename(data: dict) -> Rename:
    try:
        return Rename(parse_title(data.get("title")))
    except ProtocolError as exc:
        raise ProtocolError(f"rename: {exc}") from None


def parse_title(title: Any) -> str:
    """A session title, whitespace-collapsed (also checks the title given when creating a session)."""
    if not isinstance(title, str):
        raise ProtocolError("the title must be a string")
    title = " ".join(title.split())
    if utf16_length(title) > MAX_TITLE_LENGTH:
        raise ProtocolError(f"a title is at most {MAX_TITLE_LENGTH} characters")
    if not _control_free(title):
        raise ProtocolError("a title cannot contain control or text-direction characters")
    return title


def _parse_set_problem(data: dict) -> SetProblem:
    problem = data.get("problem")
    if not isinstance(problem, str) or not 0 < len(problem) <= MAX_PROBLEM_ID_LENGTH:
        raise ProtocolError("set_problem: data.problem must be a problem id from GET /api/problems")
    return SetProblem(problem)


def _parse_set_notes(data: dict) -> SetNotes:
    text = data.get("text")
    if not isinstance(text, str):
        raise ProtocolError("set_notes: data.text must be a string")
    if utf16_length(text) > MAX_NOTES_LENGTH:
        raise ProtocolError(f"set_notes: notes are at most {MAX_NOTES_LENGTH:,} characters", "notes_rejected")
    if not _control_free(text, allowed="\n\t"):
        raise ProtocolError("set_notes: notes cannot contain control or text-direction characters", "notes_rejected")
    return SetNotes(text, _version(data, "set_notes"))


def _parse_report_hidden_results(data: dict) -> ReportHiddenResults:
    run_id = data.get("run_id")
    if run_id is not None and (not isinstance(run_id, str) or not 0 < len(run_id) <= 64):
        raise ProtocolError("report_hidden_results: data.run_id must be a run's id")
    cases = data.get("cases")
    if not isinstance(cases, list) or len(cases) > MAX_HIDDEN_CASES:
        raise ProtocolError(f"report_hidden_results: data.cases must be a list of at most {MAX_HIDDEN_CASES} cases")
    parsed = []
    for index, case in enumerate(cases):
        if not isinstance(case, dict):
            raise ProtocolError(f"report_hidden_results: case {index} must be an object")
        name, passed, ms, message = case.get("name"), case.get("passed"), case.get("ms"), case.get("message", "")
        if not isinstance(name, str) or not 0 < len(name) <= MAX_CASE_NAME_LENGTH or not _control_free(name):
            raise ProtocolError(
                f"report_hidden_results: case {index} needs a name of 1-{MAX_CASE_NAME_LENGTH} characters"
            )
        if not isinstance(passed, bool):
            raise ProtocolError(f"report_hidden_results: case {index}: passed must be true or false")
        if isinstance(ms, bool) or not isinstance(ms, int | float) or not 0 <= ms <= MAX_RUN_MS:
            raise ProtocolError(f"report_hidden_results: case {index}: ms must be a duration in milliseconds")
        if not isinstance(message, str) or len(message) > MAX_CASE_MESSAGE_LENGTH:
            raise ProtocolError(
                f"report_hidden_results: case {index}: message must be text of at most {MAX_CASE_MESSAGE_LENGTH} characters"
            )
        parsed.append({"name": name, "passed": passed, "ms": round(float(ms), 2), "message": message})
    return ReportHiddenResults(
        _version(data, "report_hidden_results"), _language(data, "report_hidden_results"), run_id, tuple(parsed)
    )


def _parse_set_scorecard(data: dict) -> SetScorecard:
    card = data.get("card")
    if (
        not isinstance(card, str)
        or not 8 <= len(card) <= MAX_CARD_ID_LENGTH
        or not card.replace("-", "").replace("_", "").isalnum()
        or not card.isascii()
    ):
        raise ProtocolError("set_scorecard: data.card must be 8-64 letters, digits, - or _")
    scores = data.get("scores")
    if not isinstance(scores, dict) or len(scores) > MAX_CRITERIA:
        raise ProtocolError(f"set_scorecard: data.scores must map at most {MAX_CRITERIA} criteria to scores")
    for criterion, score in scores.items():
        if len(criterion) > 60 or isinstance(score, bool) or not isinstance(score, int) or not 1 <= score <= MAX_SCORE:
            raise ProtocolError(f"set_scorecard: each score is a whole number from 1 to {MAX_SCORE} for a criterion")
    comment = data.get("comment", "")
    if not isinstance(comment, str) or utf16_length(comment) > MAX_SCORECARD_COMMENT_LENGTH:
        raise ProtocolError(
            f"set_scorecard: data.comment must be text of at most {MAX_SCORECARD_COMMENT_LENGTH:,} characters"
        )
    if not _control_free(comment, allowed="\n\t"):
        raise ProtocolError("set_scorecard: the comment cannot contain control or text-direction characters")
    recommendation = data.get("recommendation", "")
    if recommendation not in RECOMMENDATIONS:
        raise ProtocolError(
            f"set_scorecard: data.recommendation must be one of {', '.join(map(repr, RECOMMENDATIONS))}"
        )
    return SetScorecard(card, _version(data, "set_scorecard"), dict(scores), comment, recommendation)


def _parse_set_timer(data: dict) -> SetTimer:
    action = data.get("action")
    if action not in TIMER_ACTIONS:
        raise ProtocolError(f"set_timer: data.action must be one of {', '.join(TIMER_ACTIONS)}")
    minutes = data.get("minutes")
    if action == "start":
        if isinstance(minutes, bool) or not isinstance(minutes, int | float) or not 1 <= minutes <= MAX_TIMER_MINUTES:
            raise ProtocolError(f"set_timer: start needs data.minutes from 1 to {MAX_TIMER_MINUTES}")
        return SetTimer(action, float(minutes))
    return SetTimer(action)


def encode(type_: str, data: dict) -> str:
    """One server frame as JSON text: UTF-8 as it is sent, so a character costs its own bytes."""
    assert type_ in SERVER_MESSAGES, type_
    text = json.dumps({"type": type_, "data": data}, separators=(",", ":"), ensure_ascii=False)
    if not text.isascii():
        try:
            text.encode()
        except UnicodeEncodeError:  # a lone surrogate (half an emoji): only ASCII escapes make it valid UTF-8
            return json.dumps({"type": type_, "data": data}, separators=(",", ":"))
    return text


@server_message("session_state", "{code, language, active_users, version}", "on connect, and as a full resync")
def session_state(code: str, language: str, active_users: int, version: int) -> str:
    return encode(
        "session_state", {"code": code, "language": language, "active_users": active_users, "version": version}
    )


@server_message("user_joined", "{user_count}", "someone else connected")
def user_joined(user_count: int) -> str:
    return encode("user_joined", {"user_count": user_count})


@server_message("user_left", "{user_count}", "someone disconnected")
def user_left(user_count: int) -> str:
    return encode("user_left", {"user_count": user_count})


@server_message(
    "updates",
    "{version, updates: [{clientID, changes}], cursor?}",
    "accepted updates on top of version, to everyone; with the sender's cursor when its push carried one",
)
def updates(version: int, accepted: list[Update] | tuple[Update, ...], cursor: dict | None = None) -> str:
    data = {"version": version, "updates": [u.to_json() for u in accepted]}
    if cursor is not None:
        data["cursor"] = cursor
    return encode("updates", data)


@server_message("push_rejected", "{version}", "your push was stale; rebase on the updates you receive", to="the sender")
def push_rejected(version: int) -> str:
    return encode("push_rejected", {"version": version})


# `error.code` values: the page reacts to these; every other error has no code.
ERROR_CODES = (
    "document_too_large",
    "rate_limited",
    "session_full",
    "too_many_connections",
    "host_only",  # a host message from someone who is not a host: nothing was applied
    "bad_host_key",  # hello with a host key that is not this session's: hello was not applied
    "locked",  # a candidate's edit while a host has locked editing: not applied (kept by the page)
    "ended",  # an edit, run or chat after the session ended: not applied
    "notes_rejected",  # set_notes too long or with characters the server does not keep: not saved
    "noop_refused",  # a push with an update that changes nothing: drop it, or resync from the
    # session_state that follows (at most one every NOOP_RESYNC_SECONDS)
    "too_many_parts",  # a push with more ChangeSet parts than one push may have: push fewer updates
    "name_refused",  # a name that is a host's or claims a role: not taken (hello joins as Guest)
    "language_refused",  # set_language to a language the session's problem has no starter in: not switched
    "cursor_refused",  # a cursor that cannot be placed (too old, too much to map): send it at the current version
    "comments_full",  # a comment over a session's or a thread's limit: not added
    "not_yours",  # comment_edit or comment_delete of someone else's comment: not applied
    "integrity_full",  # a session that has recorded its most integrity events: this one was not
    "call_full",  # call_state joining a call that has MAX_CALL_PEOPLE in it already: not joined
    "board_full",  # a board operation that would take the whiteboard past its limits: not applied
    "store_unavailable",  # the server cannot reach its storage: nothing was applied; send it again (the page
    # keeps unconfirmed edits and retries every second, showing "saving paused")
)


@server_message(
    "error", "{message, code?}", "what was wrong with your last message; nothing was applied", to="the sender"
)
def error(message: str, code: str | None = None) -> str:
    if code is None:
        return encode("error", {"message": message})
    assert code in ERROR_CODES, code
    return encode("error", {"message": message, "code": code})


@server_message(
    "welcome",
    "{participant: {id, name, color, role}, language, role, ice_servers}",
    'the answer to hello: who you are on this connection; role "host" or "candidate"; the STUN/TURN servers '
    "for the call (RTCIceServer objects, TURN with credentials of your own)",
    to="the sender",
)
def welcome(participant: dict, language: str, role: str, ice_servers: list[dict]) -> str:
    return encode(
        "welcome", {"participant": participant, "language": language, "role": role, "ice_servers": ice_servers}
    )


@server_message(
    "participants",
    "{participants: [{id, name, color, role, call?}]}",
    "everyone connected, whenever that changes",
    to="participants",
)
def participants(people: list[dict]) -> str:
    return encode("participants", {"participants": people})


@server_message(
    "cursor", "{participant, name, color, version, ranges}", "someone's selection at server version", to="participants"
)
def cursor(participant: dict, version: int, ranges: Sequence[tuple[int, int]]) -> str:
    return encode("cursor", cursor_data(participant, version, ranges))


def cursor_data(participant: dict, version: int, ranges: Sequence[tuple[int, int]]) -> dict:
    """A `cursor` message's data (also carried by `updates`)."""
    return {
        "participant": participant["id"],
        "name": participant["name"],
        "color": participant["color"],
        "version": version,
        "ranges": [{"anchor": anchor, "head": head} for anchor, head in ranges],
    }


@server_message("language", "{language, participant}", "the session's language changed")
def language(language_: str, participant: str) -> str:
    return encode("language", {"language": language_, "participant": participant})


@server_message(
    "history",
    "{runs: [run], chat: [message]}",
    "recent runs (with output) and chat messages, after welcome",
    to="the sender",
)
def history(runs: list[dict], chat_messages: list[dict]) -> str:
    return encode("history", {"runs": runs, "chat": chat_messages})


@server_message(
    "run_started",
    "{run: {id, participant, name, color, language, version, started_at}}",
    "someone started a run",
    to="participants",
)
def run_started(run: dict) -> str:
    return encode("run_started", {"run": run})


@server_message("run_output", "{run_id, stream, text}", "output of a run, in order", to="participants")
def run_output(run_id: str, stream: str, text: str) -> str:
    return encode("run_output", {"run_id": run_id, "stream": stream, "text": text})


@server_message("run_finished", "{run_id, status, duration_ms, truncated}", "how a run ended", to="participants")
def run_finished(run_id: str, status: str, duration_ms: int | None, truncated: bool) -> str:
    return encode(
        "run_finished", {"run_id": run_id, "status": status, "duration_ms": duration_ms, "truncated": truncated}
    )


@server_message(
    "call_signal", "{from, to, signal}", "another participant's WebRTC signal for you", to="the addressed participant"
)
def call_signal(sender: str, to: str, signal: dict) -> str:
    return encode("call_signal", {"from": sender, "to": to, "signal": signal})


@server_message(
    "board_updates",
    "{version, updates: [{changes, participant, at}]}",
    "whiteboard updates after version (ChangeSet JSON on the board's text; who; server ms), in order",
    to="participants",
)
def board_updates(version: int, updates: Sequence[Update]) -> str:
    return encode("board_updates", {"version": version, "updates": [board_update_json(u) for u in updates]})


def board_update_json(update: Update) -> dict:
    return {"changes": update.changes, "participant": update.participant, "at": round(update.timestamp * 1000)}


@server_message(
    "board_state", "{version, text}", "the whole whiteboard at version (one element per line)", to="the sender"
)
def board_state(version: int, text: str) -> str:
    return encode("board_state", {"version": version, "text": text})


@server_message(
    "board_done",
    "{op, version}",
    "your board operation was applied (or changed nothing); version: the board's version after it",
    to="the sender",
)
def board_done(op: str, version: int) -> str:
    return encode("board_done", {"op": op, "version": version})


@server_message(
    "board_pointer", "{participant, x, y}", "someone's pointer on the whiteboard (x null: it left)", to="participants"
)
def board_pointer(participant: str, x: float | None, y: float | None) -> str:
    return encode("board_pointer", {"participant": participant, "x": x, "y": y})


@server_message(
    "comment_threads",
    "{threads: [thread]}",
    "the comment threads I may see, after my history (each thread as in comment_thread)",
    to="the sender",
)
def comment_threads(threads: list[dict]) -> str:
    return encode("comment_threads", {"threads": threads})


@server_message(
    "comment_thread",
    "{thread: {id, visibility, version, from, to, collapsed, quote, created, resolved, resolved_by, resolved_at, "
    "resolve_changed_at, comments, deleted}}",
    "a thread made or changed (its anchor [from, to) at version); hosts-only threads to hosts only",
    to="participants",
)
def comment_thread(thread: dict) -> str:
    return encode("comment_thread", {"thread": thread})


@server_message(
    "comment_removed", "{thread}", "a thread's last comment was deleted: the thread is gone", to="participants"
)
def comment_removed(thread_id: str) -> str:
    return encode("comment_removed", {"thread": thread_id})


@server_message(
    "integrity_events",
    "{events: [event]}",
    "after a host's grading frame, the integrity events so far (none: no frame); each as in integrity",
    to="hosts",
)
def integrity_events(events: list[dict]) -> str:
    return encode("integrity_events", {"events": events})


@server_message(
    "integrity",
    "{event: {id, kind, participant, name, at, version, chars?, external?, ms?, reason?}}",
    "a participant's page reported a paste, time away or a typing burst",
    to="hosts",
)
def integrity(event: dict) -> str:
    return encode("integrity", {"event": event})


@server_message("chat", "{message: {id, participant, name, color, text, sent_at}}", "a chat message", to="participants")
def chat(message: dict) -> str:
    return encode("chat", {"message": message})


@server_message(
    "session_info",
    "{title, locked, ended, problem}",
    "after welcome, and whenever a host changes one of them",
    to="participants",
)
def session_info(info: dict) -> str:
    return encode("session_info", info)


@server_message(
    "notes", "{text, version, participant}", "the private notes, after welcome and on each save", to="hosts"
)
def notes(text: str, version: int, participant: str) -> str:
    return encode("notes", {"text": text, "version": version, "participant": participant})


@server_message(
    "grading",
    "{problem: {problem_id, hidden_checks, hidden_results, rubric}, results: [result], scorecards: [card]}",
    "the problem's hidden checks and rubric, their results so far and the scorecards: after welcome and when "
    "the problem changes",
    to="hosts",
)
def grading(data: dict) -> str:
    return encode("grading", data)


@server_message(
    "hidden_results",
    "{result: {id, version, language, run_id, by, name, at, cases: [{name, passed, ms, message}], passed, total}}",
    "a host's browser ran the hidden checks",
    to="hosts",
)
def hidden_results(result: dict) -> str:
    return encode("hidden_results", {"result": result})


@server_message(
    "hidden_summary",
    "{version, run_id, passed, total, cases?: [{name, passed}]}",
    "what the problem lets candidates see of the latest hidden-check results (hidden_results: count or names)",
    to="participants",
)
def hidden_summary(summary: dict) -> str:
    return encode("hidden_summary", summary)


@server_message(
    "scorecard",
    "{card: {card, version, by, name, scores, comment, recommendation, saved_at}}",
    "a host's scorecard, on each save",
    to="hosts",
)
def scorecard(card: dict) -> str:
    return encode("scorecard", {"card": card})


@server_message(
    "timer",
    "{timer: {duration_ms, elapsed_ms, started_at}, server_now}",
    "the interview timer (started_at: server ms, null while paused), after welcome and on each change",
    to="participants",
)
def timer(state: dict) -> str:
    return encode("timer", state)


SERVER_MESSAGE_TYPES = tuple(SERVER_MESSAGES)
HOST_ONLY_MESSAGE_TYPES = frozenset(type_ for type_, spec in SERVER_MESSAGES.items() if spec.sender == "hosts")

"""The WebSocket wire protocol: message names, validation of client messages, server message builders.

Every frame is JSON `{"type": ..., "data": {...}}`; docs/PROTOCOL.md shows each with an example.
static/src/protocol.js mirrors the names, and tests/test_protocol_agreement.py checks they agree.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

# Client -> server messages.
CLIENT_MESSAGE_TYPES = (
    "push",         # {version, updates: [{clientID, changes}]}: local updates made on top of version
    "pull",         # {version}: send every update after version
    "code_update",  # {code, timestamp?}: replace the whole text (turned into a minimal update)
)

# Server -> client messages.
SERVER_MESSAGE_TYPES = (
    "session_state",  # {code, language, active_users, version}: on connect, and as a full resync
    "user_joined",    # {user_count}: someone else connected
    "user_left",      # {user_count}: someone disconnected
    "updates",        # {version, updates}: accepted updates on top of version, to everyone
    "push_rejected",  # {version}: your push was stale; rebase on the updates you receive
    "error",          # {message}: what was wrong with your last message; nothing was applied
)

MAX_UPDATES_PER_PUSH = 1000
MAX_CLIENT_ID_LENGTH = 128


class ProtocolError(ValueError):
    """A client message that cannot be accepted; its text is sent back in an `error` message."""


@dataclass(frozen=True)
class Update:
    """One change: collab clientID and ChangeSet JSON; once accepted, also when and from whom."""

    client_id: str
    changes: list
    timestamp: float = 0.0  # server time of acceptance, seconds since the epoch
    participant: str = ""  # the connection that sent it (names come with presence)

    def to_json(self) -> dict:
        return {"clientID": self.client_id, "changes": self.changes}


@dataclass(frozen=True)
class Push:
    version: int
    updates: tuple[Update, ...]


@dataclass(frozen=True)
class Pull:
    version: int


@dataclass(frozen=True)
class CodeUpdate:
    code: str


ClientMessage = Push | Pull | CodeUpdate


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
    if type_ not in CLIENT_MESSAGE_TYPES:
        raise ProtocolError(f"unknown message type {type_[:40]!r}; expected one of: {', '.join(CLIENT_MESSAGE_TYPES)}")
    data = message.get("data")
    if not isinstance(data, dict):
        raise ProtocolError(f'{type_}: "data" must be an object')
    if type_ == "push":
        updates = data.get("updates")
        if not isinstance(updates, list) or not updates:
            raise ProtocolError("push: data.updates must be a non-empty array")
        if len(updates) > MAX_UPDATES_PER_PUSH:
            raise ProtocolError(f"push: at most {MAX_UPDATES_PER_PUSH} updates per push")
        return Push(_version(data, type_), tuple(_update(raw, i) for i, raw in enumerate(updates)))
    if type_ == "pull":
        return Pull(_version(data, type_))
    code = data.get("code")
    if not isinstance(code, str):
        raise ProtocolError("code_update: data.code must be a string")
    timestamp = data.get("timestamp")
    if timestamp is not None and (not isinstance(timestamp, (int, float)) or isinstance(timestamp, bool)):
        raise ProtocolError("code_update: data.timestamp must be a number when given")
    return CodeUpdate(code)


def encode(type_: str, data: dict) -> str:
    """One server frame as JSON text."""
    assert type_ in SERVER_MESSAGE_TYPES, type_
    # ASCII-escaped so that a lone surrogate (half an emoji) still encodes as valid UTF-8 JSON.
    return json.dumps({"type": type_, "data": data}, separators=(",", ":"))


def session_state(code: str, language: str, active_users: int, version: int) -> str:
    return encode("session_state", {"code": code, "language": language, "active_users": active_users, "version": version})


def user_joined(user_count: int) -> str:
    return encode("user_joined", {"user_count": user_count})


def user_left(user_count: int) -> str:
    return encode("user_left", {"user_count": user_count})


def updates(version: int, accepted: list[Update] | tuple[Update, ...]) -> str:
    return encode("updates", {"version": version, "updates": [u.to_json() for u in accepted]})


def push_rejected(version: int) -> str:
    return encode("push_rejected", {"version": version})


def error(message: str) -> str:
    return encode("error", {"message": message})

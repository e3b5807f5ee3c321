"""What may be drawn on the whiteboard: an element's fields, checked, and the one line of the board's text it is.

The board is a text document (board.py): one element per line, a compact JSON object, in drawing order (later
lines on top). The server writes every line itself, ASCII only, so a line's length is its length in UTF-16 units
(the unit of the ChangeSets the pages apply). docs/PROTOCOL.md ("The whiteboard") shows the shape.
"""

from __future__ import annotations

import json
import math
import re

ELEMENT_TYPES = ("pen", "line", "arrow", "rect", "ellipse", "text")
MAX_PEN_POINTS = 2000
MAX_COORDINATE = 100_000
MIN_WIDTH, MAX_WIDTH = 0.5, 64
MAX_TEXT_CHARS = 1000
MIN_TEXT_SIZE, MAX_TEXT_SIZE = 8, 200
MAX_ID_CHARS = 40
_ID = re.compile(rf"[A-Za-z0-9_-]{{1,{MAX_ID_CHARS}}}")
_COLOR = re.compile(r"#[0-9a-fA-F]{6}")
_LINE_ID = re.compile(rf'\{{"id":"([A-Za-z0-9_-]{{1,{MAX_ID_CHARS}}})"')
# How many points each type has: pen a stroke of 1..MAX_PEN_POINTS; the shapes two (start and end, or opposite
# corners); text one (its top-left corner).
_POINTS = {
    "pen": (1, MAX_PEN_POINTS),
    "line": (2, 2),
    "arrow": (2, 2),
    "rect": (2, 2),
    "ellipse": (2, 2),
    "text": (1, 1),
}


class ElementError(ValueError):
    """An element or a part of one that cannot be drawn; the text says which field and why."""


def is_id(value: object) -> bool:
    return isinstance(value, str) and _ID.fullmatch(value) is not None


def checked_id(value: object, what: str) -> str:
    if not is_id(value):
        raise ElementError(f"{what} must be 1-{MAX_ID_CHARS} characters of A-Z, a-z, 0-9, _ and -")
    return value


def checked_points(kind: str, value: object, what: str = "points") -> list[float]:
    """The flat [x0, y0, x1, y1, ...] list of an element of type `kind`, each number rounded to 0.1."""
    low, high = _POINTS[kind]
    if not isinstance(value, list) or len(value) % 2 or not low <= len(value) // 2 <= high:
        count = f"{low}" if low == high else f"{low}-{high}"
        raise ElementError(f"{what} must be a flat list [x0, y0, x1, y1, ...] of {count} point(s) for a {kind}")
    points = []
    for number in value:
        if isinstance(number, bool) or not isinstance(number, (int, float)) or not math.isfinite(number):
            raise ElementError(f"{what} must hold numbers only")
        if abs(number) > MAX_COORDINATE:
            raise ElementError(f"{what}: coordinates lie within ±{MAX_COORDINATE:,}")
        points.append(_tenths(number))
    return points


def _tenths(number: float) -> float | int:
    """Rounded to 0.1, written without ".0" when whole (shorter lines)."""
    rounded = round(float(number), 1)
    return int(rounded) if rounded.is_integer() else rounded


def checked_element(data: object) -> dict:
    """A client's element, checked and in the server's key order, without `by` and `at` (the server stamps them)."""
    if not isinstance(data, dict):
        raise ElementError("element must be an object {id, type, color, width, points, text?, size?}")
    kind = data.get("type")
    if kind not in ELEMENT_TYPES:
        raise ElementError(f"element.type must be one of: {', '.join(ELEMENT_TYPES)}")
    color = data.get("color")
    if not isinstance(color, str) or not _COLOR.fullmatch(color):
        raise ElementError("element.color must be a colour written #rrggbb")
    width = data.get("width")
    if isinstance(width, bool) or not isinstance(width, (int, float)) or not MIN_WIDTH <= width <= MAX_WIDTH:
        raise ElementError(f"element.width must be a number from {MIN_WIDTH} to {MAX_WIDTH}")
    element = {
        "id": checked_id(data.get("id"), "element.id"),
        "type": kind,
        "color": color.lower(),
        "width": _tenths(width),
        "points": checked_points(kind, data.get("points"), "element.points"),
    }
    if kind == "text":
        text, size = data.get("text"), data.get("size")
        if not isinstance(text, str) or not 0 < len(text) <= MAX_TEXT_CHARS or not text.strip():
            raise ElementError(f"element.text must be 1-{MAX_TEXT_CHARS} characters (not only spaces)")
        if isinstance(size, bool) or not isinstance(size, (int, float)) or not MIN_TEXT_SIZE <= size <= MAX_TEXT_SIZE:
            raise ElementError(f"element.size must be a font size from {MIN_TEXT_SIZE} to {MAX_TEXT_SIZE}")
        element["text"], element["size"] = text, _tenths(size)
    elif "text" in data or "size" in data:
        raise ElementError("element.text and element.size belong to text elements only")
    return element


def element_line(element: dict, by: str, at_ms: int) -> str:
    """The board's line for a checked element drawn by participant `by` at server time `at_ms` (no newline)."""
    stamped = {"id": element["id"], "type": element["type"], "by": by, "at": at_ms}
    stamped.update((key, value) for key, value in element.items() if key not in ("id", "type"))
    return json.dumps(stamped, separators=(",", ":"), ensure_ascii=True)


def line_id(line: str) -> str | None:
    """The id of a line the server wrote (its first key), without parsing the whole line."""
    found = _LINE_ID.match(line)
    return found.group(1) if found else None


def moved_line(line: str, points: list) -> str:
    """A line with new points (same element otherwise); the points were checked for its type."""
    element = json.loads(line)
    element["points"] = points
    return json.dumps(element, separators=(",", ":"), ensure_ascii=True)


def line_type(line: str) -> str:
    return json.loads(line)["type"]

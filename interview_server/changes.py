"""CodeMirror ChangeSet JSON applied to text in UTF-16 code units, and minimal diffs between texts."""

from __future__ import annotations

import bisect
import itertools
from typing import Any

ENCODING = "utf-16-le"
UNIT = 2  # bytes per UTF-16 code unit


class ChangeSetError(ValueError):
    """A ChangeSet that is malformed or does not fit the document."""


def normalise_newlines(text: str) -> str:
    """Turn "\\r\\n" and lone "\\r" into "\\n", as CodeMirror does."""
    return text.replace("\r\n", "\n").replace("\r", "\n")


def utf16_length(text: str) -> int:
    """Length of text in UTF-16 code units (JavaScript string length)."""
    return len(text.encode(ENCODING, "surrogatepass")) // UNIT


class Text:
    """An immutable document held as UTF-16-LE bytes, so ChangeSet positions index it directly.

    The bytes are kept in chunks (CHUNK_MIN to CHUNK_MAX bytes, but where the text is smaller): applying an
    edit copies the chunks it touches and shares the others with the text before, so a small edit to a big
    document costs little however big the document is."""

    __slots__ = ("_chunks", "_ends")

    def __init__(self, chunks: tuple[bytes, ...] = ()):
        self._chunks = chunks
        self._ends = list(itertools.accumulate(map(len, chunks)))  # the byte offset where each chunk ends

    @classmethod
    def from_str(cls, text: str) -> Text:
        units = normalise_newlines(text).encode(ENCODING, "surrogatepass")
        return cls(tuple(units[at : at + CHUNK_MAX] for at in range(0, len(units), CHUNK_MAX)))

    def __str__(self) -> str:
        return b"".join(self._chunks).decode(ENCODING, "surrogatepass")

    def __len__(self) -> int:
        return self._ends[-1] // UNIT if self._ends else 0

    def slice(self, start: int, end: int) -> str:
        """The text between two positions (UTF-16 units; half a surrogate pair at an end stays as it is)."""
        out = _Chunks()
        self._copy(out, start * UNIT, end * UNIT)
        return b"".join(out.chunks).decode(ENCODING, "surrogatepass")

    def utf8_size(self) -> int:
        """Bytes of the text in UTF-8 (a lone surrogate counts 3, as it would be escaped)."""
        return len(str(self).encode("utf-8", "surrogatepass"))

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Text) and b"".join(other._chunks) == b"".join(self._chunks)

    def apply(self, changes: list) -> Text:
        """Apply canonical ChangeSet JSON (see `canonical_changes`) and return the new text."""
        out = _Chunks()
        at = 0  # byte offset in this text
        for part in changes:
            if isinstance(part, int):
                self._copy(out, at, at + part * UNIT)
                at += part * UNIT
            else:
                at += part[0] * UNIT
                if len(part) > 1:
                    out.add("\n".join(part[1:]).encode(ENCODING, "surrogatepass"))
        self._copy(out, at, self._ends[-1] if self._ends else 0)
        return Text(tuple(out.chunks))

    def _copy(self, out: _Chunks, start: int, end: int) -> None:
        """Add bytes [start, end) of this text to `out`: whole chunks shared, the ends sliced."""
        if start >= end:
            return
        first = bisect.bisect_right(self._ends, start)
        last = bisect.bisect_left(self._ends, end)
        chunk_start = self._ends[first - 1] if first else 0
        if first == last:
            out.add(self._chunks[first][start - chunk_start : end - chunk_start])
            return
        out.add(self._chunks[first][start - chunk_start :])
        out.extend(self._chunks[first + 1 : last])
        out.add(self._chunks[last][: end - self._ends[last - 1]])


CHUNK_MIN, CHUNK_MAX = 2048, 8192  # bytes of a Text's chunks


class _Chunks:
    """Builds a Text's chunks: small pieces are joined with their neighbour, big ones split."""

    __slots__ = ("chunks",)

    def __init__(self) -> None:
        self.chunks: list[bytes] = []

    def add(self, piece: bytes) -> None:
        if not piece:
            return
        chunks = self.chunks
        if chunks and (len(chunks[-1]) < CHUNK_MIN or len(piece) < CHUNK_MIN):
            piece = chunks.pop() + piece
        while len(piece) > CHUNK_MAX:
            chunks.append(piece[:CHUNK_MAX])
            piece = piece[CHUNK_MAX:]
        chunks.append(piece)

    def extend(self, whole: tuple[bytes, ...]) -> None:
        """Add whole chunks of a Text (each already between the bounds)."""
        if whole:
            self.add(whole[0])
            self.chunks.extend(whole[1:])


def _is_count(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def canonical_changes(changes: Any, doc_length: int) -> list:
    """Validate ChangeSet JSON against a document length; return it with newlines normalised and its parts
    joined as CodeMirror's own ChangeSets join them (neighbouring kept runs, neighbouring deletions, and
    neighbouring pure insertions become one part; empty parts go), so a ChangeSet costs no more parts than
    the edit has. Joining these never changes what the set does to text or to mapped positions.

    A number keeps that many units, `[n]` deletes n units, `[n, "l1", "l2", ...]` replaces n units
    with the lines joined by "\\n". Raises ChangeSetError saying what is wrong.
    """
    if not isinstance(changes, list):
        raise ChangeSetError("changes must be a ChangeSet JSON array")
    # Built as (deleted, inserted pieces) sections, kept runs as (n, None); joined into lines at the end, so
    # joining many neighbouring insertions stays linear.
    sections: list[tuple[int, list[str] | None]] = []
    covered = 0
    for index, part in enumerate(changes):
        if _is_count(part):
            covered += part
            if not part:
                continue
            if sections and sections[-1][1] is None:
                sections[-1] = (sections[-1][0] + part, None)
            else:
                sections.append((part, None))
            continue
        if not isinstance(part, list) or not part or not _is_count(part[0]):
            raise ChangeSetError(f"part {index} of changes is neither a count nor [count, ...lines]")
        lines = part[1:]
        if not all(isinstance(line, str) for line in lines):
            raise ChangeSetError(f"part {index} of changes has an inserted line that is not a string")
        deleted = part[0]
        covered += deleted
        text = normalise_newlines("\n".join(lines))
        if not deleted and not text:
            continue  # changes nothing
        last = sections[-1] if sections else (0, None)
        if last[1] == [] and not text:
            sections[-1] = (last[0] + deleted, [])  # a deletion next to a deletion
        elif last[1] and not deleted and not last[0]:
            last[1].append(text)  # an insertion next to an insertion
        else:
            sections.append((deleted, [text] if text else []))
    if covered != doc_length:
        raise ChangeSetError(f"changes cover {covered} units, but the document is {doc_length} units long")
    return [
        length if pieces is None else [length, *"".join(pieces).split("\n")] if pieces else [length]
        for length, pieces in sections
    ]


def changes_nothing(changes: list) -> bool:
    """True for a canonical ChangeSet that deletes and inserts nothing."""
    return all(isinstance(part, int) for part in changes)


def diff_changes(old: str, new: str) -> list | None:
    """The smallest single-replacement ChangeSet JSON turning old into new, or None if equal."""
    if old == new:
        return None
    limit = min(len(old), len(new))
    prefix = _common_run(old, new, limit, 1)
    suffix = _common_run(old, new, limit - prefix, -1)
    removed = old[prefix : len(old) - suffix]
    inserted = new[prefix : len(new) - suffix]
    changes: list = []
    if prefix:
        changes.append(utf16_length(old[:prefix]))
    replacement = [utf16_length(removed)]
    if inserted:
        replacement.extend(inserted.split("\n"))
    changes.append(replacement)
    if suffix:
        changes.append(utf16_length(old[len(old) - suffix :]))
    return changes


def _common_run(old: str, new: str, limit: int, direction: int, block: int = 4096) -> int:
    """How many characters old and new share at their start (direction 1) or end (-1), at most `limit`:
    compared a block at a time (in C), then a character at a time inside the first block that differs."""

    def piece(text: str, start: int, end: int) -> str:
        return text[start:end] if direction > 0 else text[len(text) - end : len(text) - start]

    run = 0
    while run < limit:
        size = min(block, limit - run)
        if piece(old, run, run + size) != piece(new, run, run + size):
            break
        run += size
    else:
        return run
    while run < limit and piece(old, run, run + 1) == piece(new, run, run + 1):
        run += 1
    return run


def changes_length(changes: list) -> int:
    """The length (UTF-16 units) of the document a canonical ChangeSet applies to."""
    return sum(part if isinstance(part, int) else part[0] for part in changes)


def changes_new_length(changes: list) -> int:
    """The length (UTF-16 units) of the document after a canonical ChangeSet."""
    return sum(part if isinstance(part, int) else utf16_length("\n".join(part[1:])) for part in changes)


def map_position(changes: list, pos: int, assoc: int = -1) -> int:
    """Where `pos` ends up after a canonical ChangeSet, exactly as CodeMirror's `mapPos(pos, assoc)`:
    at an insertion point it stays before the new text (assoc < 0) or moves after it (assoc > 0);
    inside replaced text it moves to the start (assoc < 0) or the end (assoc > 0) of the new text."""
    old = new = 0
    for part in changes:
        length = part if isinstance(part, int) else part[0]
        end = old + length
        if isinstance(part, int):
            if end > pos:
                return new + (pos - old)
            new += length
        else:
            inserted = utf16_length("\n".join(part[1:])) if len(part) > 1 else 0
            if end > pos or (end == pos and assoc < 0 and not length):
                return new if pos == old or assoc < 0 else new + inserted
            new += inserted
        old = end
    return new

"""Rebasing pushed updates on the server, as each client's @codemirror/collab does with what it receives.

A client whose push was made on an older version normally gets `push_rejected` and rebases itself.
With `rebase: true` in its push, the server moves its updates over the ones accepted since that
version instead (and drops any it already accepted, recognised by clientID), so typing in a busy
session costs no extra round trip and no thundering herd of re-pushes.

ChangeSets are handled in their canonical JSON form (see changes.py) and converted to CodeMirror's
internal "sections" form: a flat list [length, inserted, length, inserted, ...] where inserted is -1
for kept text, and the inserted texts as UTF-16-LE bytes indexed by section. `map_changes` is a
line-for-line port of `mapSet` in @codemirror/state, checked against it (tests/test_rebase_oracle.py).
"""

from __future__ import annotations

from array import array
from collections.abc import Sequence
from dataclasses import replace

from .changes import ENCODING, UNIT, ChangeSetError
from .protocol import Update

_EMPTY = b""


def _to_sections(changes: list) -> tuple[list[int], list[bytes]]:
    sections: list[int] = []
    inserted: list[bytes] = []
    for index, part in enumerate(changes):
        if isinstance(part, int):
            sections += (part, -1)
        elif len(part) == 1:
            sections += (part[0], 0)
        else:
            text = "\n".join(part[1:]).encode(ENCODING, "surrogatepass")
            while len(inserted) < index:
                inserted.append(_EMPTY)
            inserted.append(text)
            sections += (part[0], len(text) // UNIT)
    return sections, inserted


def pack(changes: list) -> tuple[bytes, tuple[bytes, ...]]:
    """A canonical ChangeSet held compactly: its sections as machine integers in bytes (read them with
    `sections`) and its inserted texts by section. Plain bytes and a tuple of bytes, which the garbage
    collector does not track: sessions keep up to a thousand of these each."""
    sections, inserted = _to_sections(changes)
    return array("q", sections).tobytes(), tuple(inserted)


def sections(packed: bytes) -> memoryview:
    """The sections of a packed ChangeSet, indexable as integers."""
    return memoryview(packed).cast("q")


def map_positions(sections: Sequence[int], positions: Sequence[int]) -> list[int]:
    """Where each position ends up, as `changes.map_position(changes, pos)` (assoc -1), in one sweep over the
    sections: linear in parts + positions."""
    order = sorted(range(len(positions)), key=positions.__getitem__)
    mapped = [0] * len(positions)
    count, k = len(order), 0
    old = new = 0
    for i in range(0, len(sections), 2):
        if k == count:
            break
        length, ins = sections[i], sections[i + 1]
        end = old + length
        if ins < 0:
            while k < count and positions[order[k]] < end:
                mapped[order[k]] = new + positions[order[k]] - old
                k += 1
            new += length
        else:
            while k < count and (positions[order[k]] < end or (not length and positions[order[k]] == end)):
                mapped[order[k]] = new
                k += 1
            new += ins
        old = end
    for index in order[k:]:
        mapped[index] = new
    return mapped


def _to_json(sections: list[int], inserted: list[bytes]) -> list:
    parts: list = []
    for i in range(0, len(sections), 2):
        length, ins = sections[i], sections[i + 1]
        if ins < 0:
            parts.append(length)
        elif ins == 0:
            parts.append([length])
        else:
            parts.append([length, *inserted[i >> 1].decode(ENCODING, "surrogatepass").split("\n")])
    return parts


def _add_section(sections: list[int], length: int, ins: int) -> None:
    if length == 0 and ins <= 0:
        return
    last = len(sections) - 2
    if last >= 0 and ins <= 0 and ins == sections[last + 1]:
        sections[last] += length
    elif last >= 0 and length == 0 and sections[last] == 0:
        sections[last + 1] += ins
    else:
        sections += (length, ins)


def _add_insert(values: list[list[bytes]], sections: list[int], value: bytes) -> None:
    """Add inserted text for the last section: pieces, joined once at the end (joining as we go would be
    quadratic in the pieces a section gathers)."""
    if not value:
        return
    index = (len(sections) - 2) >> 1
    if index < len(values):
        values[-1].append(value)
    else:
        while len(values) < index:
            values.append([])
        values.append([value])


class _Sections:
    """CodeMirror's SectionIter: walks a set's sections, possibly part of one at a time."""

    __slots__ = ("sections", "inserted", "i", "len", "ins", "off")

    def __init__(self, sections: list[int], inserted: list[bytes]):
        self.sections, self.inserted, self.i = sections, inserted, 0
        self.next()

    def next(self) -> None:
        if self.i < len(self.sections):
            self.len, self.ins = self.sections[self.i], self.sections[self.i + 1]
            self.i += 2
        else:
            self.len, self.ins = 0, -2
        self.off = 0

    @property
    def done(self) -> bool:
        return self.ins == -2

    @property
    def text(self) -> bytes:
        index = (self.i - 2) >> 1
        return _EMPTY if index >= len(self.inserted) else self.inserted[index]

    def forward(self, length: int) -> None:
        if length == self.len:
            self.next()
        else:
            self.len -= length
            self.off += length


def map_changes(changes: list, over: list, before: bool = False) -> list:
    """`changes` (made on the same document as `over`) moved to apply after `over`: CodeMirror's
    `changes.map(over, before)`. Where both insert at one place, `before` puts `changes`' text first."""
    return _to_json(*_map_sets(_to_sections(changes), _to_sections(over), before))


_Set = tuple[list[int], list[bytes]]  # (sections, inserted texts)


def _map_sets(changes: _Set, over: _Set, before: bool) -> _Set:
    sections: list[int] = []
    insert: list[list[bytes]] = []
    a, b = _Sections(*changes), _Sections(*over)
    inserted = -1
    while True:
        if (a.done and b.len) or (b.done and a.len):
            raise ChangeSetError("the changes and the changes they are mapped over have different lengths")
        elif a.ins == -1 and b.ins == -1:
            length = min(a.len, b.len)
            _add_section(sections, length, -1)
            a.forward(length)
            b.forward(length)
        elif b.ins >= 0 and (
            a.ins < 0 or inserted == a.i or (a.off == 0 and (b.len < a.len or (b.len == a.len and not before)))
        ):
            length = b.len
            _add_section(sections, b.ins, -1)
            while length:
                piece = min(a.len, length)
                if a.ins >= 0 and inserted < a.i and a.len <= piece:
                    _add_section(sections, 0, a.ins)
                    _add_insert(insert, sections, a.text)
                    inserted = a.i
                a.forward(piece)
                length -= piece
            b.next()
        elif a.ins >= 0:
            length, left = 0, a.len
            while left:
                if b.ins == -1:
                    piece = min(left, b.len)
                    length += piece
                    left -= piece
                    b.forward(piece)
                elif b.ins == 0 and b.len < left:
                    left -= b.len
                    b.next()
                else:
                    break
            _add_section(sections, length, a.ins if inserted < a.i else 0)
            if inserted < a.i:
                _add_insert(insert, sections, a.text)
            inserted = a.i
            a.forward(a.len - left)
        elif a.done and b.done:
            return sections, [b"".join(pieces) for pieces in insert]
        else:
            raise ChangeSetError("the changes and the changes they are mapped over have different lengths")


def rebase_cost(pushed_parts: Sequence[int], over_parts: Sequence[int]) -> int:
    """Sections `rebase_updates` walks, at most, to move updates of these part counts over accepted ones of
    these: each accepted update is mapped over every pushed one and back, and grows by what it absorbs."""
    pushed, over = sum(pushed_parts), sum(over_parts)
    return 2 * (len(over_parts) * pushed * (1 + len(pushed_parts)) + len(pushed_parts) * over)


def rebase_updates(updates: Sequence[Update], over: Sequence[Update | tuple[str, bytes, tuple]]) -> list[Update]:
    """Pushed `updates` (made on the version before `over`) moved over the updates accepted since, one
    accepted update at a time, exactly as a client applies them with @codemirror/collab's receiveUpdates
    one update at a time (static/src/collab.js): an accepted update from the pusher (same clientID as
    the next pushed one) is that one, already accepted, and is dropped; any other moves the rest.

    Not @codemirror/collab's `rebaseUpdates`, which maps over the composition of `over`: mapping over
    a composition can place text differently from mapping over its parts in turn (a deletion over an
    insertion inside a replaced range; tests/test_rebase_oracle.py), and a client that received those
    updates in separate messages would then disagree with the server."""
    pending = [(update, _to_sections(update.changes)) for update in updates]
    for accepted in over:
        if not pending:
            break
        if isinstance(accepted, Update):
            client_id, changes = accepted.client_id, _to_sections(accepted.changes)
        else:  # (clientID, packed sections, inserted texts), as recent.py keeps them
            client_id, changes = accepted[0], (sections(accepted[1]), accepted[2])
        if pending[0][0].client_id == client_id:
            pending = pending[1:]
            continue
        moved = []
        for update, update_set in pending:
            moved.append((update, _map_sets(update_set, changes, False)))
            changes = _map_sets(changes, update_set, True)
        pending = moved
    return [replace(update, changes=_to_json(*update_set)) for update, update_set in pending]

"""The recent accepted updates a live session keeps in memory, to map cursors and rebase pushes with.

Bounded in updates and in the bytes actually held; the oldest go first. Each entry is a tuple of plain
values (changes packed by rebase.pack), which the garbage collector stops tracking: thousands of
sessions keep up to MAX_UPDATES each, and full collections would otherwise walk them all (long pauses).
Each entry also remembers the document's length before it and the parts of every entry before it, so
the checks that come before any work (is this version still here, how many parts would mapping walk)
cost nothing.
"""

from __future__ import annotations

import collections
import itertools
from collections.abc import Sequence

from .protocol import Update
from .rebase import pack, sections

MAX_UPDATES = 1000  # a cursor or a rebased push may refer to a version this many updates old at most,
MAX_BYTES = 1024 * 1024  # while those updates hold at most this much memory (older ones are forgotten)

# (clientID, packed sections, inserted texts, bytes held, document length before it, parts of the entries before)
_Entry = tuple[str, bytes, tuple, int, int, int]


class RecentChanges:
    """The last accepted updates of one session, oldest first."""

    def __init__(self) -> None:
        self._entries: collections.deque[_Entry] = collections.deque()
        self._parts_added = 0
        self.nbytes = 0

    def __len__(self) -> int:
        return len(self._entries)

    def add(self, updates: Sequence[Update], length_before: int) -> None:
        """Remember updates accepted in turn on a document `length_before` units long."""
        length = length_before
        for update in updates:
            packed, inserted = pack(update.changes)
            held = 33 + len(packed) + 40 + 8 * len(inserted) + sum(33 + len(text) for text in inserted if text)
            self._entries.append((update.client_id, packed, inserted, held, length, self._parts_added))
            self._parts_added += len(packed) // 16
            self.nbytes += held
            length = _new_length(sections(packed))
        while self._entries and (len(self._entries) > MAX_UPDATES or self.nbytes > MAX_BYTES):
            self.nbytes -= self._entries.popleft()[3]

    def clear(self) -> None:
        self._entries.clear()
        self.nbytes = 0

    def holds(self, behind: int) -> bool:
        """True if the last `behind` updates are all still here."""
        return 0 <= behind <= len(self._entries)

    def length_before(self, behind: int) -> int:
        """The document's length before the last `behind` updates (0 < behind <= len)."""
        return self._entries[-behind][4]

    def parts(self, behind: int) -> int:
        """Parts of the last `behind` updates together."""
        return self._parts_added - self._entries[-behind][5] if behind else 0

    def parts_each(self, behind: int) -> list[int]:
        return [len(entry[1]) // 16 for entry in self._last(behind)]

    def last(self, behind: int) -> list[tuple[str, bytes, tuple]]:
        """The last `behind` updates, oldest first: (clientID, packed sections, inserted texts)."""
        return [entry[:3] for entry in self._last(behind)]

    def _last(self, behind: int):
        return itertools.islice(self._entries, len(self._entries) - behind, None) if behind else ()


def _new_length(sections: Sequence[int]) -> int:
    return sum(sections[i + 1] if sections[i + 1] >= 0 else sections[i] for i in range(0, len(sections), 2))

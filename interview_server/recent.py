"""The recent accepted updates a live session keeps in memory, to map cursors and rebase pushes with.

Bounded in updates and in the bytes actually held (PackedChanges.nbytes); the oldest go first. Each
entry also remembers the document's length before it and the parts of every entry before it, so the
checks that come before any work (is this version still here, how many parts would mapping walk)
cost nothing.
"""

from __future__ import annotations

import collections
import itertools
from collections.abc import Sequence

from .protocol import Update
from .rebase import PackedChanges

MAX_UPDATES = 1000  # a cursor or a rebased push may refer to a version this many updates old at most,
MAX_BYTES = 1024 * 1024  # while those updates hold at most this much memory (older ones are forgotten)


class RecentChanges:
    """The last accepted updates of one session, oldest first."""

    def __init__(self) -> None:
        # (clientID, packed changes, document length before it, parts of all entries added before it)
        self._entries: collections.deque[tuple[str, PackedChanges, int, int]] = collections.deque()
        self._parts_added = 0
        self.nbytes = 0

    def __len__(self) -> int:
        return len(self._entries)

    def add(self, updates: Sequence[Update], length_before: int) -> None:
        """Remember updates accepted in turn on a document `length_before` units long."""
        length = length_before
        for update in updates:
            packed = PackedChanges(update.changes)
            self._entries.append((update.client_id, packed, length, self._parts_added))
            self._parts_added += packed.parts
            self.nbytes += packed.nbytes
            length = _new_length(packed)
        while self._entries and (len(self._entries) > MAX_UPDATES or self.nbytes > MAX_BYTES):
            self.nbytes -= self._entries.popleft()[1].nbytes

    def clear(self) -> None:
        self._entries.clear()
        self.nbytes = 0

    def holds(self, behind: int) -> bool:
        """True if the last `behind` updates are all still here."""
        return 0 <= behind <= len(self._entries)

    def length_before(self, behind: int) -> int:
        """The document's length before the last `behind` updates (0 < behind <= len)."""
        return self._entries[-behind][2]

    def parts(self, behind: int) -> int:
        """Parts of the last `behind` updates together."""
        return self._parts_added - self._entries[-behind][3] if behind else 0

    def parts_each(self, behind: int) -> list[int]:
        return [entry[1].parts for entry in self._last(behind)]

    def last(self, behind: int) -> list[tuple[str, PackedChanges]]:
        """The last `behind` updates, oldest first: (clientID, changes)."""
        return [(client_id, packed) for client_id, packed, _, _ in self._last(behind)]

    def _last(self, behind: int):
        return itertools.islice(self._entries, len(self._entries) - behind, None) if behind else ()


def _new_length(packed: PackedChanges) -> int:
    sections = packed.sections
    return sum(sections[i + 1] if sections[i + 1] >= 0 else sections[i] for i in range(0, len(sections), 2))

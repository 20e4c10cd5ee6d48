"""The cold-start floor of one request: the live cold-start rooms not blocked for it, which an exploring row
draws from uniformly.

Most requests only need how many there are and whether the room they got is one of them; the list itself
(a scan of every live room, ~64,000 at KuaiLive's scale) is found only for a request whose row explores, or
for its whole distribution. ``blocked`` holds the positions of the request's capped rooms, usually a few.
"""

from __future__ import annotations

import numpy as np


class ColdFloor:
    __slots__ = ("mask", "blocked", "size", "_rooms")

    def __init__(self, mask: np.ndarray, count: int, blocked: np.ndarray | None) -> None:
        """``mask``: per live room, cold-start?; ``count``: how many are; ``blocked``: positions of the
        request's capped rooms (None: none)."""
        self.mask = mask
        self.blocked = blocked
        self.size = count - (int(np.count_nonzero(mask[blocked])) if blocked is not None else 0)
        self._rooms: np.ndarray | None = None

    @property
    def rooms(self) -> np.ndarray:
        """The eligible cold-start rooms' positions, ascending."""
        if self._rooms is None:
            rooms = np.flatnonzero(self.mask)
            if self.blocked is not None and self.blocked.size:
                rooms = np.delete(rooms, indices_in(rooms, self.blocked))
            self._rooms = rooms
        return self._rooms

    def pick(self, hashed: int) -> int:
        """The room an exploring row serves, for a request whose hash is ``hashed`` (needs ``size`` > 0)."""
        return int(self.rooms[hashed % self.size])

    def holds(self, room: int) -> bool:
        """Is live room index ``room`` an eligible cold-start room (-1: no room)?"""
        if room < 0 or not self.mask[room]:
            return False
        return self.blocked is None or not bool((self.blocked == room).any())


def indices_in(ascending: np.ndarray, items: np.ndarray) -> np.ndarray:
    """The indices in ``ascending`` (sorted, distinct) of those of ``items`` it holds."""
    at = np.searchsorted(ascending, items)
    inside = at < ascending.size
    at, items = at[inside], items[inside]
    return at[ascending[at] == items]

"""The rooms that lead some Thompson row, kept as rooms start and end, so a request scores a few rooms and
not every live one.

A room's base value in row r is theta[r, s] x scale_s (draw x marginal return x price), the same for every
user; a request multiplies it by the user's weight, which is one number for every room outside the user's
history. So each row's best room outside the history is the row's best base value among the rooms not
blocked for this user. ``rebuild`` keeps, per row, the rooms at or above the row's K-th largest base value
(ties included); a room that starts joins the rows it reaches; a room that ends leaves. While every row
still has a leader that is neither blocked nor in the history, the row's best room is among the leaders
and the history rooms, exactly; otherwise the caller scores every live room.
"""

from __future__ import annotations

import numpy as np

from giftlive.compact_state import CompactState

# Leaders kept per row. A request whose frequency caps and history exclude every leader of some row scores
# every live room instead (~64,000 at KuaiLive's scale); 16 makes that rare enough to run the full-scale
# world's decisions 1.27x faster than 8, for ~3 % more time on the 400-user benchmark world (docs/flow.md).
LEADERS_PER_ROW = 16


class RowLeaders(CompactState):
    """Leaders are kept by their position in ``LiveRooms.arrays()``, mirrored as rooms end (the last room
    moves into the gap), so a request reads them without a lookup per room."""

    __slots__ = ("kth", "at", "rows", "stale", "key")

    def __init__(self) -> None:
        self.kth = np.zeros(0)  # per row: the K-th largest base value at the last rebuild
        self.at = np.zeros(0, dtype=np.int64)  # the leading rooms' positions
        self.rows = np.zeros((0, 0), dtype=bool)  # (leaders, rows): the rows each one leads
        self.stale = True
        self.key: tuple[int, int] | None = None  # (round, prices version) of the last rebuild

    def rebuild(self, base: np.ndarray, key: tuple[int, int]) -> None:
        """From the base values (rows x live rooms, in position order) of every live room."""
        rows, n = base.shape
        self.key, self.stale = key, False
        if n == 0:
            self.kth = np.full(rows, -np.inf)
            self.at, self.rows = np.zeros(0, dtype=np.int64), np.zeros((0, rows), dtype=bool)
            return
        k = min(LEADERS_PER_ROW, n)
        self.kth = np.partition(base, n - k, axis=1)[:, n - k]
        leading = base >= self.kth[:, None]
        self.at = np.flatnonzero(leading.any(axis=0))
        self.rows = leading[:, self.at].T.copy()

    def start(self, position: int, base: np.ndarray) -> None:
        """A room started at ``position`` with these base values (one per row)."""
        if self.stale:
            return
        reached = base >= self.kth
        if reached.any():
            self.at = np.append(self.at, position)
            self.rows = np.vstack([self.rows, reached[None, :]])

    def end(self, position: int, last: int) -> None:
        """The room at ``position`` ended and the room at ``last`` moves into its place."""
        if self.stale or not self.at.size:
            return
        keep = self.at != position
        if not keep.all():
            self.at, self.rows = self.at[keep], self.rows[keep]
            if not self.rows.any(axis=0).all():
                self.stale = True  # a row lost its last leader: rebuild before the next request
        self.at[self.at == last] = position

    def cover(self, excluded: np.ndarray | None = None) -> bool:
        """Does every row keep a leader outside ``excluded`` (a mask over ``at``; None: nothing excluded,
        which a fresh rebuild and every ``end`` since guarantee)?"""
        if not self.at.size:
            return False
        if excluded is None:
            return not self.stale
        return bool(self.rows[~excluded].any(axis=0).all())

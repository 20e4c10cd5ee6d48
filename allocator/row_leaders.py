"""The rooms that lead some Thompson row, kept as rooms start and end, so a request scores a few rooms and
not every live one.

A room's base value in row r is theta[r, s] x scale_s (draw x marginal return x price), the same for every
user; a request multiplies it by the user's weight, which is one number for every room outside the user's
history. So each row's best room outside the history is the row's best base value among the rooms not
blocked for this user. ``rebuild`` keeps, per row, the rooms at or above the row's K-th largest base value
(ties included); a room that starts joins the rows it reaches; a room that ends leaves. While every row
still has a leader that is neither blocked nor in the history, the row's best room is among the leaders
and the history rooms, exactly; otherwise the caller scores every live room.

The leaders keep their base values, ascending by position, so a request reads each row's best leader
(``best``) instead of gathering draws, returns and prices for them again: each row's best over every
leader is kept until the leaders change, and a request that excludes some (a few hundred leaders at
KuaiLive's scale, a few excluded) redoes only the rows whose best it excludes.
"""

from __future__ import annotations

import numpy as np

from allocator.cold_floor import indices_in
from giftlive.compact_state import CompactState

# Leaders kept per row. A request whose frequency caps and history exclude every leader of some row scores
# every live room instead (~64,000 at KuaiLive's scale); 16 makes that rare enough to run the full-scale
# world's decisions 1.27x faster than 8, for ~3 % more time on the 400-user benchmark world (docs/flow.md).
LEADERS_PER_ROW = 16


class RowLeaders(CompactState):
    """Leaders are kept by their position in ``LiveRooms.arrays()``, mirrored as rooms end (the last room
    moves into the gap), so a request reads them without a lookup per room."""

    __slots__ = ("kth", "at", "rows", "base", "stale", "key", "top")

    def __init__(self) -> None:
        self.kth = np.zeros(0)  # per row: the K-th largest base value at the last rebuild
        self.at = np.zeros(0, dtype=np.int64)  # the leading rooms' positions, ascending
        self.rows = np.zeros((0, 0), dtype=bool)  # (leaders, rows): the rows each one leads
        self.base = np.zeros((0, 0))  # (rows, leaders): their base values
        self.stale = True
        self.key: tuple[int, int] | None = None  # (round, prices version) of the last rebuild
        # kept until the leaders change: per row, its best leader's index, position and base value, and
        # how many leaders lead it
        self.top: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray] | None = None

    def rebuild(self, base: np.ndarray, key: tuple[int, int]) -> None:
        """From the base values (rows x live rooms, in position order) of every live room."""
        rows, n = base.shape
        self.key, self.stale, self.top = key, False, None
        if n == 0:
            self.kth = np.full(rows, -np.inf)
            self.at, self.rows = np.zeros(0, dtype=np.int64), np.zeros((0, rows), dtype=bool)
            self.base = np.zeros((rows, 0))
            return
        k = min(LEADERS_PER_ROW, n)
        self.kth = np.partition(base, n - k, axis=1)[:, n - k]
        leading = base >= self.kth[:, None]
        self.at = np.flatnonzero(leading.any(axis=0))
        self.rows = leading[:, self.at].T.copy()
        self.base = base[:, self.at]

    def start(self, position: int, base: np.ndarray) -> None:
        """A room started at ``position`` with these base values (one per row)."""
        if self.stale:
            return
        reached = base >= self.kth
        if reached.any():  # a new room takes the last position: ``at`` stays ascending
            self.at = np.append(self.at, position)
            self.rows = np.vstack([self.rows, reached[None, :]])
            self.base = np.hstack([self.base, base[:, None]])
            self.top = None

    def end(self, position: int, last: int) -> None:
        """The room at ``position`` ended and the room at ``last`` moves into its place."""
        if self.stale or not self.at.size:
            return
        keep = self.at != position
        if not keep.all():
            self.at, self.rows, self.base, self.top = self.at[keep], self.rows[keep], self.base[:, keep], None
            if not self.rows.any(axis=0).all():
                self.stale = True  # a row lost its last leader: rebuild before the next request
        moved = self.at == last
        if moved.any():  # the last room moves into the gap: keep ``at`` ascending (ties go to the lowest)
            self.at[moved] = position
            order = np.argsort(self.at, kind="stable")
            self.at, self.rows, self.base = self.at[order], self.rows[order], self.base[:, order]
            self.top = None

    def among(self, positions: np.ndarray) -> np.ndarray:
        """The indices of the leaders at ``positions`` (distinct positions of live rooms)."""
        return indices_in(self.at, positions)

    def cover(self, excluded: np.ndarray | None = None) -> bool:
        """Does every row keep a leader outside ``excluded`` (leader indices from ``among``; None: nothing
        excluded, which a fresh rebuild and every ``end`` since guarantee)?"""
        if not self.at.size:
            return False
        if excluded is None or not excluded.size:
            return not self.stale
        leading = self._top()[3]
        return bool((leading > self.rows[excluded].sum(axis=0)).all())

    def best(self, excluded: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """(per row: the position of its best leader outside ``excluded``, that leader's base value), the
        lowest position among equal values; only when ``cover(excluded)``. Read-only arrays."""
        index, at, value, _leading = self._top()
        if excluded is None or not excluded.size:
            return at, value
        hit = np.flatnonzero((index[:, None] == excluded).any(axis=1))  # rows whose best is excluded
        if not hit.size:
            return at, value
        base = self.base[hit]
        base[:, excluded] = -np.inf
        pick = base.argmax(axis=1)
        at, value = at.copy(), value.copy()
        at[hit], value[hit] = self.at[pick], base[np.arange(hit.size), pick]
        return at, value

    def _top(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        if self.top is None:
            index = self.base.argmax(axis=1)
            self.top = index, self.at[index], self.base.max(axis=1), self.rows.sum(axis=0)
        return self.top

"""One round: the candidates every request of an event-time tick shares.

A round fixes, for each row of the draw table, the values of the top-ranked live rooms and a random sample of
live cold-start rooms. A request is served by one row, picked by a hash of its id, so the probability that
the policy gives a request a room is exactly the share of rows that pick that room under the caps of the
moment: the propensity is exact (a multiple of 1 / rows), with no Monte-Carlo error.

The rows' choices among the shared candidates under the capacity caps (the ``base``) are the same for every
request until a streamer fills up or frees a place, or a room ends; they are computed once and reused.
"""

from __future__ import annotations

import numpy as np

from allocator.draw_table import DrawTable
from allocator.policy import BLOCKED, NO_ROOM, RowChoices, choose_rows
from allocator.posteriors import PosteriorBook
from giftlive.compact_state import CompactState


class SampleRound(CompactState):
    __slots__ = (
        "index",
        "now_ms",
        "rng",
        "top_live",
        "top_streamers",
        "top_values",
        "top_positions",
        "top_set",
        "cold_live",
        "cold_streamers",
        "cold_values",
        "cold_sampled",
        "cold_distinct",
        "cold_counts",
        "shared",
        "members",
        "version",
        "base",
        "base_key",
        "base_capped",
        "base_chosen",
    )

    def __init__(self, index: int, now_ms: int, seed: int, rows: int) -> None:
        self.index = index  # the tick: event time // round length
        self.now_ms = now_ms
        self.rng = np.random.default_rng([seed, index])
        self.top_live = np.empty(0, dtype=np.int64)
        self.top_streamers: list[int] = []
        self.top_values = np.empty((0, rows))  # (top rooms, rows)
        self.top_positions: dict[int, list[int]] = {}  # streamer -> its places in the top list
        self.top_set: set[int] = set()
        self.cold_live = np.empty((rows, 0), dtype=np.int64)  # (rows, sampled cold-start rooms)
        self.cold_streamers = np.empty((rows, 0), dtype=np.int64)
        self.cold_values = np.empty((rows, 0))
        self.cold_sampled: set[int] = set()  # streamers in the cold samples
        self.cold_distinct = np.zeros((rows, 0), dtype=bool)  # first cell of its room in the row
        self.cold_counts = [0] * rows  # distinct new rooms in each row's cold sample
        self.shared: set[int] = set()  # streamers of the top list and the cold samples
        # room -> its cells: (-1, top place) or (row, col)
        self.members: dict[int, list[tuple[int, int]]] = {}
        self.version = 0  # changes when a room ends
        self.base: RowChoices | None = None
        self.base_key: tuple[frozenset[int], int] | None = None
        self.base_capped: tuple[int, np.ndarray] = (0, np.zeros(rows, dtype=np.int64))
        self.base_chosen: set[int] = set()  # streamers some row of the base chose

    @property
    def rows(self) -> int:
        return self.cold_live.shape[0]

    def set_top(self, rooms: list[tuple[int, int]], table: DrawTable, posteriors: PosteriorBook) -> None:
        streamers = [s for _, s in rooms]
        table.ensure(streamers, self.index, self.now_ms, self.rng, posteriors)
        self.top_live = np.array([live for live, _ in rooms], dtype=np.int64)
        self.top_streamers = streamers
        self.top_values = table.values[table.slots(streamers)]
        self.top_set = {live for live, _ in rooms}
        self.shared.update(streamers)
        for place, (live, streamer) in enumerate(rooms):
            self.top_positions.setdefault(streamer, []).append(place)
            self.members.setdefault(live, []).append((-1, place))

    def sample_cold(
        self,
        live: np.ndarray,
        streamers: np.ndarray,
        per_row: int,
        table: DrawTable,
        posteriors: PosteriorBook,
    ) -> None:
        """Draw ``per_row`` cold-start rooms (with replacement) for every row, and read their values."""
        if not len(live) or per_row <= 0:
            return
        rows = self.rows
        picks = self.rng.integers(0, len(live), size=(rows, per_row))
        self.cold_live = live[picks]
        self.cold_streamers = streamers[picks]
        unique, inverse = np.unique(self.cold_streamers, return_inverse=True)
        unique_list = unique.tolist()
        table.ensure(unique_list, self.index, self.now_ms, self.rng, posteriors)
        slots = table.slots(unique_list)[inverse].reshape(self.cold_live.shape)
        self.cold_values = table.values[slots, np.arange(rows)[:, None]]
        self.cold_sampled = set(unique_list)
        self.shared.update(unique_list)
        members, top = self.members, self.top_set
        distinct = []
        for row, rooms in enumerate(self.cold_live.tolist()):
            seen = set(top)
            for col, live_id in enumerate(rooms):
                members.setdefault(live_id, []).append((row, col))
                distinct.append(live_id not in seen)
                seen.add(live_id)
        self.cold_distinct = np.array(distinct, dtype=bool).reshape(self.cold_live.shape)
        self.cold_counts = self.cold_distinct.sum(axis=1).tolist()

    def block_room(self, live_id: int) -> None:
        """The room ended: no row of this round may choose it any more."""
        cells = self.members.pop(live_id, None)
        if not cells:
            return
        for row, col in cells:
            if row < 0:
                self.top_values[col] = BLOCKED
            else:
                self.cold_values[row, col] = BLOCKED
        self.version += 1

    def choices_under(self, full: set[int], explore_rows: int, streamer_of: dict[int, int]) -> RowChoices:
        """Every row's choice among the shared candidates with the streamers in ``full`` blocked; cached
        while neither the shared streamers at capacity nor the live rooms change."""
        full = full & self.shared
        key = (frozenset(full), self.version)
        if self.base is not None and self.base_key == key:
            return self.base
        top_values, cold_values = self.top_values, self.cold_values
        top_out = [place for s in full for place in self.top_positions.get(s, ())]
        if top_out:
            top_values = top_values.copy()
            top_values[top_out] = BLOCKED
        cold_out = np.zeros(self.rows, dtype=np.int64)
        blocked = full & self.cold_sampled
        if blocked:
            mask = np.isin(self.cold_streamers, list(blocked))
            cold_values = np.where(mask, BLOCKED, cold_values)
            cold_out = (mask & self.cold_distinct).sum(axis=1)
        self.base = choose_rows(
            self.rows, self.top_live, top_values, self.cold_live, cold_values, explore_rows
        )
        self.base_key = key
        self.base_capped = (len(top_out), cold_out)
        self.base_chosen = {streamer_of[live] for live in set(self.base.live.tolist()) if live != NO_ROOM}
        return self.base

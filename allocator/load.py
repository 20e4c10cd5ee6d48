"""What the allocator has already handed out, for the capacity and frequency caps, on event time.

Capacity: an allocation occupies its streamer for ``hold_ms``; a streamer holding ``capacity`` allocations
is full, and stays full until its load falls to ``reopen_at`` (90 % of capacity): a saturated streamer
reopens in steps rather than at every release, which keeps the allocator's shared choices stable.
Frequency: a user gets one streamer at most ``pair_cap`` times within ``pair_window_ms``. ``advance``
releases ended allocations in time order, so a cap check is a set lookup.
"""

from __future__ import annotations

import heapq

from giftlive.compact_state import CompactState


class AllocationLoad(CompactState):
    __slots__ = (
        "capacity",
        "reopen_at",
        "hold_ms",
        "pair_cap",
        "pair_window_ms",
        "held",
        "releases",
        "full",
        "pairs",
    )

    def __init__(self, capacity: int, hold_ms: int, pair_cap: int, pair_window_ms: int) -> None:
        self.capacity = capacity
        self.reopen_at = capacity - max(1, capacity // 10)
        self.hold_ms = hold_ms
        self.pair_cap = pair_cap
        self.pair_window_ms = pair_window_ms
        self.held: dict[int, int] = {}  # streamer -> allocations still held
        self.releases: list[tuple[int, int]] = []  # heap of (release time, streamer)
        self.full: set[int] = set()  # streamers at capacity
        self.pairs: dict[int, dict[int, list[int]]] = {}  # user -> streamer -> allocation times, ascending

    def advance(self, now_ms: int) -> None:
        """Release every allocation that ended at or before ``now_ms``."""
        releases, held = self.releases, self.held
        while releases and releases[0][0] <= now_ms:
            _, streamer = heapq.heappop(releases)
            left = held[streamer] - 1
            if left:
                held[streamer] = left
            else:
                del held[streamer]
            if left <= self.reopen_at:
                self.full.discard(streamer)

    def load(self, streamer_id: int) -> int:
        """Allocations the streamer holds (as of the last ``advance``)."""
        return self.held.get(streamer_id, 0)

    def capped_for(self, user_id: int, now_ms: int) -> set[int]:
        """Streamers this user already got ``pair_cap`` times within the window before ``now_ms``."""
        mine = self.pairs.get(user_id)
        if not mine:
            return set()
        cap, since = self.pair_cap, now_ms - self.pair_window_ms
        return {s for s, times in mine.items() if len(times) >= cap and times[-cap] > since}

    def record(self, user_id: int, streamer_id: int, now_ms: int) -> None:
        held = self.held.get(streamer_id, 0) + 1
        self.held[streamer_id] = held
        if held >= self.capacity:
            self.full.add(streamer_id)
        heapq.heappush(self.releases, (now_ms + self.hold_ms, streamer_id))
        self.pairs.setdefault(user_id, {}).setdefault(streamer_id, []).append(now_ms)

    def sweep(self, now_ms: int) -> None:
        """Forget allocation times that no longer count for the frequency cap; keeps memory bounded."""
        since = now_ms - self.pair_window_ms
        for user_id in list(self.pairs):
            mine = self.pairs[user_id]
            for streamer_id in list(mine):
                recent = [t for t in mine[streamer_id] if t > since]
                if recent:
                    mine[streamer_id] = recent
                else:
                    del mine[streamer_id]
            if not mine:
                del self.pairs[user_id]

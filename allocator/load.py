"""What the allocator has already handed out: concurrent viewers per streamer and recent allocations per
(user, streamer) pair, for the capacity and frequency caps. Event time only; expired entries drop on read."""

from __future__ import annotations

import heapq
from collections import deque

from giftlive.compact_state import CompactState


class AllocationLoad(CompactState):
    __slots__ = ("hold_ms", "pair_window_ms", "releases", "pair_times")

    def __init__(self, hold_ms: int, pair_window_ms: int) -> None:
        self.hold_ms = hold_ms  # an allocation occupies its streamer for this long
        self.pair_window_ms = pair_window_ms
        self.releases: dict[int, list[int]] = {}  # streamer -> heap of the times its allocations end
        self.pair_times: dict[tuple[int, int], deque[int]] = {}  # (user, streamer) -> allocation times

    def load(self, streamer_id: int, now_ms: int) -> int:
        """Allocated viewers of the streamer still held at ``now_ms``."""
        heap = self.releases.get(streamer_id)
        if not heap:
            return 0
        while heap and heap[0] <= now_ms:
            heapq.heappop(heap)
        if not heap:
            del self.releases[streamer_id]
        return len(heap)

    def pair_count(self, user_id: int, streamer_id: int, now_ms: int) -> int:
        """Allocations of this streamer to this user within the pair window before ``now_ms``."""
        times = self.pair_times.get((user_id, streamer_id))
        if not times:
            return 0
        while times and times[0] <= now_ms - self.pair_window_ms:
            times.popleft()
        if not times:
            del self.pair_times[(user_id, streamer_id)]
        return len(times)

    def record(self, user_id: int, streamer_id: int, now_ms: int) -> None:
        heapq.heappush(self.releases.setdefault(streamer_id, []), now_ms + self.hold_ms)
        self.pair_times.setdefault((user_id, streamer_id), deque()).append(now_ms)

    def sweep(self, now_ms: int) -> None:
        """Free every expired entry (reads already ignore them); keeps memory bounded."""
        for streamer_id in list(self.releases):
            self.load(streamer_id, now_ms)
        for user_id, streamer_id in list(self.pair_times):
            self.pair_count(user_id, streamer_id, now_ms)

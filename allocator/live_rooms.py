"""Which rooms are live now, from room_start and room_end: the allocator's candidate universe.

A room whose end never arrives is dropped ``max_live_ms`` after its start, so the set stays bounded.
"""

from __future__ import annotations

import numpy as np

from giftlive.compact_state import CompactState

DEFAULT_MAX_LIVE_MS = 7 * 86_400_000


class LiveRooms(CompactState):
    __slots__ = (
        "max_live_ms",
        "streamer_of",
        "started",
        "by_streamer",
        "ids",
        "streamers",
        "position",
        "changes",
    )

    def __init__(self, max_live_ms: int = DEFAULT_MAX_LIVE_MS) -> None:
        self.max_live_ms = max_live_ms
        self.streamer_of: dict[int, int] = {}  # live room -> streamer
        self.started: dict[int, int] = {}  # live room -> start time
        self.by_streamer: dict[int, list[int]] = {}  # streamer -> its live rooms
        # The live rooms and their streamers as arrays (``arrays``), kept in step with every start and end:
        # a room that ends is replaced by the last one, so each event costs O(1).
        self.ids = np.zeros(64, dtype=np.int64)
        self.streamers = np.zeros(64, dtype=np.int64)
        self.position: dict[int, int] = {}  # live room -> its index in ``ids``
        self.changes = 0  # starts and ends so far: an ``arrays`` view read at this count is still valid

    def start(self, live_id: int, streamer_id: int, ts: int) -> None:
        if live_id in self.streamer_of:
            return
        self.streamer_of[live_id] = streamer_id
        self.started[live_id] = ts
        n = len(self.position)
        if n == self.ids.size:
            self.ids = np.concatenate([self.ids, np.zeros(n, dtype=np.int64)])
            self.streamers = np.concatenate([self.streamers, np.zeros(n, dtype=np.int64)])
        self.ids[n], self.streamers[n] = live_id, streamer_id
        self.position[live_id] = n
        self.by_streamer.setdefault(streamer_id, []).append(live_id)
        self.changes += 1

    def end(self, live_id: int) -> None:
        streamer_id = self.streamer_of.pop(live_id, None)
        if streamer_id is None:
            return
        del self.started[live_id]
        self.changes += 1
        at, last = self.position.pop(live_id), len(self.position)
        if at != last:
            moved = int(self.ids[last])
            self.ids[at], self.streamers[at] = moved, self.streamers[last]
            self.position[moved] = at
        rooms = self.by_streamer[streamer_id]
        rooms.remove(live_id)
        if not rooms:
            del self.by_streamer[streamer_id]

    def expired(self, now_ms: int) -> list[int]:
        """The rooms live implausibly long at ``now_ms`` (their room_end was lost): the caller ends them."""
        return [r for r, ts in self.started.items() if ts <= now_ms - self.max_live_ms]

    def arrays(self) -> tuple[np.ndarray, np.ndarray]:
        """(live rooms, their streamers) as arrays (views: valid until the next start or end)."""
        n = len(self.position)
        return self.ids[:n], self.streamers[:n]

    def __contains__(self, live_id: int) -> bool:
        return live_id in self.streamer_of

    def __len__(self) -> int:
        return len(self.streamer_of)

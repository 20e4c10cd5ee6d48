"""One live room: its metadata from room_start and how many viewers are in it right now."""

from __future__ import annotations

from giftlive.compact_state import CompactState

ROOM_FEATURES: tuple[str, ...] = (
    "room_viewers",  # clicks into the room minus leaves (dwell events) so far
    "room_age_s",  # null when the room's start was not seen
    "live_type",
    "category",
)


class LiveRoom(CompactState):
    __slots__ = ("start_ts", "live_type", "category", "viewers", "last_seen")

    def __init__(self) -> None:
        self.start_ts: int | None = None
        self.live_type: int | None = None
        self.category: str | None = None
        self.viewers = 0
        self.last_seen = 0

    def features(self, now_ms: int) -> tuple:
        """ROOM_FEATURES at ``now_ms``."""
        age = None if self.start_ts is None else (now_ms - self.start_ts) / 1000
        return self.viewers, age, self.live_type, self.category

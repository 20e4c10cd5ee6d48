"""All streamer-side state of one shard: streamers' history and their live rooms, with expiry.

Room metadata (start time, live type, category) is context, visible to a click in the same millisecond;
counts (clicks, gifts, viewers) are history, which the caller applies only after every click of that
millisecond has read its features.
"""

from __future__ import annotations

from typing import Any

from features.expiry import DEFAULT_TTL_MS, live_entry, sweep
from features.live_room import LiveRoom
from features.streamer_history import NO_STREAMER_HISTORY, StreamerHistory
from giftlive.compact_state import CompactState
from giftlive.events import EventType


class StreamerBook(CompactState):
    __slots__ = ("ttl_ms", "streamers", "rooms", "occupied")

    def __init__(self, ttl_ms: int = DEFAULT_TTL_MS) -> None:
        self.ttl_ms = ttl_ms
        self.streamers: dict[int, StreamerHistory] = {}
        self.rooms: dict[int, LiveRoom] = {}
        # Every room of ``rooms`` with viewers (and maybe some that left it since): the viewer reports
        # cost O(rooms with viewers), not O(rooms known), at KuaiLive's tens of thousands of live rooms.
        self.occupied: dict[int, LiveRoom] = {}

    def features(self, streamer_id: int, live_id: int, now_ms: int) -> tuple[tuple, tuple]:
        """(STREAMER_FEATURES, ROOM_FEATURES) at ``now_ms``."""
        streamer = live_entry(self.streamers, streamer_id, now_ms, self.ttl_ms)
        room = live_entry(self.rooms, live_id, now_ms, self.ttl_ms)
        return (
            NO_STREAMER_HISTORY if streamer is None else streamer.features(now_ms),
            (0, None, None, None) if room is None else room.features(now_ms),
        )

    def apply_room_event(self, event: dict[str, Any]) -> None:
        """room_start records the room's metadata; room_end forgets the room."""
        live_id = event["live_id"]
        if event["type"] is EventType.ROOM_END:
            self.rooms.pop(live_id, None)
            self.occupied.pop(live_id, None)
            return
        room = live_entry(self.rooms, live_id, event["ts"], self.ttl_ms) or LiveRoom()
        room.start_ts = event["ts"]
        room.live_type = event.get("live_type")
        room.category = event.get("category")
        room.last_seen = event["ts"]
        self.rooms[live_id] = room
        streamer = live_entry(self.streamers, event["streamer_id"], event["ts"], self.ttl_ms)
        if streamer is None:
            streamer = self.streamers[event["streamer_id"]] = StreamerHistory()
        streamer.last_seen = event["ts"]

    def learn(self, event: dict[str, Any]) -> None:
        """Add a click, dwell or gift to the streamer's history and the room's viewer count."""
        kind = event["type"]
        ts = event["ts"]
        if kind is EventType.DWELL:
            room = live_entry(self.rooms, event["live_id"], ts, self.ttl_ms)
            if room is not None:
                room.viewers -= 1
                room.last_seen = ts
            return
        if kind is not EventType.CLICK and kind is not EventType.GIFT:
            return
        streamer = live_entry(self.streamers, event["streamer_id"], ts, self.ttl_ms)
        if streamer is None:
            streamer = self.streamers[event["streamer_id"]] = StreamerHistory()
        if kind is EventType.GIFT:
            streamer.learn_gift(ts, event["user_id"], event["amount"])
            return
        streamer.learn_click(ts)
        room = live_entry(self.rooms, event["live_id"], ts, self.ttl_ms)
        if room is None:
            room = self.rooms[event["live_id"]] = LiveRoom()
        room.viewers += 1
        room.last_seen = ts
        if room.viewers == 1:  # it just filled (counts move by one): index it again
            self.occupied[event["live_id"]] = room

    def viewers(self) -> list[tuple[int, int]]:
        """(room, viewers in it now) of every room with viewers: the load the allocator prices (a room
        not listed has none)."""
        rooms = self.rooms
        occupied = self.occupied = {
            live_id: room
            for live_id, room in self.occupied.items()
            if room.viewers > 0 and rooms.get(live_id) is room
        }
        return list(zip(occupied, (room.viewers for room in occupied.values()), strict=True))

    def expire(self, now_ms: int) -> int:
        """Drop streamers and rooms idle for more than the TTL; returns how many streamers went."""
        sweep(self.rooms, now_ms, self.ttl_ms)
        return sweep(self.streamers, now_ms, self.ttl_ms)

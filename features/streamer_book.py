"""All streamer-side state of one shard: streamers' history and their live rooms, with expiry.

Room metadata (start time, live type, category) is context, visible to a click in the same millisecond;
counts (clicks, gifts, viewers) are history, which the caller applies only after every click of that
millisecond has read its features.
"""

from __future__ import annotations

from typing import Any

from features.live_room import LiveRoom
from features.streamer_history import NO_STREAMER_HISTORY, StreamerHistory
from features.user_book import DEFAULT_TTL_MS
from giftlive.events import EventType


class StreamerBook:
    __slots__ = ("ttl_ms", "streamers", "rooms")

    def __init__(self, ttl_ms: int = DEFAULT_TTL_MS) -> None:
        self.ttl_ms = ttl_ms
        self.streamers: dict[int, StreamerHistory] = {}
        self.rooms: dict[int, LiveRoom] = {}

    def _streamer(self, streamer_id: int, now_ms: int) -> StreamerHistory | None:
        streamer = self.streamers.get(streamer_id)
        if streamer is not None and now_ms - streamer.last_seen > self.ttl_ms:
            del self.streamers[streamer_id]
            return None
        return streamer

    def _room(self, live_id: int, now_ms: int) -> LiveRoom | None:
        room = self.rooms.get(live_id)
        if room is not None and now_ms - room.last_seen > self.ttl_ms:
            del self.rooms[live_id]
            return None
        return room

    def features(self, streamer_id: int, live_id: int, now_ms: int) -> tuple[tuple, tuple]:
        """(STREAMER_FEATURES, ROOM_FEATURES) at ``now_ms``."""
        streamer = self._streamer(streamer_id, now_ms)
        room = self._room(live_id, now_ms)
        return (
            NO_STREAMER_HISTORY if streamer is None else streamer.features(now_ms),
            (0, None, None, None) if room is None else room.features(now_ms),
        )

    def apply_room_event(self, event: dict[str, Any]) -> None:
        """room_start records the room's metadata; room_end forgets the room."""
        live_id = event["live_id"]
        if event["type"] is EventType.ROOM_END:
            self.rooms.pop(live_id, None)
            return
        room = self._room(live_id, event["ts"]) or LiveRoom()
        room.start_ts = event["ts"]
        room.live_type = event.get("live_type")
        room.category = event.get("category")
        room.last_seen = event["ts"]
        self.rooms[live_id] = room
        streamer = self._streamer(event["streamer_id"], event["ts"])
        if streamer is None:
            streamer = self.streamers[event["streamer_id"]] = StreamerHistory()
        streamer.last_seen = event["ts"]

    def learn(self, event: dict[str, Any]) -> None:
        """Add a click, dwell or gift to the streamer's history and the room's viewer count."""
        kind = event["type"]
        ts = event["ts"]
        if kind is EventType.DWELL:
            room = self._room(event["live_id"], ts)
            if room is not None:
                room.viewers -= 1
                room.last_seen = ts
            return
        if kind is not EventType.CLICK and kind is not EventType.GIFT:
            return
        streamer = self._streamer(event["streamer_id"], ts)
        if streamer is None:
            streamer = self.streamers[event["streamer_id"]] = StreamerHistory()
        if kind is EventType.GIFT:
            streamer.learn_gift(ts, event["user_id"], event["amount"])
            return
        streamer.learn_click(ts)
        room = self._room(event["live_id"], ts)
        if room is None:
            room = self.rooms[event["live_id"]] = LiveRoom()
        room.viewers += 1
        room.last_seen = ts

    def expire(self, now_ms: int) -> int:
        """Drop streamers and rooms idle for more than the TTL; returns how many streamers went."""
        horizon = now_ms - self.ttl_ms
        gone = [sid for sid, s in self.streamers.items() if s.last_seen < horizon]
        for sid in gone:
            del self.streamers[sid]
        for lid in [lid for lid, room in self.rooms.items() if room.last_seen < horizon]:
            del self.rooms[lid]
        return len(gone)

    def __getstate__(self) -> tuple:
        return self.ttl_ms, self.streamers, self.rooms

    def __setstate__(self, state: tuple) -> None:
        self.ttl_ms, self.streamers, self.rooms = state

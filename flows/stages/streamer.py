"""Streamer stage: merges all partitions into event-time order and attaches streamer and room features
to each click, then routes user events to their user shard and room events to every decision shard.

Within one millisecond every click reads the history from before that millisecond (counts are applied after
the whole millisecond), while a room_start in the same millisecond is already visible as context.
"""

from __future__ import annotations

from itertools import groupby
from operator import itemgetter
from typing import Any

from features.expiry import DEFAULT_TTL_MS, sweep_interval
from features.streamer_book import StreamerBook
from flows.stages.base import Stage
from flows.stages.protocol import (
    Packet,
    decision_key,
    decision_sender_of_streamer,
    user_key,
    viewers_item,
)
from giftlive.events import ROOM_EVENT_TYPES, EventType
from giftlive.stream_time import BEGINNING_OF_TIME, END_OF_TIME

_TS = itemgetter("ts")


class StreamerStage(Stage):
    """Emits ``(user shard key, Packet)`` for every user shard and, with decisions, a Packet of room events
    (and, for a priced policy, viewer reports) for every decision shard."""

    __slots__ = (
        "index",
        "user_shards",
        "decisions",
        "book",
        "next_sweep",
        "viewers_every_ms",
        "next_viewers",
        "decision_shards",
        "decision_sender",
    )

    def __init__(
        self,
        index: int,
        senders: int,
        user_shards: int,
        ttl_ms: int = DEFAULT_TTL_MS,
        decisions: bool = True,
        viewers_every_ms: int | None = None,
        decision_shards: int | None = None,
        label_shards: int = 1,
    ) -> None:
        super().__init__(senders)
        self.decision_shards = user_shards if decision_shards is None else decision_shards
        self.index = index
        self.decision_sender = decision_sender_of_streamer(index, label_shards)
        # send the rooms' viewers to the decision shards at every multiple of this (capacity prices)
        self.viewers_every_ms = viewers_every_ms if decisions else None
        self.next_viewers: int | None = None
        self.decisions = decisions  # send room events to the decision stage
        self.user_shards = user_shards
        self.book = StreamerBook(ttl_ms)
        self.next_sweep = BEGINNING_OF_TIME

    @property
    def name(self) -> str:
        return "streamer"

    def sizes(self) -> dict[str, int]:
        return super().sizes() | {"streamers": len(self.book.streamers), "rooms": len(self.book.rooms)}

    @property
    def where(self) -> str:
        return f"streamer shard {self.index}"

    def advance(self, released: list[dict[str, Any]], dead: list[dict[str, Any]]) -> list[tuple[str, Any]]:
        shards = self.user_shards
        per_shard: list[list[dict[str, Any]]] = [[] for _ in range(shards)]
        book = self.book
        rooms: list[dict[str, Any]] = []
        for ts, group in groupby(released, key=_TS):
            if self.viewers_every_ms is not None:
                self._viewers_before(ts, rooms)
            history = []
            ends = []
            for event in group:
                kind = event["type"]
                if kind is EventType.ROOM_END:
                    ends.append(event)  # last in its millisecond: after that millisecond's clicks are counted
                    rooms.append(event)
                    continue
                if kind in ROOM_EVENT_TYPES:
                    book.apply_room_event(event)
                    rooms.append(event)
                    continue
                if kind is EventType.LIKE or kind is EventType.COMMENT:
                    continue  # unused: they came this far for the merge's late and duplicate checks
                if kind is EventType.CLICK:
                    streamer, room = book.features(event["streamer_id"], event["live_id"], event["ts"])
                    event["streamer_features"] = streamer + room
                history.append(event)
                per_shard[event["user_id"] % shards].append(event)
            for event in history:
                book.learn(event)
            for event in ends:
                book.apply_room_event(event)
        watermark = self.merge.released_to
        if self.viewers_every_ms is not None and BEGINNING_OF_TIME < watermark < END_OF_TIME:
            self._viewers_before(watermark, rooms)  # every event before the watermark is counted
        if watermark >= self.next_sweep:
            book.expire(watermark)
            self.next_sweep = watermark + sweep_interval(book.ttl_ms)
        out: list[tuple[str, Any]] = [
            (user_key(shard), Packet(shard, self.index, watermark, events))
            for shard, events in enumerate(per_shard)
        ]
        if self.decisions:  # every decision shard gets the room events and viewers
            sender = self.decision_sender
            out.extend(
                (decision_key(shard), Packet(shard, sender, watermark, rooms))
                for shard in range(self.decision_shards)
            )
        return out

    def _viewers_before(self, ts: int, rooms: list[dict[str, Any]]) -> None:
        """A report of the rooms' viewers at every multiple of ``viewers_every_ms`` at or before ``ts`` not
        sent yet, when the book holds exactly the events before ``ts``: this shard had no event between
        those multiples, so each report is exact for its stamp. Every one is sent, also in a quiet stretch,
        so the prices of this shard's streamers step once per period whatever the number of shards."""
        every = self.viewers_every_ms
        assert every is not None
        last = ts // every * every
        first = last if self.next_viewers is None else self.next_viewers
        for stamp in range(first, last + 1, every):
            rooms.append(self.viewers_report(stamp))
        self.next_viewers = max(last + every, first)

    def viewers_report(self, stamp: int) -> dict[str, Any]:
        """This shard's rooms with viewers now, stamped ``stamp``: the caller makes sure the book holds
        exactly the events before ``stamp`` (the stage itself, or the simulator between its steps)."""
        return viewers_item(stamp, self.index, self.user_shards, self.book.viewers())

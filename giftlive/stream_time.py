"""Event time across partitions: merge several ordered senders into one stream in event-time order.

Each sender (a Kafka partition, or an upstream shard) sends packets of events plus a watermark: a promise
that it will send no more events older than that. The merge keeps events until the smallest watermark of
all senders has passed them, then releases them sorted by (ts, type, id): the same order whatever the
arrival interleaving, which is what makes a replay at any speed give the same results.

An event that arrives older than what was already released is late; the caller dead-letters it. A second
copy of an event (same ts, type and id, e.g. from a replay run twice) is set aside at release, so it is
counted once; the caller dead-letters the copies too.
"""

from __future__ import annotations

from bisect import bisect_left
from operator import itemgetter
from typing import Any

from giftlive.compact_state import CompactState

END_OF_TIME = 2**62  # watermark of a sender that has finished
BEGINNING_OF_TIME = -(2**62)  # watermark of a sender that has promised nothing yet
IDLE_WATERMARK = END_OF_TIME - 1  # a sender silent for a while: not waited for until it sends again

ORDER = itemgetter("ts", "type", "id")
_TS = itemgetter("ts")
_ID = itemgetter("id")


class WatermarkMerge(CompactState):
    __slots__ = ("senders", "idle", "pending", "released_to", "duplicates")

    def __init__(self, senders: int) -> None:
        self.senders = [BEGINNING_OF_TIME] * senders
        self.idle: set[int] = set()  # senders that said they are idle (IDLE_WATERMARK) and sent nothing since
        self.pending: list[dict[str, Any]] = []
        self.released_to = BEGINNING_OF_TIME  # every event older than this has been released
        self.duplicates: list[dict[str, Any]] = []  # copies set aside by release, for the caller to take

    def push(self, sender: int, watermark: int, events: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Accept a packet; returns its late events: older than the sender's watermark before this packet
        (which is never later than what has been released, so nothing released can be overtaken). A packet
        with IDLE_WATERMARK marks the sender idle; its next packet must not go below what was released
        meanwhile: older events are late."""
        if watermark == IDLE_WATERMARK:
            self.idle.add(sender)
            return []
        self.idle.discard(sender)
        floor = max(self.senders[sender], self.released_to)
        if watermark > floor:
            self.senders[sender] = watermark
        late = [e for e in events if e["ts"] < floor] if events and floor > BEGINNING_OF_TIME else []
        if late:
            events = [e for e in events if e["ts"] >= floor]
        self.pending.extend(events)
        return late

    @property
    def watermark(self) -> int:
        """Every sender that is not idle has promised nothing older than this (no progress while all are)."""
        if not self.idle:
            return min(self.senders)
        waited = [w for s, w in enumerate(self.senders) if s not in self.idle]
        return min(waited) if waited else self.released_to

    def release(self) -> list[dict[str, Any]]:
        """Events older than the watermark, in (ts, type, id) order."""
        watermark = self.watermark
        if watermark <= self.released_to:
            return []
        self.released_to = watermark
        pending = self.pending
        if not pending:
            return []
        pending.sort(key=ORDER)
        if pending[-1]["ts"] < watermark:
            self.pending = []
            released = pending
        else:
            cut = bisect_left(pending, watermark, key=_TS)
            self.pending = pending[cut:]
            released = pending[:cut]
        if len(set(map(_ID, released))) < len(released):
            released = self._set_aside_copies(released)
        return released

    def _set_aside_copies(self, released: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Keep the first of adjacent events with the same (ts, type, id); copies go to ``duplicates``."""
        kept = [released[0]]
        for event in released[1:]:
            if ORDER(event) == ORDER(kept[-1]):
                self.duplicates.append(event)
            else:
                kept.append(event)
        return kept

    def release_all(self) -> list[dict[str, Any]]:
        """End of input: everything still pending, in order."""
        self.senders = [END_OF_TIME] * len(self.senders)
        return self.release()

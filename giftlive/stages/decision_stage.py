"""Decision stage: one key that merges room events (from the streamer shards), allocation requests (from the
user shards) and corrected labels (from the label stage) in event-time order, and answers every request.

In one millisecond the order is: room starts, requests, room ends, labels. So a request sees a room that
starts in its millisecond and one that ends in it, but no label of its millisecond: the posteriors it is
decided on hold only labels from strictly before it.
"""

from __future__ import annotations

from typing import Any

from allocator.allocator import Allocator
from allocator.policy import PolicyConfig
from giftlive.events import EventType
from giftlive.stages import DEAD_LETTER, DECISION, Packet
from giftlive.stages.label_stage import LABEL_ITEM_TYPE
from giftlive.stages.merge_input import merge_packets
from giftlive.stream_time import WatermarkMerge


def decision_senders(streamer_shards: int, user_shards: int) -> int:
    """Senders into the decision merge: the label stage is 0, streamer shard i is 1 + i, user shard j is
    1 + streamer_shards + j."""
    return 1 + streamer_shards + user_shards


def request_item(event: dict[str, Any], history: list[tuple[int, float]]) -> dict[str, Any]:
    """An impression or click as a request, with the user's (streamer, gift sum) history before it."""
    return {
        "ts": event["ts"],
        "type": event["type"],
        "id": event["id"],
        "user_id": event["user_id"],
        "history": history,
    }


class DecisionStage:
    __slots__ = ("merge", "allocator")

    def __init__(self, senders: int, config: PolicyConfig | None = None) -> None:
        self.merge = WatermarkMerge(senders)
        self.allocator = Allocator(config)

    def on_packets(self, packets: list[Packet] | None) -> list[tuple[str, Any]]:
        """``(DECISION, [decisions])`` and ``(DEAD_LETTER, [records])``; ``None`` means end of input."""
        released, dead = merge_packets(self.merge, packets, "decision stage")
        allocator = self.allocator
        decisions = []
        for item in released:
            kind = item["type"]
            if kind == LABEL_ITEM_TYPE:
                allocator.learn_label(item["label"])
            elif kind is EventType.ROOM_START:
                allocator.start_room(item)
            elif kind is EventType.ROOM_END:
                allocator.end_room(item)
            else:
                decisions.append(allocator.decide(item))
        out: list[tuple[str, Any]] = []
        if decisions:
            out.append((DECISION, decisions))
        if dead:
            out.append((DEAD_LETTER, dead))
        return out

    def on_eof(self) -> list[tuple[str, Any]]:
        return self.on_packets(None)

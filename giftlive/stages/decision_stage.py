"""Decision stage: one key that merges room events (from the streamer shards), allocation requests (from the
user shards) and corrected labels (from the label stage) in event-time order, and answers every request.

In one millisecond the order is: online model snapshots, room starts, requests, room ends, labels. So a
request sees a room that starts in its millisecond and one that ends in it, but no label of its millisecond:
the posteriors it is decided on hold only labels from strictly before it. A snapshot stamped t holds only
what the label stage learned from items strictly before t.
"""

from __future__ import annotations

from typing import Any

from allocator.allocator import Allocator
from allocator.pair_lift import ValueModel
from allocator.policy import PolicyConfig
from giftlive.events import EventType
from giftlive.stages import DEAD_LETTER, DECISION, Packet
from giftlive.stages.label_stage import LABEL_ITEM_TYPE, MODEL_ITEM_TYPE
from giftlive.stages.merge_input import merge_packets
from giftlive.stream_time import WatermarkMerge


def decision_senders(streamer_shards: int, user_shards: int) -> int:
    """Senders into the decision merge: the label stage is 0, streamer shard i is 1 + i, user shard j is
    1 + streamer_shards + j."""
    return 1 + streamer_shards + user_shards


def request_item(
    event: dict[str, Any],
    history: list[tuple[int, float]],
    user_features: tuple | None = None,
    pairs: list[tuple] | None = None,
) -> dict[str, Any]:
    """An impression or click as a request, with the user's (streamer, gift sum) history before it; for a
    value model's pair lift also the user's features, the history's pair features and, on a click, the
    clicked streamer's features (all from strictly before the request)."""
    item = {
        "ts": event["ts"],
        "type": event["type"],
        "id": event["id"],
        "user_id": event["user_id"],
        "history": history,
    }
    if user_features is not None:
        item["user_features"] = user_features
        item["pairs"] = pairs
        if "streamer_features" in event:
            item["streamer_id"] = event["streamer_id"]
            item["streamer_features"] = event["streamer_features"]
    return item


class DecisionStage:
    __slots__ = ("merge", "allocator")

    def __init__(
        self, senders: int, config: PolicyConfig | None = None, value_model: ValueModel | None = None
    ) -> None:
        self.merge = WatermarkMerge(senders)
        self.allocator = Allocator(config, value_model)

    def on_packets(self, packets: list[Packet] | None) -> list[tuple[str, Any]]:
        """``(DECISION, [decisions])`` and ``(DEAD_LETTER, [records])``; ``None`` means end of input."""
        released, dead = merge_packets(self.merge, packets, "decision stage")
        allocator = self.allocator
        decisions = []
        for item in released:
            kind = item["type"]
            if kind == LABEL_ITEM_TYPE:
                allocator.learn_label(item["label"])
            elif kind == MODEL_ITEM_TYPE:
                allocator.use_model(item["model"])
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

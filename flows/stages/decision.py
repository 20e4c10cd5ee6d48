"""Decision stage: a shard merges room events (from every streamer shard), allocation requests (from its user
shards) and corrected labels (from every label shard) in event-time order, and answers every request.

In one millisecond the order is: room viewers, online model snapshots, room starts, requests, room ends,
labels. So a request sees a room that starts in its millisecond and one that ends in it, but no label of its
millisecond:
the posteriors it is decided on hold only labels from strictly before it. A snapshot stamped t holds only
what a label shard learned from items strictly before t; a request's pair lift comes from the online model
of its user's label shard.
"""

from __future__ import annotations

from typing import Any

from allocator.allocator import Allocator
from allocator.pair_lift import ValueModel
from allocator.policy import PolicyConfig
from allocator.scorer import Scorer
from flows.stages.base import Stage
from flows.stages.protocol import (
    DECISION,
    LABEL_ITEM_TYPE,
    MODEL_ITEM_TYPE,
    VIEWERS_ITEM_TYPE,
    label_shard_of,
)
from giftlive.events import EventType


class DecisionStage(Stage):
    """Emits ``(DECISION, [decisions])``: one decision per request."""

    __slots__ = ("allocator", "label_shards", "models")

    def __init__(
        self,
        senders: int,
        config: PolicyConfig | None = None,
        value_model: ValueModel | None = None,
        scorer: Scorer | None = None,
        label_shards: int = 1,
        direct_model: bool = False,
    ) -> None:
        super().__init__(senders)
        self.allocator = Allocator(config, value_model, scorer, direct_model)
        self.label_shards = label_shards
        self.models: list[ValueModel | None] | None = None  # per label shard: its online model's snapshot

    @property
    def name(self) -> str:
        return "decision"

    def sizes(self) -> dict[str, int]:
        return super().sizes() | {
            "live_rooms": len(self.allocator.rooms),
            "users_capped": len(self.allocator.load.pairs),
        }

    @property
    def where(self) -> str:
        return "decision stage"

    def advance(self, released: list[dict[str, Any]], dead: list[dict[str, Any]]) -> list[tuple[str, Any]]:
        allocator = self.allocator
        decisions = []
        for item in released:
            kind = item["type"]
            if kind == LABEL_ITEM_TYPE:
                allocator.learn_label(item["label"])
            elif kind == MODEL_ITEM_TYPE:
                if self.models is None:
                    self.models = [allocator.value_model] * self.label_shards
                self.models[item["shard"]] = item["model"]
            elif kind == VIEWERS_ITEM_TYPE:
                allocator.observe_viewers(item["ts"], item["viewers"], item["shard"])
            elif kind is EventType.ROOM_START:
                allocator.start_room(item)
            elif kind is EventType.ROOM_END:
                allocator.end_room(item)
            else:
                if self.models is not None:
                    allocator.use_model(self.models[label_shard_of(item["user_id"], self.label_shards)])
                decisions.append(allocator.decide(item))
        out: list[tuple[str, Any]] = []
        if decisions:
            out.append((DECISION, decisions))
        return out

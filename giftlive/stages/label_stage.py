"""Label stage: one key that merges every user shard's labels in event-time order and corrects them, so the
survival model learns from all matured clicks (labels/label_corrector.py). The corrected labels go out, and
in order to the decision stage, whose posteriors learn from them."""

from __future__ import annotations

from typing import Any

from giftlive.stages import DEAD_LETTER, DECISION_STAGE_KEY, LABEL, Packet
from giftlive.stages.merge_input import merge_packets
from giftlive.stream_time import WatermarkMerge
from labels.label_corrector import LabelCorrector

LABEL_STAGE_KEY = "l0"
LABEL_ITEM_TYPE = 8  # after every event type in the same millisecond


def label_item(label: dict[str, Any]) -> dict[str, Any]:
    """A label wrapped for the merge, which orders items by (ts, type, id)."""
    return {"ts": label["ts"], "type": LABEL_ITEM_TYPE, "id": label["label_id"], "label": label}


class LabelStage:
    __slots__ = ("decisions", "merge", "corrector")

    def __init__(self, senders: int, window_ms: int, decisions: bool = True) -> None:
        self.decisions = decisions  # send corrected labels to the decision stage
        self.merge = WatermarkMerge(senders)
        self.corrector = LabelCorrector(window_ms)

    def on_packets(self, packets: list[Packet] | None) -> list[tuple[str, Any]]:
        """``(LABEL, [labels])`` in event-time order and a Packet of them for the decision stage (always: it
        carries the watermark); ``None`` means end of input."""
        released, dead = merge_packets(self.merge, packets, "label stage")
        correct = self.corrector.correct
        labels = [correct(item["label"]) for item in released]
        out: list[tuple[str, Any]] = []
        if self.decisions:
            items = [label_item(label) for label in labels]
            out.append((DECISION_STAGE_KEY, Packet(0, 0, self.merge.released_to, items)))
        if labels:
            out.append((LABEL, labels))
        if dead:
            out.append((DEAD_LETTER, dead))
        return out

    def on_eof(self) -> list[tuple[str, Any]]:
        return self.on_packets(None)

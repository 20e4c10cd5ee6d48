"""Fills in the survival-corrected gift probability of provisional labels and learns delays from final ones.

Every label shard's corrector learns from every final label in one event-time order (flows/stages/label.py:
its own, and the others' delays), so its estimates use all matured clicks and do not depend on how users
are sharded.
"""

from __future__ import annotations

from typing import Any

from giftlive.compact_state import CompactState
from labels.label_book import FIRST_GIFT_MS
from labels.records import FINAL, PROVISIONAL
from labels.survival import DelaySurvival, corrected_gift_probability


class LabelCorrector(CompactState):
    __slots__ = ("survival",)

    def __init__(self, window_ms: int) -> None:
        self.survival = DelaySurvival(window_ms)

    def correct(self, label: dict[str, Any]) -> dict[str, Any]:
        """The label ready for output (changed in place): a silent click's provisional label gets
        q = p·S(e) / (p·S(e) + 1 − p) and q × the mean late amount; a final label teaches the model."""
        kind = label["kind"]
        if kind == PROVISIONAL and label["gift_prob"] is None:
            segment, elapsed = label["segment"], label["elapsed_ms"]
            survival = self.survival
            q = corrected_gift_probability(survival.base_rate(segment), survival.survival(segment, elapsed))
            label["gift_prob"] = q
            label["expected_amount"] = q * survival.late_amount(segment, elapsed)
        elif kind == FINAL:
            self.learn(label["segment"], label.pop(FIRST_GIFT_MS), label["amount"])
        return label

    def learn(self, segment: str, first_gift_ms: int | None, amount: float) -> None:
        """What the survival learns from a final label: its own, or another label shard's delay item."""
        self.survival.learn_one(segment, first_gift_ms, amount)

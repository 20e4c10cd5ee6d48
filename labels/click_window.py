"""One click's label window: what has been attributed to it so far."""

from __future__ import annotations

from typing import Any

from giftlive.compact_state import CompactState


class ClickWindow(CompactState):
    __slots__ = (
        "click_id",
        "user_id",
        "streamer_id",
        "live_id",
        "ts",
        "segment",
        "amount",
        "count",
        "first_gift_ts",
        "row",
    )

    def __init__(self, click: dict[str, Any], segment: str, row: Any) -> None:
        self.click_id: str = click["id"]
        self.user_id: int = click["user_id"]
        self.streamer_id: int = click["streamer_id"]
        self.live_id: int = click["live_id"]
        self.ts: int = click["ts"]
        self.segment = segment
        self.amount = 0.0
        self.count = 0
        self.first_gift_ts: int | None = None
        self.row = row  # the click's features, carried to the training row when the window closes

    def credit(self, ts: int, amount: float) -> None:
        self.amount += amount
        self.count += 1
        if self.first_gift_ts is None:
            self.first_gift_ts = ts

    @property
    def first_gift_delay_ms(self) -> int | None:
        return None if self.first_gift_ts is None else self.first_gift_ts - self.ts

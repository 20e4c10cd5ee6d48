"""What one user has done with one streamer: the strongest signal for the next gift."""

from __future__ import annotations

from giftlive.compact_state import CompactState

PAIR_FEATURES: tuple[str, ...] = (
    "pair_clicks",
    "pair_watch_s",
    "pair_gift_count",
    "pair_gift_sum",
    "pair_gift_mean",
    "pair_since_gift_s",  # null when the pair never gifted
    "pair_since_click_s",  # null on the first click
)

NO_PAIR_HISTORY: tuple = (0, 0.0, 0, 0.0, 0.0, None, None)


class PairHistory(CompactState):
    """Counts and sums of one (user, streamer) pair; compact because Bytewax snapshots it."""

    __slots__ = (
        "impressions",
        "clicks",
        "watch_ms",
        "gift_count",
        "gift_sum",
        "last_gift_ts",
        "last_click_ts",
        "last_seen",
    )

    def __init__(self) -> None:
        self.impressions = 0  # shown and not clicked, since the pair's first click or gift (not a feature)
        self.clicks = 0
        self.watch_ms = 0
        self.gift_count = 0
        self.gift_sum = 0.0
        self.last_gift_ts: int | None = None
        self.last_click_ts: int | None = None
        self.last_seen = 0

    def features(self, now_ms: int) -> tuple:
        """PAIR_FEATURES at ``now_ms`` from the events learned so far."""
        return (
            self.clicks,
            self.watch_ms / 1000,
            self.gift_count,
            self.gift_sum,
            self.gift_sum / self.gift_count if self.gift_count else 0.0,
            None if self.last_gift_ts is None else (now_ms - self.last_gift_ts) / 1000,
            None if self.last_click_ts is None else (now_ms - self.last_click_ts) / 1000,
        )

    def learn_click(self, ts: int) -> None:
        self.clicks += 1
        self.last_click_ts = ts
        self.last_seen = ts

    def learn_dwell(self, ts: int, watch_ms: int) -> None:
        self.watch_ms += watch_ms
        self.last_seen = ts

    def learn_gift(self, ts: int, amount: float) -> None:
        self.gift_count += 1
        self.gift_sum += amount
        self.last_gift_ts = ts
        self.last_seen = ts

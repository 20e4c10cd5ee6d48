"""What one user has done across all streamers: spend level, recency and breadth."""

from __future__ import annotations

from features.decay import ZERO_DECAYED, add_decayed, decayed
from giftlive.compact_state import CompactState

USER_FEATURES: tuple[str, ...] = (
    "user_clicks",
    "user_watch_s",
    "user_gift_count",
    "user_gift_sum",
    "user_gift_mean",
    "user_streamers_gifted",
    "user_since_gift_s",  # null when the user never gifted
    "user_spend_1h",  # decayed spend, half-life 1 h
    "user_spend_24h",  # half-life 24 h
    "user_spend_7d",  # half-life 7 d
)

NO_USER_HISTORY: tuple = (0, 0.0, 0, 0.0, 0.0, 0, None, 0.0, 0.0, 0.0)


class UserHistory(CompactState):
    """Per-user counters plus the user's pairs, so one user's state expires as one unit."""

    __slots__ = (
        "impressions",
        "clicks",
        "watch_ms",
        "gift_count",
        "gift_sum",
        "gifted_streamers",
        "last_gift_ts",
        "spend",
        "spend_at",
        "last_seen",
        "pairs",
    )

    def __init__(self) -> None:
        self.impressions = 0  # shown and not clicked, since the user's entry began (not a feature column)
        self.clicks = 0
        self.watch_ms = 0
        self.gift_count = 0
        self.gift_sum = 0.0
        self.gifted_streamers: set[int] = set()
        self.last_gift_ts: int | None = None
        self.spend: tuple[float, ...] = ZERO_DECAYED
        self.spend_at = 0
        self.last_seen = 0
        self.pairs: dict = {}

    def features(self, now_ms: int) -> tuple:
        """USER_FEATURES at ``now_ms`` from the events learned so far."""
        spend = decayed(self.spend, self.spend_at, now_ms)
        return (
            self.clicks,
            self.watch_ms / 1000,
            self.gift_count,
            self.gift_sum,
            self.gift_sum / self.gift_count if self.gift_count else 0.0,
            len(self.gifted_streamers),
            None if self.last_gift_ts is None else (now_ms - self.last_gift_ts) / 1000,
            *spend,
        )

    def learn_click(self, ts: int) -> None:
        self.clicks += 1
        self.last_seen = ts

    def learn_dwell(self, ts: int, watch_ms: int) -> None:
        self.watch_ms += watch_ms
        self.last_seen = ts

    def learn_gift(self, ts: int, streamer_id: int, amount: float) -> None:
        self.gift_count += 1
        self.gift_sum += amount
        self.gifted_streamers.add(streamer_id)
        self.last_gift_ts = ts
        self.spend = add_decayed(self.spend, self.spend_at, ts, amount)
        self.spend_at = ts
        self.last_seen = ts

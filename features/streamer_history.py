"""What a streamer has received from everyone: demand, revenue and whether it is still cold."""

from __future__ import annotations

from features.decay import ZERO_DECAYED, add_decayed, decayed
from giftlive.compact_state import CompactState

# A streamer with fewer clicks than this in its (TTL-bounded) history counts as cold-start.
COLD_START_CLICKS = 10

STREAMER_FEATURES: tuple[str, ...] = (
    "streamer_clicks",
    "streamer_gift_count",
    "streamer_gift_sum",
    "streamer_gifters",  # distinct users who gifted
    "streamer_revenue_1h",  # decayed revenue, half-life 1 h
    "streamer_revenue_24h",
    "streamer_revenue_7d",
    "streamer_cold_start",  # 1 while clicks < COLD_START_CLICKS
)

NO_STREAMER_HISTORY: tuple = (0, 0, 0.0, 0, 0.0, 0.0, 0.0, 1)


class StreamerHistory(CompactState):
    __slots__ = ("clicks", "gift_count", "gift_sum", "gifters", "revenue", "revenue_at", "last_seen")

    def __init__(self) -> None:
        self.clicks = 0
        self.gift_count = 0
        self.gift_sum = 0.0
        self.gifters: set[int] = set()
        self.revenue: tuple[float, ...] = ZERO_DECAYED
        self.revenue_at = 0
        self.last_seen = 0

    def features(self, now_ms: int) -> tuple:
        """STREAMER_FEATURES at ``now_ms``."""
        return (
            self.clicks,
            self.gift_count,
            self.gift_sum,
            len(self.gifters),
            *decayed(self.revenue, self.revenue_at, now_ms),
            int(self.clicks < COLD_START_CLICKS),
        )

    def learn_click(self, ts: int) -> None:
        self.clicks += 1
        self.last_seen = ts

    def learn_gift(self, ts: int, user_id: int, amount: float) -> None:
        self.gift_count += 1
        self.gift_sum += amount
        self.gifters.add(user_id)
        self.revenue = add_decayed(self.revenue, self.revenue_at, ts, amount)
        self.revenue_at = ts
        self.last_seen = ts

"""Parameters of the synthetic KuaiLive world, calibrated to the published statistics.

Every number that shapes the world lives here, so the calibration is one readable place. The defaults
reproduce shared/kuailive-facts.md (checked by tests/replay/synth/test_calibration.py and printed side by
side by `giftlive data stats`).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import UTC, datetime

import numpy as np

# KuaiLive starts on 2025-05-05 00:00 China time (UTC+8).
EPOCH_MS = int(datetime(2025, 5, 4, 16, 0, tzinfo=UTC).timestamp() * 1000)
DAY_MS = 86_400_000
HOUR_MS = 3_600_000
CHINA_OFFSET_MS = 8 * HOUR_MS

# Platform gift price tiers (coins); a sampled price snaps to the nearest tier in log space.
GIFT_TIERS = np.array(
    [
        1,
        2,
        5,
        10,
        20,
        30,
        52,
        66,
        88,
        100,
        188,
        298,
        520,
        666,
        1000,
        1314,
        1488,
        2000,
        3344,
        5200,
        9999,
        13140,
        20000,
        52000,
    ],
    dtype=np.float64,
)

# Relative activity by China-time hour: quiet nights, an evening peak (viewers and streamers alike).
HOURLY_ACTIVITY = np.array(
    [
        0.9,
        0.6,
        0.35,
        0.2,
        0.15,
        0.15,
        0.25,
        0.45,
        0.6,
        0.7,
        0.75,
        0.8,
        0.9,
        0.85,
        0.8,
        0.8,
        0.85,
        0.9,
        1.0,
        1.15,
        1.35,
        1.5,
        1.45,
        1.2,
    ],
    dtype=np.float64,
)
# Gift log-odds lift by China-time hour: people give more in the late evening.
HOURLY_GIFT_LIFT = 0.25 * (HOURLY_ACTIVITY - HOURLY_ACTIVITY.mean()) / HOURLY_ACTIVITY.std()

CATEGORIES = ("chat", "game", "shop", "music", "dance", "outdoor", "food", "education")
LIVE_TYPES = (1, 2, 3)

# The demo keeps 15 streamers per user (KuaiLive: 19) so that, with 3,000 users, the share of streamers never
# gifted lands on KuaiLive's 92% like the other statistics; the full scale uses the real counts.
DEMO_SCALE = {"users": 3_000, "streamers": 45_000, "days": 21}


@dataclass(frozen=True)
class WorldParams:
    """Shape of the world. Scale-free: rates are per user, per streamer or per day."""

    users: int = DEMO_SCALE["users"]
    streamers: int = DEMO_SCALE["streamers"]
    days: int = DEMO_SCALE["days"]
    seed: int = 7

    # Viewers: feed requests (impressions) per user-day, heavy-tailed across users.
    impressions_per_user_day: float = 35.2
    activity_sigma: float = 1.0
    # Share of feed requests served from the user's favourites ~ Beta(a, b), mean 1/6 before the propensity
    # slope: most clicks are on rooms the feed found (KuaiLive: only 4.2% of clicks are on gifted pairs).
    loyalty_alpha: float = 1.0
    loyalty_beta: float = 5.0
    loyalty_propensity_slope: float = 0.8  # logit(loyalty) rises with gift propensity
    click_base: float = -1.25  # click log-odds for a non-favourite room
    click_favourite_lift: float = 1.2
    click_user_sigma: float = 0.6

    # Streamers: popularity drives the organic feed; most streamers are rarely shown.
    popularity_sigma: float = 1.6
    rooms_per_streamer_day: float = 1.22
    room_rate_sigma: float = 0.8
    room_rate_popularity_slope: float = 0.25  # popular streamers stream more
    room_minutes_median: float = 80.0
    room_minutes_sigma: float = 1.0
    room_minutes_popularity_slope: float = 0.3  # popular streamers stay live longer
    appeal_sigma: float = 0.7
    appeal_popularity_slope: float = 1.0  # the feed shows streamers who draw gifts: first visits convert
    capacity_median: float = 200.0  # concurrent viewers before gifting saturates (used counterfactually)

    # Favourites: the few streamers a user keeps coming back to.
    favourites_mean: float = 4.0
    favourite_popularity_power: float = 0.4
    affinity_mean: float = 0.4  # favourites gift more, yet first-time pairs still bring most revenue
    affinity_sigma: float = 1.2
    top_favourite_lift: float = 2.5
    pair_noise_sigma: float = 1.0

    # Gifting: log-odds = base + user propensity + streamer appeal + pair affinity + hour lift.
    gift_base: float = -9.1
    propensity_sigma: float = 1.9
    wealth_mean: float = -0.1  # log-price location of a user's gifts
    wealth_sigma: float = 2.3
    wealth_propensity_corr: float = 0.75
    price_sigma: float = 1.0  # spread of one user's gift prices around their wealth
    token_gift_share: float = 0.36  # share of gifts that are the 1-coin token, whatever the giver's wealth
    extra_gift_prob: float = 0.025  # chance of one more gift in the same session (repeatable)
    immediate_gift_share: float = 0.89
    delay_median_s: float = 4_000.0
    delay_sigma: float = 1.1
    delayed_price_lift: float = 0.55  # delayed gifts are larger (log-price shift)
    gift_after_leave_share: float = 0.1

    # Watching: most clicks are quick skips, engaged sessions last minutes to hours.
    engaged_base: float = -1.75
    engaged_favourite_lift: float = 1.2
    skip_median_s: float = 3.0
    skip_sigma: float = 1.1
    engaged_median_s: float = 900.0
    engaged_sigma: float = 1.3
    gift_watch_median_s: float = 300.0
    like_rate_engaged: float = 0.11
    like_rate_skip: float = 0.004
    comment_rate_engaged: float = 0.12
    comment_rate_skip: float = 0.004

    # Logging: a share of clicks never reached the click log (their gifts become orphans).
    click_log_loss: float = 0.07

    def scaled(self, **changes: object) -> WorldParams:
        return dataclasses.replace(self, **changes)

    @property
    def start_ms(self) -> int:
        return EPOCH_MS

    @property
    def end_ms(self) -> int:
        return EPOCH_MS + self.days * DAY_MS


def sample_china_times(params: WorldParams, n: int, rng: np.random.Generator) -> np.ndarray:
    """Epoch-ms times over the world's days; China-time hours drawn from HOURLY_ACTIVITY."""
    day = rng.integers(0, params.days, n)
    hour = rng.choice(24, size=n, p=HOURLY_ACTIVITY / HOURLY_ACTIVITY.sum())
    return params.start_ms + day * DAY_MS + hour * HOUR_MS + rng.integers(0, HOUR_MS, n)


def china_hour(ts_ms: np.ndarray) -> np.ndarray:
    """Hour of day (0..23) in China time for epoch-ms timestamps."""
    return ((np.asarray(ts_ms, dtype=np.int64) + CHINA_OFFSET_MS) // HOUR_MS) % 24

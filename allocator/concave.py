"""Concave returns: maximise sum_s g(V_s) over the streamers' value V_s instead of sum_s V_s.

V_s is the streamer's recent gift revenue (decayed, from the flow's final labels: what viewers actually
gave, the same in every decision shard), or with the "expected" basis what its viewers were expected to
give: the gift value per click of each user whose click got a final label (allocator/user_rates.py), which
counts who a streamer receives rather than the luck of a few large gifts. g(V) = kappa log(1 + V / kappa):
a request is valued by its marginal gain g'(V_s) x value = value / (1 + V_s / kappa), so a streamer who
already earns much gets the next big spender only when the spender's value there is much higher than
elsewhere. kappa is ``concave_kappa`` times the mean V of the streamers with a V (scale-free); 0 means
linear returns. The multipliers are set once per round, in event time. With ``concave_spenders`` the
returns bind only on the big spenders (allocator/value_policy.py): among the streamers who receive gifts,
who gives sets most of the revenue's concentration, and sending everyone else elsewhere costs revenue.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from features.decay import DAY_MS, decay_factor
from giftlive.compact_state import CompactState

FORGET_MS = 7 * DAY_MS


class StreamerReturns(CompactState):
    __slots__ = ("kappa_share", "basis", "half_life_ms", "revenue")

    def __init__(self, kappa_share: float, basis: str = "revenue", half_life_ms: int = DAY_MS) -> None:
        self.kappa_share = kappa_share
        self.basis = basis
        self.half_life_ms = half_life_ms
        self.revenue: dict[int, list[float]] = {}  # streamer -> [decayed revenue, at_ms]

    def learn_label(self, label: dict[str, Any], worth: float = 0.0) -> None:
        """Add a final label's gift value to its streamer (orphan gifts count too: they were given), or
        with the "expected" basis ``worth``, the clicking user's gift value per click before this label."""
        if label["kind"] == "provisional":
            return
        if self.basis == "revenue":
            value = float(label["amount"])
        else:  # an orphan gift has no click, so no clicker to expect anything of
            value = worth if label["kind"] == "final" else 0.0
        if not value:
            return
        entry = self.revenue.get(label["streamer_id"])
        ts = label["ts"]
        if entry is None:
            self.revenue[label["streamer_id"]] = [value, ts]
            return
        entry[0] = self._earned(entry, ts) + value
        entry[1] = max(entry[1], ts)

    def kappa(self, now_ms: int) -> float:
        """kappa at ``now_ms``: ``kappa_share`` x the mean decayed revenue of the streamers with revenue;
        0 with linear returns or no revenue yet."""
        if self.kappa_share <= 0 or not self.revenue:
            return 0.0
        values = [self._earned(entry, now_ms) for entry in self.revenue.values()]
        return self.kappa_share * float(np.mean(values))

    def marginal(self, streamers: np.ndarray, now_ms: int, kappa: float) -> np.ndarray:
        """``marginal_one`` of each streamer."""
        if kappa <= 0:
            return np.ones(streamers.size)
        return np.array([self.marginal_one(s, now_ms, kappa) for s in streamers.tolist()], dtype=float)

    def marginal_one(self, streamer_id: int, now_ms: int, kappa: float) -> float:
        """g'(V_s) = 1 / (1 + V_s / kappa) of the streamer at ``now_ms`` (1 when kappa is 0)."""
        if kappa <= 0:
            return 1.0
        entry = self.revenue.get(streamer_id)
        return 1.0 / (1.0 + (self._earned(entry, now_ms) if entry is not None else 0.0) / kappa)

    def _earned(self, entry: list[float], now_ms: int) -> float:
        """A streamer's revenue ([decayed revenue, at_ms]) as seen at ``now_ms``."""
        return entry[0] * decay_factor(max(now_ms - entry[1], 0), self.half_life_ms)

    def sweep(self, now_ms: int) -> None:
        for streamer in [s for s, (_v, at) in self.revenue.items() if at < now_ms - FORGET_MS]:
            del self.revenue[streamer]

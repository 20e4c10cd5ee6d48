"""Each streamer's gift multiplier theta: how many more (or fewer) gifts its viewers give than expected.

Per streamer, decayed sums over its labelled clicks of the gifts (the survival-corrected gift probability,
settled by the final label) and of the gifts expected from who clicked (each clicking user's gift rate,
allocator/user_rates.py). With a Gamma(shape, shape) prior on theta (mean 1), the posterior is

    theta_s ~ Gamma(shape + gifts_s, shape + scale x expected_s)

``fit`` sets the prior from the population (empirical Bayes, method of moments): ``scale`` makes the
multipliers average 1 over all gifts, and E[(g - e)^2] = e + e^2 / shape for Poisson counts with
Gamma-distributed rates gives ``shape``. A strong prior is what keeps one gift on a few clicks from
crowning a streamer: the multiplier counts gifts, never their size (the user's value carries the amount).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from allocator.posteriors import DEFAULT_HALF_LIFE_MS, FORGET_HALF_LIVES
from features.decay import decay_factor
from giftlive.compact_state import CompactState

_MIN_SHAPE, _MAX_SHAPE = 0.5, 200.0


class StreamerLifts(CompactState):
    __slots__ = ("half_life_ms", "streamers", "open_clicks", "shape", "scale")

    def __init__(self, half_life_ms: int = DEFAULT_HALF_LIFE_MS) -> None:
        self.half_life_ms = half_life_ms
        self.streamers: dict[int, list[float]] = {}  # streamer -> [gifts, expected, clicks, at_ms]
        self.open_clicks: dict[str, float] = {}  # click id -> gift probability applied so far
        self.shape = 2.0  # prior until the first fit
        self.scale = 1.0

    def learn_label(self, label: dict[str, Any], expected: float) -> None:
        """A provisional or final label; ``expected`` is the clicking user's gift rate, used at the click's
        first label only (a later label moves the gift mass by the change in its probability)."""
        if label["kind"] == "orphan":
            return
        entry = self._at(label["streamer_id"], label["ts"])
        q = float(label["gift_prob"])
        applied = self.open_clicks.get(label["click_id"])
        if applied is None:
            entry[0] += q
            entry[1] += expected
            entry[2] += 1.0
        else:
            entry[0] = max(0.0, entry[0] + q - applied)
        if label["kind"] == "final":
            self.open_clicks.pop(label["click_id"], None)
        else:
            self.open_clicks[label["click_id"]] = q

    def fit(self, now_ms: int) -> None:
        """Empirical-Bayes prior from every streamer's evidence, decayed to ``now_ms``."""
        if not self.streamers:
            return
        evidence = np.array([self._decayed(entry, now_ms) for entry in self.streamers.values()])
        gifts, expected = evidence[:, 0], evidence[:, 1]
        if gifts.sum() < 20 or expected.sum() <= 0:
            return  # too little evidence to fit
        scale = gifts.sum() / expected.sum()
        expected = scale * expected
        excess = ((gifts - expected) ** 2 - gifts).sum() / (expected**2).sum()
        self.scale = float(scale)
        self.shape = _MAX_SHAPE if excess <= 1 / _MAX_SHAPE else float(max(_MIN_SHAPE, 1 / excess))

    def posterior(self, streamers: np.ndarray, now_ms: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(shape, rate, clicks) of each streamer's Gamma posterior at ``now_ms``."""
        evidence = np.array(
            [self._decayed(self.streamers.get(s), now_ms) for s in streamers.tolist()], dtype=float
        ).reshape(-1, 3)
        shape = self.shape + evidence[:, 0]
        rate = self.shape + self.scale * evidence[:, 1]
        return shape, rate, evidence[:, 2]

    def sweep(self, now_ms: int) -> None:
        """Forget streamers not labelled for FORGET_HALF_LIVES half-lives (< 2 % of their evidence left)."""
        since = now_ms - FORGET_HALF_LIVES * self.half_life_ms
        for streamer_id in [s for s, entry in self.streamers.items() if entry[3] < since]:
            del self.streamers[streamer_id]

    def _at(self, streamer_id: int, now_ms: int) -> list[float]:
        entry = self.streamers.get(streamer_id)
        if entry is None:
            entry = self.streamers[streamer_id] = [0.0, 0.0, 0.0, now_ms]
        elif now_ms > entry[3]:
            d = decay_factor(now_ms - entry[3], self.half_life_ms)
            entry[0] *= d
            entry[1] *= d
            entry[2] *= d
            entry[3] = now_ms
        return entry

    def _decayed(self, entry: list[float] | None, now_ms: int) -> tuple[float, float, float]:
        if entry is None:
            return 0.0, 0.0, 0.0
        d = decay_factor(max(now_ms - entry[3], 0), self.half_life_ms)
        return entry[0] * d, entry[1] * d, entry[2] * d

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
    """The evidence is kept in numpy columns (one slot per streamer, the first ``size`` in use) so that a
    round's fit and draws decay every streamer's sums in a few array operations, with no Python call and
    no list conversion per streamer."""

    __slots__ = (
        "half_life_ms",
        "slot",
        "size",
        "ids",
        "gifts",
        "expected",
        "clicks",
        "at",
        "open_clicks",
        "shape",
        "scale",
    )

    def __init__(self, half_life_ms: int = DEFAULT_HALF_LIFE_MS) -> None:
        self.half_life_ms = half_life_ms
        self.slot: dict[int, int] = {}  # streamer -> its index in the columns below
        self.size = 0  # slots in use
        self.ids = np.zeros(64, dtype=np.int64)  # the streamer of each slot
        self.gifts = np.zeros(64)  # decayed gifts, as of ``at``
        self.expected = np.zeros(64)  # decayed gifts expected from who clicked, as of ``at``
        self.clicks = np.zeros(64)  # decayed labelled clicks, as of ``at``
        self.at = np.zeros(64, dtype=np.int64)  # event time of the slot's last update
        self.open_clicks: dict[str, float] = {}  # click id -> gift probability applied so far
        self.shape = 2.0  # prior until the first fit
        self.scale = 1.0

    def learn_label(self, label: dict[str, Any], expected: float) -> None:
        """A provisional or final label; ``expected`` is the clicking user's gift rate, used at the click's
        first label only (a later label moves the gift mass by the change in its probability)."""
        if label["kind"] == "orphan":
            return
        q = float(label["gift_prob"])
        applied = self.open_clicks.get(label["click_id"])
        if applied is None:
            self.add(label["streamer_id"], label["ts"], q, expected, 1.0)
        else:
            i = self._at(label["streamer_id"], label["ts"])
            self.gifts[i] = max(0.0, self.gifts[i] + q - applied)
        if label["kind"] == "final":
            self.open_clicks.pop(label["click_id"], None)
        else:
            self.open_clicks[label["click_id"]] = q

    def add(self, streamer_id: int, now_ms: int, gifts: float, expected: float, clicks: float) -> None:
        """Evidence of ``clicks`` new clicks on the streamer at ``now_ms``."""
        i = self._at(streamer_id, now_ms)
        self.gifts[i] += gifts
        self.expected[i] += expected
        self.clicks[i] += clicks

    def evidence(self, now_ms: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """(streamers, gifts, expected, clicks) of every streamer, decayed to ``now_ms``."""
        n = self.size
        d = self._decay(self.at[:n], now_ms)
        return self.ids[:n].copy(), self.gifts[:n] * d, self.expected[:n] * d, self.clicks[:n] * d

    def fit(self, now_ms: int) -> None:
        """Empirical-Bayes prior from every streamer's evidence, decayed to ``now_ms``."""
        if not self.size:
            return
        _ids, gifts, expected, _clicks = self.evidence(now_ms)
        if gifts.sum() < 20 or expected.sum() <= 0:
            return  # too little evidence to fit
        scale = gifts.sum() / expected.sum()
        expected = scale * expected
        excess = ((gifts - expected) ** 2 - gifts).sum() / (expected**2).sum()
        self.scale = float(scale)
        self.shape = _MAX_SHAPE if excess <= 1 / _MAX_SHAPE else float(max(_MIN_SHAPE, 1 / excess))

    def posterior(self, streamers: np.ndarray, now_ms: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(shape, rate, clicks) of each streamer's Gamma posterior at ``now_ms``."""
        slot = self.slot
        slots = np.array([slot.get(s, -1) for s in streamers.tolist()], dtype=np.int64)
        known = slots >= 0
        slots[~known] = 0  # read slot 0 (the columns are never empty) and zero it below
        d = self._decay(np.where(known, self.at[slots], now_ms), now_ms)
        gifts = np.where(known, self.gifts[slots], 0.0) * d
        expected = np.where(known, self.expected[slots], 0.0) * d
        clicks = np.where(known, self.clicks[slots], 0.0) * d
        return self.shape + gifts, self.shape + self.scale * expected, clicks

    def posterior_one(self, streamer_id: int, now_ms: int) -> tuple[float, float, float]:
        """``posterior`` of one streamer, in Python floats (a room start mid-round: no arrays to build)."""
        i = self.slot.get(streamer_id)
        if i is None:
            return self.shape, self.shape, 0.0
        d = decay_factor(max(now_ms - int(self.at[i]), 0), self.half_life_ms)
        return (
            self.shape + float(self.gifts[i]) * d,
            self.shape + self.scale * (float(self.expected[i]) * d),
            float(self.clicks[i]) * d,
        )

    def _decay(self, at: np.ndarray, now_ms: int) -> np.ndarray:
        """The weight left at ``now_ms`` of sums last updated at ``at`` (never above 1)."""
        return decay_factor(np.maximum(now_ms - at, 0), self.half_life_ms)

    def sweep(self, now_ms: int) -> None:
        """Forget streamers not labelled for FORGET_HALF_LIVES half-lives (< 2 % of their evidence left)."""
        since = now_ms - FORGET_HALF_LIVES * self.half_life_ms
        keep = np.flatnonzero(self.at[: self.size] >= since)
        if keep.size == self.size:
            return
        for name in ("ids", "gifts", "expected", "clicks", "at"):
            column = getattr(self, name)
            column[: keep.size] = column[keep]
        self.size = keep.size
        self.slot = {streamer: i for i, streamer in enumerate(self.ids[: self.size].tolist())}

    def _at(self, streamer_id: int, now_ms: int) -> int:
        """The streamer's slot, its sums decayed to ``now_ms`` (a new slot when it has none)."""
        i = self.slot.get(streamer_id)
        if i is None:
            i = self.slot[streamer_id] = self.size
            if i == self.ids.size:
                for name in ("ids", "gifts", "expected", "clicks", "at"):
                    column = getattr(self, name)
                    setattr(self, name, np.concatenate([column, np.zeros_like(column)]))
            self.size += 1
            self.ids[i], self.at[i] = streamer_id, now_ms
            self.gifts[i] = self.expected[i] = self.clicks[i] = 0.0
        elif now_ms > self.at[i]:
            d = decay_factor(now_ms - int(self.at[i]), self.half_life_ms)
            self.gifts[i] *= d
            self.expected[i] *= d
            self.clicks[i] *= d
            self.at[i] = now_ms
        return i

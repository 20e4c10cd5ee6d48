"""Online gift-value models (river), learned from the flow's labels as they come: no offline training needed.

- P(gift): standardised logistic regression. A provisional label (survival-corrected probability q) is
  ingested early as a soft label at ``early_weight`` (q of it as a gift, 1 - q as none); the final label
  corrects it late at full weight with the outcome. SGD cannot take back what it learned, so the early signal
  is down-weighted rather than undone.
- E[amount | gift]: standardised linear regression of log1p(amount) on gifted clicks (the first provisional
  label that already saw a gift at ``early_weight``, the final one at full weight), with Duan's smearing
  factor tracked online so expm1(prediction) x factor estimates a mean.

Features are the training table's (features/columns.py): heavy-tailed counts and sums enter as log1p,
missing values as 0 plus a missing flag, the category one-hot. ``learn_label`` is called with the click's
input (``prepare``: converted and standardised once, at the click) and each of its labels in event-time
order; ``predict_one`` uses only what was learned before.
"""

from __future__ import annotations

import math
from copy import deepcopy
from typing import Any

import numpy as np
from river import compose, linear_model, optim, preprocessing, stats

from features.columns import FEATURES

_CATEGORICAL = {"category"}
_RAW = {"hour_cn", "weekday_cn", "streamer_cold_start", "live_type"}  # small ranges: no log
MAX_LOG = 20.0  # bound on a log amount or residual: keeps exp finite while SGD is still far off
Prepared = tuple[dict[str, float], dict[str, float]]  # a click's model input: raw and standardised


def to_x(features: tuple) -> dict[str, float]:
    """The feature tuple of a click as river's dict."""
    x: dict[str, float] = {}
    for name, value in zip(FEATURES, features, strict=True):
        if name in _CATEGORICAL:
            if value is not None:
                x[f"{name}={value}"] = 1.0
        elif value is None:
            x[name] = 0.0
            x[f"{name}_missing"] = 1.0
        elif name in _RAW:
            x[name] = float(value)
        else:
            x[name] = math.log1p(max(float(value), 0.0))
    return x


class OnlineGiftModel:
    def __init__(self, early_weight: float = 0.5) -> None:
        self.early_weight = early_weight
        # The gift model's scaler learns each click once (not at every label: that was most of river's
        # cost); the amount model keeps its own, learned on gifted clicks only, whose features differ.
        self.scaler = preprocessing.StandardScaler()
        self.gift = linear_model.LogisticRegression(optimizer=optim.SGD(0.005), l2=1e-5)
        self.log_amount = compose.Pipeline(
            preprocessing.StandardScaler(),
            linear_model.LinearRegression(
                optimizer=optim.SGD(0.01), intercept_init=math.log1p(10.0), clip_gradient=1.0
            ),
        )
        self.smearing = stats.Mean()
        self.early_seen: set[str] = set()  # clicks whose early label was ingested, until their final one

    def prepare(self, features: tuple) -> Prepared:
        """A new click's model input: its features, raw and standardised, the gift scaler having learned
        them (features only, never labels). Call once per click; keep the result for its labels."""
        x = to_x(features)
        self.scaler.learn_one(x)
        return x, self.scaler.transform_one(x)

    def scaled(self, features: tuple) -> Prepared:
        """Model input for a what-if click, without teaching the scaler."""
        x = to_x(features)
        return x, self.scaler.transform_one(x)

    def learn_label(self, prepared: Prepared, label: dict[str, Any]) -> None:
        """One provisional or final label of a click (labels/records.py) with the click's ``prepare``d input;
        orphans and later provisional labels of a click are skipped."""
        kind, click = label["kind"], label["click_id"]
        if kind == "provisional":
            if click in self.early_seen or label["gift_prob"] is None:
                return
            self.early_seen.add(click)
            weight, q = self.early_weight, float(label["gift_prob"])
        elif kind == "final":
            self.early_seen.discard(click)
            weight, q = 1.0, float(label["gift_prob"])
        else:
            return
        x, standardised = prepared
        if q > 0:
            self.gift.learn_one(standardised, True, w=weight * q)
        if q < 1:
            self.gift.learn_one(standardised, False, w=weight * (1 - q))
        if label["count"] and label["amount"] > 0:
            target = math.log1p(label["amount"])
            if kind == "final":
                residual = target - self.log_amount.predict_one(x)
                self.smearing.update(math.exp(min(max(residual, -MAX_LOG), MAX_LOG)))
            self.log_amount.learn_one(x, target, w=weight)

    def snapshot(self) -> OnlineGiftModel:
        """An independent copy that predicts exactly as this model does now (for the decision stage), without
        the bookkeeping of clicks still waiting for their final label."""
        early_seen, self.early_seen = self.early_seen, set()
        try:
            return deepcopy(self)
        finally:
            self.early_seen = early_seen

    def values(self, rows: list[tuple]) -> np.ndarray:
        """Expected gift value of a what-if click with each FEATURES tuple (nothing is learned)."""
        return np.array([self.predict_one(self.scaled(row))[2] for row in rows])

    def predict_one(self, prepared: Prepared) -> tuple[float, float, float]:
        """(P(gift), E[amount | gift], expected value) of a click from its ``prepare``d input."""
        x, standardised = prepared
        p = self.gift.predict_proba_one(standardised).get(True, 0.0)
        factor = self.smearing.get() if self.smearing.n else 1.0
        log_amount = min(max(self.log_amount.predict_one(x), 0.0), MAX_LOG)
        amount = math.expm1(log_amount) * factor
        return p, amount, p * amount

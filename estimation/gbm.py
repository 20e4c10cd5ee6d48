"""LightGBM estimators of a click's gift value, all on the same clicks and split:

- direct: one regressor of the attributed amount, on the raw amount or on log1p(amount) (then expm1 with
  Duan's smearing factor so the prediction is a mean, not a median);
- two-stage: P(gift) classifier x E[amount | gift] regressor (log1p target on gifted clicks, smeared).

Each is early-stopped on the validation days. ``predict`` gives the expected amount of every click; the
two-stage model also gives P(gift).
"""

from __future__ import annotations

from dataclasses import dataclass

import lightgbm as lgb
import numpy as np

from estimation.dataset import CATEGORICAL, Clicks
from features.columns import FEATURES

PARAMS = {
    "learning_rate": 0.05,
    "num_leaves": 31,
    "min_data_in_leaf": 100,
    "feature_fraction": 0.9,
    "bagging_fraction": 0.8,
    "bagging_freq": 1,
    "lambda_l2": 1.0,
    "verbose": -1,
    "seed": 7,
    "deterministic": True,
    "force_row_wise": True,
    "num_threads": 2,
}
ROUNDS = 2_000
PATIENCE = 50


def _dataset(data: Clicks, target: np.ndarray, reference: lgb.Dataset | None = None) -> lgb.Dataset:
    return lgb.Dataset(
        data.features,
        label=target,
        feature_name=list(FEATURES),
        categorical_feature=list(CATEGORICAL),
        reference=reference,
        free_raw_data=False,
    )


def _fit(
    objective: str, train: Clicks, train_y: np.ndarray, valid: Clicks, valid_y: np.ndarray
) -> lgb.Booster:
    train_set = _dataset(train, train_y)
    valid_set = _dataset(valid, valid_y, reference=train_set)
    return lgb.train(
        {**PARAMS, "objective": objective},
        train_set,
        num_boost_round=ROUNDS,
        valid_sets=[valid_set],
        callbacks=[lgb.early_stopping(PATIENCE, verbose=False)],
    )


def _smearing(booster: lgb.Booster, data: Clicks, log_target: np.ndarray) -> float:
    """Duan's factor: mean of exp(residual) on the log scale, so expm1(prediction) x factor is a mean."""
    residual = log_target - booster.predict(data.features, num_iteration=booster.best_iteration)
    return float(np.mean(np.exp(residual)))


@dataclass
class Direct:
    booster: lgb.Booster
    log_target: bool
    smearing: float = 1.0

    @classmethod
    def fit(cls, train: Clicks, valid: Clicks, log_target: bool) -> Direct:
        transform = np.log1p if log_target else (lambda a: a)
        booster = _fit("regression", train, transform(train.amount), valid, transform(valid.amount))
        smearing = _smearing(booster, train, np.log1p(train.amount)) if log_target else 1.0
        return cls(booster, log_target, smearing)

    def predict(self, features: np.ndarray) -> np.ndarray:
        raw = self.booster.predict(features, num_iteration=self.booster.best_iteration)
        if self.log_target:
            return np.maximum(np.expm1(raw) * self.smearing, 0.0)
        return np.maximum(raw, 0.0)


@dataclass
class TwoStage:
    classifier: lgb.Booster
    amount: lgb.Booster
    smearing: float

    @classmethod
    def fit(cls, train: Clicks, valid: Clicks) -> TwoStage:
        classifier = _fit("binary", train, train.gifted, valid, valid.gifted)
        gifted_train, gifted_valid = train.take(train.gifted > 0), valid.take(valid.gifted > 0)
        amount = _fit(
            "regression",
            gifted_train,
            np.log1p(gifted_train.amount),
            gifted_valid,
            np.log1p(gifted_valid.amount),
        )
        return cls(classifier, amount, _smearing(amount, gifted_train, np.log1p(gifted_train.amount)))

    def p_gift(self, features: np.ndarray) -> np.ndarray:
        return self.classifier.predict(features, num_iteration=self.classifier.best_iteration)

    def amount_if_gift(self, features: np.ndarray) -> np.ndarray:
        log_amount = self.amount.predict(features, num_iteration=self.amount.best_iteration)
        return np.maximum(np.expm1(log_amount) * self.smearing, 0.0)

    def predict(self, features: np.ndarray) -> np.ndarray:
        return self.p_gift(features) * self.amount_if_gift(features)

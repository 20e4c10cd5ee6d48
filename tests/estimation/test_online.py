"""The online (river) gift model learns from labels alone: soft early labels, final corrections, amounts."""

from __future__ import annotations

import numpy as np
import pytest

from estimation.online import OnlineGiftModel, to_x
from evaluation.metrics import roc_auc
from features.columns import FEATURES
from tests.loyal_gifters import teach_loyal_gifters

BASE = {name: 0 for name in FEATURES} | {"category": "game", "pair_since_gift_s": None}


def features(**values: float) -> tuple:
    return tuple((BASE | values)[name] for name in FEATURES)


def label(click: str, kind: str, q: float | None, amount: float = 0.0) -> dict:
    return {"kind": kind, "click_id": click, "gift_prob": q, "amount": amount, "count": int(amount > 0)}


def test_features_become_a_river_dict():
    x = to_x(features(pair_gift_sum=99.0, hour_cn=20))
    assert x["pair_gift_sum"] == pytest.approx(np.log1p(99.0)) and x["hour_cn"] == 20
    assert x["pair_since_gift_s_missing"] == 1.0 and x["category=game"] == 1.0


def test_it_learns_who_gifts_and_how_much_from_final_labels():
    model = OnlineGiftModel()
    teach_loyal_gifters(
        model,
        lambda loyal: features(pair_gift_count=5 if loyal else 0, pair_gift_sum=500.0 if loyal else 0.0),
        20_000,
        seed=3,
    )
    p_loyal, amount_loyal, _ = model.predict_one(
        model.scaled(features(pair_gift_count=5, pair_gift_sum=500.0))
    )
    p_new, amount_new, _ = model.predict_one(model.scaled(features()))
    assert p_loyal == pytest.approx(0.3, abs=0.05) and p_new == pytest.approx(0.02, abs=0.02)
    assert amount_loyal > 10 * amount_new
    scores = [
        model.predict_one(model.scaled(features(pair_gift_count=c, pair_gift_sum=c * 100.0)))[2]
        for c in (0, 5)
    ]
    assert roc_auc([0, 1], scores) == 1.0


def test_soft_early_labels_count_once_per_click_and_alone_converge_to_their_probability():
    model = OnlineGiftModel(early_weight=1.0)
    x = features(user_clicks=3)
    for i in range(5_000):
        model.learn_label(model.prepare(x), label(f"c{i}", "provisional", 0.3))
        model.learn_label(
            model.scaled(x), label(f"c{i}", "provisional", 0.9)
        )  # a later point of the same click: skipped
    assert model.predict_one(model.scaled(x))[0] == pytest.approx(0.3, abs=0.03)
    assert model.early_seen == {f"c{i}" for i in range(5_000)}
    model.learn_label(model.prepare(x), label("c0", "final", 1.0, 20.0))
    assert "c0" not in model.early_seen


def test_it_predicts_before_learning_anything():
    model = OnlineGiftModel()
    p, amount, value = model.predict_one(model.scaled(features()))
    assert 0 < p < 1 and amount > 0 and value == pytest.approx(p * amount)

"""Streamer gift multipliers: each click counts once, amounts never crown a streamer, the empirical-Bayes
prior is recovered from a population."""

from __future__ import annotations

import numpy as np
import pytest

from allocator.streamer_lift import StreamerLifts

T0 = 1_746_374_400_000


def label(click: str, streamer: int, kind: str, q: float, amount: float = 0.0, ts: int = T0) -> dict:
    return {
        "kind": kind,
        "click_id": click,
        "user_id": 1,
        "streamer_id": streamer,
        "ts": ts,
        "gift_prob": q,
        "amount": amount,
        "count": int(amount > 0),
    }


def test_provisional_and_final_labels_of_one_click_add_up_to_one_click():
    lifts = StreamerLifts()
    lifts.learn_label(label("c", 5, "provisional", 0.3), expected=0.02)
    lifts.learn_label(label("c", 5, "provisional", 0.1), expected=0.5)  # expected is taken once
    lifts.learn_label(label("c", 5, "final", 1.0, 10.0), expected=0.5)
    streamers, gifts, expected, clicks = lifts.evidence(T0)
    assert streamers.tolist() == [5]
    assert (gifts[0], expected[0], clicks[0]) == pytest.approx((1.0, 0.02, 1.0))
    assert not lifts.open_clicks


def test_the_size_of_a_gift_does_not_move_the_multiplier():
    small, big = StreamerLifts(), StreamerLifts()
    for lifts, amount in ((small, 1.0), (big, 1000.0)):
        for i in range(20):
            lifts.learn_label(label(f"c{i}", 5, "final", float(i == 0), amount if i == 0 else 0.0), 0.02)
    assert np.allclose(small.posterior(np.array([5]), T0), big.posterior(np.array([5]), T0))


def test_fit_recovers_the_populations_spread_and_scale():
    rng = np.random.default_rng(3)
    lifts = StreamerLifts()
    true_shape, n_streamers, clicks = 2.0, 3000, 400
    theta = rng.gamma(true_shape, 1 / true_shape, n_streamers)
    for s in range(n_streamers):
        gifts = rng.poisson(theta[s] * 0.03 * clicks)  # users gift at 3 % per click; rates said 2 %
        lifts.add(s, T0, float(gifts), 0.02 * clicks, float(clicks))
    lifts.fit(T0)
    assert lifts.scale == pytest.approx(1.5, rel=0.05)
    assert lifts.shape == pytest.approx(true_shape, rel=0.25)
    shape, rate, _ = lifts.posterior(np.arange(n_streamers), T0)
    assert np.corrcoef(shape / rate, theta)[0, 1] > 0.8

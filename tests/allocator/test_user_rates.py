"""Users' gift rates from final labels, and the population's."""

from __future__ import annotations

import pytest

from allocator.user_rates import UserRates

T0 = 1_746_374_400_000


def label(click: str, streamer: int, kind: str, q: float, amount: float = 0.0) -> dict:
    return {
        "kind": kind,
        "click_id": click,
        "user_id": 1,
        "streamer_id": streamer,
        "ts": T0,
        "gift_prob": q,
        "amount": amount,
        "count": int(amount > 0),
    }


def test_user_rates_count_final_labels_and_fall_back_to_kuailive_rates_early():
    rates = UserRates(strength=10)
    assert rates.population().gift_rate == pytest.approx(0.0148)
    for i in range(200):
        rates.learn_label(label(f"c{i}", 5, "provisional", 0.5))  # not counted
        rates.learn_label(label(f"c{i}", 5, "final", 1.0 if i < 20 else 0.0, 5.0 if i < 20 else 0.0))
    population = rates.population()
    assert population.gift_rate == pytest.approx(0.1)
    assert population.value_per_click == pytest.approx(0.5)
    assert rates.gift_rate(1, population) == pytest.approx((20 + 10 * 0.1) / 210)
    assert rates.gift_rate(2, population) == pytest.approx(0.1)
    rates.sweep(T0 + 8 * 86_400_000)
    assert rates.gift_rate(1, population) == pytest.approx(0.1)

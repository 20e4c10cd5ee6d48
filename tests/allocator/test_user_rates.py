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


def test_user_rates_count_final_labels_shrunk_toward_kuailive_rates():
    rates = UserRates(strength=10)
    assert rates.population().gift_rate == pytest.approx(0.0148)
    for i in range(200):
        rates.learn_label(label(f"c{i}", 5, "provisional", 0.5))  # not counted
        rates.learn_label(label(f"c{i}", 5, "final", 1.0 if i < 20 else 0.0, 5.0 if i < 20 else 0.0))
    population = rates.population()
    assert population.gift_rate == pytest.approx((20 + 100 * 0.0148) / 300)
    assert population.value_per_click == pytest.approx((100 + 100 * 1.22) / 300)
    assert rates.gift_rate(1, population) == pytest.approx((20 + 10 * population.gift_rate) / 210)
    assert rates.gift_rate(2, population) == pytest.approx(population.gift_rate)
    rates.sweep(T0 + 8 * 86_400_000)
    assert rates.gift_rate(1, population) == pytest.approx(population.gift_rate)


def test_before_the_first_gift_the_population_is_still_worth_something():
    """A flow's first hours: hundreds of final labels and no gift yet. The rates were 0 then, every room
    was worth 0 and every user got the first live room."""
    rates = UserRates(strength=10)
    for i in range(500):
        rates.learn_label(label(f"c{i}", 5, "final", 0.0))
    population = rates.population()
    assert 0 < population.gift_rate < 0.0148 and 0 < population.value_per_click < 1.22

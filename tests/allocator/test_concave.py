"""Concave returns: a streamer's recent revenue discounts it, scale-free; linear returns discount nothing."""

from __future__ import annotations

import numpy as np
import pytest

from allocator.concave import DAY_MS, StreamerReturns

T0 = 1_746_374_400_000


def label(streamer: int, amount: float, kind: str = "final", ts: int = T0) -> dict:
    return {"kind": kind, "streamer_id": streamer, "amount": amount, "ts": ts}


def test_the_marginal_return_falls_with_recent_revenue_and_recovers_as_it_decays():
    returns = StreamerReturns(kappa_share=1.0)
    returns.learn_label(label(1, 300.0))
    returns.learn_label(label(2, 100.0))
    returns.learn_label(label(2, 50.0, kind="provisional"))  # not revenue yet
    kappa = returns.kappa(T0)
    assert kappa == pytest.approx(200.0)
    assert returns.marginal(np.array([1, 2, 3]), T0, kappa) == pytest.approx([1 / 2.5, 1 / 1.5, 1.0])
    later = T0 + 3 * DAY_MS  # three half-lives
    assert returns.marginal(np.array([1]), later, kappa) == pytest.approx([1 / (1 + 300 / 8 / 200)])


def test_revenue_in_other_units_gives_the_same_multipliers():
    coins, cents = StreamerReturns(3.0), StreamerReturns(3.0)
    for streamer, amount in ((1, 500.0), (2, 20.0), (3, 1.0)):
        coins.learn_label(label(streamer, amount))
        cents.learn_label(label(streamer, 100 * amount))
    streamers = np.array([1, 2, 3, 4])
    assert coins.marginal(streamers, T0, coins.kappa(T0)) == pytest.approx(
        cents.marginal(streamers, T0, cents.kappa(T0))
    )


def test_linear_returns_discount_nothing():
    returns = StreamerReturns(kappa_share=0.0)
    returns.learn_label(label(1, 1e6))
    assert returns.kappa(T0) == 0.0
    assert returns.marginal(np.array([1]), T0, 0.0) == pytest.approx([1.0])


def test_the_expected_basis_counts_who_a_streamer_receives_not_the_luck_of_their_gifts():
    returns = StreamerReturns(kappa_share=1.0, basis="expected")
    returns.learn_label(label(1, 0.0), worth=50.0)  # a big spender's click, no gift this time
    returns.learn_label(label(2, 5_000.0), worth=1.0)  # a small spender's lucky gift
    returns.learn_label(label(2, 900.0, kind="orphan"), worth=1.0)  # no click: nothing expected
    returns.learn_label(label(3, 0.0, kind="provisional"), worth=9.0)  # not final yet
    marginal = returns.marginal(np.array([1, 2, 3]), T0, returns.kappa(T0))
    assert marginal == pytest.approx([1 / (1 + 50 / 25.5), 1 / (1 + 1 / 25.5), 1.0])

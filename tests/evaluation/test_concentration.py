import numpy as np
import pytest

from evaluation.concentration import gini, spread_gini, top_share


def test_gini_equal_is_zero():
    assert gini(np.ones(10)) == pytest.approx(0.0)


def test_gini_one_holder():
    # One of n holds everything: G = (n-1)/n.
    assert gini(np.array([0, 0, 0, 10.0])) == pytest.approx(0.75)


def test_gini_hand_computed():
    # x = 1,2,3,4: G = sum|xi-xj| / (2 n^2 mean) = 20 / (2*16*2.5) = 0.25
    assert gini(np.array([4.0, 1, 3, 2])) == pytest.approx(0.25)


def test_top_share():
    values = np.array([50.0] + [1.0] * 99)
    assert top_share(values, 0.01) == pytest.approx(50 / 149)
    assert top_share(values, 0.10) == pytest.approx(59 / 149)


def test_empty_and_zero():
    assert gini(np.array([])) == 0.0
    assert top_share(np.zeros(3), 0.5) == 0.0


def test_the_spread_gini_is_what_the_amounts_alone_give_whoever_receives_them():
    rng = np.random.default_rng(3)
    holders = rng.integers(0, 100, 20_000)
    assert spread_gini(holders, np.ones(holders.size)) < 0.05  # equal amounts, many each: near equal
    heavy = rng.pareto(1.2, 300) + 1  # a few heavy-tailed gifts per holder
    few = rng.integers(0, 100, 300)
    assert 0.4 < spread_gini(few, heavy) < 0.9
    # one holder takes every large amount: its Gini is far above the amounts' own
    piled = np.where(heavy > np.quantile(heavy, 0.9), 0, few)
    totals = np.bincount(piled, heavy)
    assert gini(totals[totals > 0]) > spread_gini(piled, heavy) + 0.1
    assert spread_gini(few, heavy) == spread_gini(few, heavy)  # seeded: the same figure every time
    assert spread_gini(np.array([], dtype=int), np.array([])) == 0.0

import numpy as np
import pytest

from evaluation.concentration import gini, top_share


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

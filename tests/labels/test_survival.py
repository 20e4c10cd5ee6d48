"""DelaySurvival and the correction formula against hand-computed values."""

from __future__ import annotations

import pytest

from labels.survival import (
    PRIOR_CLICKS,
    PRIOR_GIFT_RATE,
    PRIOR_GIFTS,
    DelaySurvival,
    corrected_gift_probability,
)


def test_correction_formula():
    assert corrected_gift_probability(0.1, 1.0) == pytest.approx(0.1)  # nothing observed yet
    assert corrected_gift_probability(0.1, 0.0) == 0.0  # every gift would have shown by now
    assert corrected_gift_probability(0.2, 0.5) == pytest.approx(0.1 / (0.1 + 0.8))


def test_survival_is_the_share_of_gifted_clicks_whose_first_gift_came_later():
    model = DelaySurvival(window_ms=3_600_000)
    for delay in [0] * 60 + [30_000] * 20 + [600_000] * 20:
        model.learn_one("s", delay, 10.0)
    for _ in range(900):
        model.learn_one("s", None, 0.0)
    prior = PRIOR_GIFTS * model._prior_survival(60_000)
    assert model.survival("s", 60_000) == pytest.approx((20 + prior) / (100 + PRIOR_GIFTS))
    # at a grid point below the 30 s delays every one of them is still to come
    assert model.survival("s", 20_000) == pytest.approx(
        (40 + PRIOR_GIFTS * model._prior_survival(20_000)) / 105
    )
    assert model.survival("s", 3_600_000) == pytest.approx(0.0)
    assert model.base_rate("s") == pytest.approx(
        (100 + PRIOR_GIFT_RATE * PRIOR_CLICKS) / (1000 + PRIOR_CLICKS)
    )


def test_survival_interpolates_inside_a_bin_and_never_increases():
    model = DelaySurvival(window_ms=3_600_000)
    for delay in (1_500, 45_000, 90_000, 1_000_000, 3_000_000):
        model.learn_one("s", delay, 1.0)
    values = [model.survival("s", e) for e in range(0, 3_600_001, 10_000)]
    assert all(a >= b - 1e-12 for a, b in zip(values, values[1:], strict=False))
    # 45 s lies in the (30 s, 60 s] bin: at 45 s half of that bin's mass is still to come
    late_at_45 = model._later_than(model.segments["s"].delays, 45_000)
    assert late_at_45 == pytest.approx(3 + 0.5)


def test_segments_are_learned_apart_and_fall_back_to_the_prior():
    model = DelaySurvival(window_ms=3_600_000)
    model.learn_one("pair_gifted", 0, 5.0)
    assert model.base_rate("new") == pytest.approx(PRIOR_GIFT_RATE)
    assert model.base_rate("pair_gifted") > model.base_rate("new")
    assert model.late_amount("never-seen", 0) == pytest.approx(20.0)

"""Gift amounts modelled per giver from the history: shrunk means, the population's for strangers, and a
reward whose median stays near its mean where the realised amounts' does not."""

from __future__ import annotations

import numpy as np
import pytest

from evaluation.amount_model import UserAmounts, modelled_rewards


def test_each_givers_mean_is_shrunk_to_the_populations_and_strangers_get_the_populations():
    users = np.array([7, 7, 7, 3])
    amounts = np.array([10.0, 20.0, 30.0, 2.0])
    model = UserAmounts.fit(users, amounts, strength=2.0)
    prior = amounts.mean()  # 15.5
    expected = [(60 + 2 * prior) / 5, (2 + 2 * prior) / 3, prior, prior]
    np.testing.assert_allclose(model.predict(np.array([7, 3, 5, 1_000])), expected)
    np.testing.assert_allclose(
        modelled_rewards(np.array([0, 2, 1]), np.array([7, 7, 99]), model), [0.0, 2 * expected[0], prior]
    )


@pytest.mark.parametrize(
    ("users", "amounts", "strength", "message"),
    [
        (np.array([1, 2]), np.array([1.0]), 5.0, "2 givers for 1 gift amounts"),
        (np.array([], dtype=int), np.array([]), 5.0, "no gifts"),
        (np.array([1]), np.array([1.0]), 0.0, "strength must be positive"),
    ],
)
def test_bad_histories_are_refused(users, amounts, strength, message):
    with pytest.raises(ValueError, match=message):
        UserAmounts.fit(users, amounts, strength)


def test_a_week_short_of_the_rare_large_gifts_keeps_its_value_with_modelled_amounts():
    """Each gift's amount log-normal around its giver's wealth (sd 2 in logs): the summed realised amounts
    of a week of 40 gifts sit mostly below their expectation (the week lacks the rare large gifts); with
    each gift's amount its giver's mean from an earlier, larger history, the median is near it."""
    rng = np.random.default_rng(5)
    wealth = rng.normal(1.0, 1.0, 400)  # log-amount location per user
    history_users = rng.integers(0, 400, 40_000)
    model = UserAmounts.fit(history_users, np.exp(wealth[history_users] + rng.normal(0, 2, 40_000)))
    truth = 40 * np.exp(wealth + 2.0).mean()  # 40 gifts by uniformly drawn users; E[amount] = e^(w + 2)
    realised, modelled = [], []
    for _ in range(300):
        users = rng.integers(0, 400, 40)
        realised.append(np.exp(wealth[users] + rng.normal(0, 2, 40)).sum())
        modelled.append(modelled_rewards(np.ones(40), users, model).sum())
    assert np.median(realised) / truth < 0.75  # the realised week's median misses the tail
    assert abs(np.median(modelled) / truth - 1) < 0.1
    assert abs(np.mean(modelled) / truth - 1) < 0.1

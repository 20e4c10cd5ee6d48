"""Gift amounts modelled per giver, leave-one-out: each session priced at its giver's mean over the other
sessions, shrunk to the log's mean gift; a week's value whose median stays near its mean where the realised
amounts' does not."""

from __future__ import annotations

import numpy as np
import pytest

from evaluation.amount_model import modelled_rewards


def test_a_session_is_priced_at_its_givers_mean_over_the_other_sessions():
    users = np.array([7, 7, 7, 3, 5])
    counts = np.array([1, 2, 0, 1, 0])
    sums = np.array([10.0, 50.0, 0.0, 2.0, 0.0])
    prior = 62.0 / 4  # the log's mean gift
    expected = [
        1 * (50 + 2 * prior) / (2 + 2),  # user 7 without this session: 50 over 2 gifts
        2 * (10 + 2 * prior) / (1 + 2),
        0.0,
        1 * (0 + 2 * prior) / (0 + 2),  # no other gift of user 3: the log's mean
        0.0,
    ]
    np.testing.assert_allclose(modelled_rewards(counts, sums, users, strength=2.0), expected)
    # The session's own amount never prices it.
    bigger = sums.copy()
    bigger[0] = 10_000.0
    assert modelled_rewards(counts, bigger, users, 2.0)[1] > expected[1]
    assert modelled_rewards(counts, bigger, users, 2.0)[0] != expected[0]  # only through the log's mean
    assert np.all(modelled_rewards(np.zeros(3), np.zeros(3), np.arange(3)) == 0)


@pytest.mark.parametrize(
    ("counts", "sums", "users", "strength", "message"),
    [
        ([1, 2], [1.0], [1, 2], 5.0, "one gift count, gift sum and user per session"),
        ([-1], [1.0], [1], 5.0, "non-negative"),
        ([1], [1.0], [1], 0.0, "strength must be positive"),
    ],
)
def test_bad_logs_are_refused(counts, sums, users, strength, message):
    with pytest.raises(ValueError, match=message):
        modelled_rewards(np.array(counts), np.array(sums), np.array(users), strength)


def test_a_week_short_of_the_rare_large_gifts_keeps_its_value_with_modelled_amounts():
    """A few gifts under large weights, each amount log-normal around its giver's wealth (sd 2 in logs):
    the weighted realised amounts of a week sit mostly below their expectation (the week lacks the rare
    large gifts); priced at each giver's mean over their many other sessions, the median is near it."""
    rng = np.random.default_rng(5)
    wealth = rng.normal(1.0, 1.0, 400)  # log-amount location per user
    truth = 40 * np.exp(wealth + 2.0).mean()  # 40 weighted gifts by uniformly drawn users; E = e^(w + 2)
    realised, modelled = [], []
    for _ in range(200):
        users = rng.integers(0, 400, 20_000)  # the week's sessions with one gift each ...
        amounts = np.exp(wealth[users] + rng.normal(0, 2, users.size))
        weighted = np.arange(40)  # ... of which 40 carry the weight
        realised.append(amounts[weighted].sum())
        modelled.append(modelled_rewards(np.ones(users.size), amounts, users)[weighted].sum())
    assert np.median(realised) / truth < 0.75  # the realised week's median misses the tail
    assert abs(np.median(modelled) / truth - 1) < 0.1
    assert abs(np.mean(modelled) / truth - 1) < 0.1

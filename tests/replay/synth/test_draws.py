"""KeyedDraws: the distributions asked for, and a session's draws independent of the sessions beside it."""

import numpy as np
import pytest

from replay.synth.draws import KeyedDraws
from replay.synth.params import WorldParams
from replay.synth.population import sample_population
from replay.synth.truth import GroundTruth

N = 200_000


def test_each_distribution_has_its_moments():
    draws = KeyedDraws(np.arange(N, dtype=np.uint64) * 7919)
    u = draws.random(N)
    assert u.min() > 0 and u.max() < 1 and abs(u.mean() - 0.5) < 0.005
    z = draws.standard_normal(N)
    assert abs(z.mean()) < 0.01 and abs(z.std() - 1) < 0.01
    g = draws.geometric(0.25, N)
    assert g.min() == 1 and abs(g.mean() - 4) < 0.05
    lam = np.full(N, 0.7)
    assert abs(draws.poisson(lam).mean() - 0.7) < 0.01
    assert abs(draws.poisson(lam).var() - 0.7) < 0.02
    x = draws.lognormal(1.0, 0.5, N)
    assert abs(np.log(x).mean() - 1.0) < 0.01


def test_a_sessions_draws_do_not_depend_on_the_sessions_beside_it():
    keys = np.array([11, 22, 33], dtype=np.uint64)
    alone = KeyedDraws(keys[1:2])
    crowd = KeyedDraws(keys)
    assert alone.random(1)[0] == crowd.random(3)[1]
    owners_alone, owners_crowd = np.array([0, 0, 0]), np.array([0, 1, 1, 1, 2])
    assert np.array_equal(alone.lognormal(0, 1, owners_alone), crowd.lognormal(0, 1, owners_crowd)[1:4])


def test_keyed_sessions_average_to_the_truths_expected_amount():
    params = WorldParams(seed=5).scaled(users=300, streamers=800, days=2)
    truth = GroundTruth(params, sample_population(params, np.random.default_rng(5)))
    user = int(truth.population.propensity.argmax())
    users = np.full(N, user, dtype=np.int64)
    streamers = np.full(N, 3, dtype=np.int64)
    ts = np.full(N, params.start_ms + 20 * 3_600_000, dtype=np.int64)
    sessions = truth.sample_session(users, streamers, ts, ts + 10**8, KeyedDraws(np.arange(N) * 31 + 1))
    amount = np.bincount(sessions.gift_click, weights=sessions.gift_amount, minlength=N)
    expected = truth.expected_amount(users[:1], streamers[:1], ts[:1])[0]
    assert amount.mean() == pytest.approx(expected, abs=3 * amount.std() / np.sqrt(N))

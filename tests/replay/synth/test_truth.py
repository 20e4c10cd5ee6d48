"""The ground truth answers what its own sampler does, for any pair, and survives a save/load."""

import numpy as np
import pytest

from replay.synth.params import HOUR_MS, WorldParams
from replay.synth.population import sample_population
from replay.synth.truth import GroundTruth, expected_tier_price, snap_to_tier

PARAMS = WorldParams(users=300, streamers=2_000, days=2, seed=3)


@pytest.fixture(scope="module")
def truth() -> GroundTruth:
    return GroundTruth(PARAMS, sample_population(PARAMS, np.random.default_rng(PARAMS.seed)))


def _favourite_pairs(truth: GroundTruth, n: int) -> tuple[np.ndarray, np.ndarray]:
    pop = truth.population
    owners = np.repeat(np.arange(pop.n_users), np.diff(pop.fav_ptr))
    pick = np.argsort(-pop.propensity[owners])[:n]  # the likeliest givers: measurable in few samples
    return owners[pick], pop.fav_streamer[pick]


def test_p_gift_and_expected_amount_match_the_sampler(truth):
    users, streamers = _favourite_pairs(truth, 8)
    reps = 40_000
    u, s = np.repeat(users, reps), np.repeat(streamers, reps)
    ts = np.full(u.size, PARAMS.start_ms + 20 * HOUR_MS)
    far_end = ts + 10**9  # the room outlives every gift
    sessions = truth.sample_session(u, s, ts, far_end, np.random.default_rng(0))
    gifted = np.zeros(u.size, dtype=bool)
    gifted[sessions.gift_click] = True
    amount = np.bincount(sessions.gift_click, weights=sessions.gift_amount, minlength=u.size)
    p_true = truth.p_gift(users, streamers, ts[:8])
    ev_true = truth.expected_amount(users, streamers, ts[:8])
    p_seen = gifted.reshape(8, reps).mean(axis=1)
    np.testing.assert_allclose(p_seen, p_true, rtol=0.05, atol=0.002)
    # Amounts are heavy-tailed: compare the pooled mean, which averages the tails out.
    assert amount.sum() / reps == pytest.approx(ev_true.sum(), rel=0.08)


@pytest.mark.parametrize("load_per_capacity", [0.5, 4.0])
def test_sampled_amount_under_load_matches_expected_amount(truth, load_per_capacity):
    users, streamers = _favourite_pairs(truth, 4)
    reps = 50_000
    u, s = np.repeat(users, reps), np.repeat(streamers, reps)
    ts = np.full(u.size, PARAMS.start_ms + 20 * HOUR_MS)
    load = load_per_capacity * truth.population.capacity[s]
    sessions = truth.sample_session(u, s, ts, ts + 10**9, np.random.default_rng(1), load=load)
    amount = np.bincount(sessions.gift_click, weights=sessions.gift_amount, minlength=u.size).reshape(4, reps)
    expected = truth.expected_amount(users, streamers, ts[:4], load.reshape(4, reps)[:, 0])
    sampled, standard_error = amount.mean(axis=1), amount.std(axis=1, ddof=1) / np.sqrt(reps)
    assert np.all(np.abs(sampled - expected) <= 3 * standard_error), (sampled, expected, standard_error)


def test_expected_tier_price_is_exact_for_a_point_mass():
    assert expected_tier_price(np.array([np.log(52.0)]), 1e-6)[0] == pytest.approx(52.0)
    assert snap_to_tier(np.log(np.array([1.2, 60.0, 1400.0]))).tolist() == [1.0, 66.0, 1488.0]


def test_truth_answers_for_pairs_never_seen_and_is_deterministic(truth):
    u = np.array([0, 5, 299])
    s = np.array([1999, 7, 0])
    ts = np.full(3, PARAMS.start_ms)
    first = truth.p_gift(u, s, ts)
    assert np.all((first > 0) & (first < 1))
    np.testing.assert_array_equal(first, truth.p_gift(u, s, ts))


def test_load_saturates_gifting_past_capacity(truth):
    u, s = np.array([1, 1]), np.array([3, 3])
    ts = np.full(2, PARAMS.start_ms)
    capacity = truth.population.capacity[3]
    p = truth.p_gift(u, s, ts, load=np.array([capacity / 2, capacity * 3]))
    assert p[0] == pytest.approx(truth.p_gift(u[:1], s[:1], ts[:1])[0])
    assert p[1] == pytest.approx(p[0] / 3)


def test_save_and_load_round_trip(truth, tmp_path):
    truth.save(tmp_path)
    loaded = GroundTruth.load(tmp_path)
    u, s = np.arange(50), np.arange(50) * 7
    ts = np.full(50, PARAMS.start_ms + 5 * HOUR_MS)
    np.testing.assert_array_equal(loaded.expected_amount(u, s, ts), truth.expected_amount(u, s, ts))
    assert loaded.params == truth.params


def test_load_without_truth_is_a_clear_error(tmp_path):
    from giftlive.errors import UserError

    with pytest.raises(UserError, match="no ground truth"):
        GroundTruth.load(tmp_path)

"""The logging policy's recorded propensities are the probabilities it really used."""

import numpy as np
import pytest

from replay.synth.feed import OrganicFeed
from replay.synth.params import HOUR_MS, WorldParams
from replay.synth.population import sample_population
from replay.synth.rooms import sample_rooms

PARAMS = WorldParams(users=50, streamers=400, days=1, seed=5)


@pytest.fixture(scope="module")
def feed() -> OrganicFeed:
    rng = np.random.default_rng(PARAMS.seed)
    pop = sample_population(PARAMS, rng)
    return OrganicFeed(pop, sample_rooms(PARAMS, pop.room_rate, pop.room_minutes, rng))


def _live_rooms(feed: OrganicFeed, t: int) -> np.ndarray:
    return np.flatnonzero((feed.rooms.start <= t) & (t < feed.rooms.end))


def test_propensities_over_all_live_rooms_sum_to_one(feed):
    t = PARAMS.start_ms + 21 * HOUR_MS
    live = _live_rooms(feed, t)
    assert live.size > 5
    for user in range(10):
        p = feed.propensity(np.full(live.size, user), np.full(live.size, t), live)
        assert p.sum() == pytest.approx(1.0, abs=1e-9)


def test_served_frequencies_match_propensities(feed):
    t = PARAMS.start_ms + 21 * HOUR_MS
    user = int(np.argmax(feed.population.loyalty))  # a loyal user mixes both branches
    n = 60_000
    served = feed.serve(np.full(n, user), np.full(n, t), np.random.default_rng(1))
    assert served.request.size == n
    rooms, counts = np.unique(served.room, return_counts=True)
    expected = feed.propensity(np.full(rooms.size, user), np.full(rooms.size, t), rooms)
    np.testing.assert_allclose(counts / n, expected, atol=0.01)
    # The propensity recorded with each impression is the policy's probability of that room.
    recorded = dict(zip(served.room.tolist(), served.propensity.tolist(), strict=False))
    for room, p in zip(rooms.tolist(), expected.tolist(), strict=True):
        assert recorded[room] == pytest.approx(p)


def test_rooms_of_one_streamer_never_overlap(feed):
    r = feed.rooms
    same = r.streamer[1:] == r.streamer[:-1]
    assert np.all(r.start[1:][same] >= r.end[:-1][same])
    assert np.all(r.end > r.start)


def test_not_live_room_has_zero_propensity(feed):
    t = PARAMS.start_ms + 21 * HOUR_MS
    dead = np.flatnonzero(~((feed.rooms.start <= t) & (t < feed.rooms.end)))[:5]
    assert np.all(feed.propensity(np.zeros(dead.size, dtype=np.int64), np.full(dead.size, t), dead) == 0)

"""The first allocation policy: caps hold, propensities are honest, reruns repeat, cold-start gets a floor."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pytest

from allocator.load import AllocationLoad
from allocator.policy import Candidate, PolicyConfig, choose
from allocator.posteriors import PosteriorBook

MIN = 60_000


def book_with(values: dict[int, tuple[int, int, float]]) -> PosteriorBook:
    """streamer -> (gifted clicks, clicks, amount of each gift) as final labels."""
    book = PosteriorBook()
    for streamer, (gifted, clicks, amount) in values.items():
        for i in range(clicks):
            gift = i < gifted
            book.learn_label(
                {
                    "kind": "final",
                    "click_id": f"{streamer}-{i}",
                    "streamer_id": streamer,
                    "ts": 0,
                    "gift_prob": float(gift),
                    "amount": amount if gift else 0.0,
                    "count": int(gift),
                }
            )
    return book


def test_capacity_and_frequency_caps_hold_and_release_with_event_time():
    config = PolicyConfig(capacity=2, hold_ms=10 * MIN, pair_cap=1, pair_window_ms=60 * MIN)
    load = AllocationLoad(config.hold_ms, config.pair_window_ms)
    book = book_with({})
    only = [Candidate(live_id=1, streamer_id=7)]
    assert choose("r1", 1, 0, only, book, load, config).load == 0
    assert choose("r2", 1, MIN, only, book, load, config) is None  # user 1 already had streamer 7 this hour
    assert choose("r3", 2, MIN, only, book, load, config).load == 1
    assert choose("r4", 3, 2 * MIN, only, book, load, config) is None  # streamer 7 is full
    assert choose("r5", 3, 10 * MIN, only, book, load, config).load == 1  # the first allocation ended
    decision = choose(
        "r6", 4, 10 * MIN + 30_000, only + [Candidate(2, 8)], book, load, config
    )  # 7 full again
    assert decision.streamer_id == 8 and decision.capped == 1 and decision.candidates == 2


def test_the_same_request_gets_the_same_decision():
    config = PolicyConfig()
    book = book_with({7: (3, 100, 20.0), 8: (1, 100, 5.0)})
    cands = [Candidate(1, 7), Candidate(2, 8)]
    first = choose("n42", 1, 0, cands, book, AllocationLoad(config.hold_ms, config.pair_window_ms), config)
    again = choose("n42", 1, 0, cands, book, AllocationLoad(config.hold_ms, config.pair_window_ms), config)
    assert first == again


def test_propensities_match_how_often_each_room_is_chosen():
    config = PolicyConfig(explore=0.2, propensity_draws=255)
    book = book_with({7: (4, 100, 20.0), 8: (2, 100, 20.0), 9: (0, 5, 0.0)})
    cands = [Candidate(1, 7), Candidate(2, 8, pair_gift_sum=30.0), Candidate(3, 9, cold_start=True)]
    chosen, reported = Counter(), Counter()
    n = 3000
    for i in range(n):
        d = choose(f"n{i}", i, 0, cands, book, AllocationLoad(config.hold_ms, config.pair_window_ms), config)
        assert 0 < d.propensity <= 1
        chosen[d.live_id] += 1
        reported[d.live_id] += 1 / d.propensity  # inverse-propensity count: estimates n for every room chosen
    for live in (1, 2, 3):
        share = chosen[live] / n
        assert share > 0.02
        assert reported[live] == pytest.approx(n, rel=0.15)  # E[1/p · 1{chosen}] summed = n if p is right


@pytest.mark.parametrize("floor", [0.1, 0.3])
def test_cold_start_streamers_get_at_least_the_exploration_floor(floor: float):
    config = PolicyConfig(explore=floor)
    book = book_with({7: (10, 100, 50.0), 8: (8, 100, 50.0)})  # strong incumbents
    cands = [Candidate(1, 7), Candidate(2, 8)] + [
        Candidate(10 + k, 100 + k, cold_start=True) for k in range(3)
    ]
    cold = 0
    n = 2000
    for i in range(n):
        d = choose(f"n{i}", i, 0, cands, book, AllocationLoad(config.hold_ms, config.pair_window_ms), config)
        cold += d.streamer_id >= 100
    sigma = np.sqrt(floor * (1 - floor) / n)
    assert cold / n >= floor - 3 * sigma

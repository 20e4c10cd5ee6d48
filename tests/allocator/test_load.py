"""Capacity and frequency caps on event time: hold, release, hysteresis, the pair window."""

from __future__ import annotations

from allocator.load import AllocationLoad

MIN = 60_000


def test_allocations_are_held_for_the_hold_time():
    load = AllocationLoad(capacity=10, hold_ms=10 * MIN, pair_cap=99, pair_window_ms=60 * MIN)
    for i in range(10):
        load.record(user_id=i, streamer_id=7, now_ms=i * 1_000)
    assert load.load(7) == 10 and 7 in load.full
    load.advance(10 * MIN - 1)
    assert load.load(7) == 10
    load.advance(10 * MIN)  # the first allocation ends exactly now: 9 held, the reopening point for 10
    assert load.load(7) == 9 and 7 not in load.full
    load.record(user_id=50, streamer_id=7, now_ms=10 * MIN)
    assert 7 in load.full


def test_hysteresis_keeps_a_saturated_streamer_closed_between_the_bounds():
    load = AllocationLoad(capacity=50, hold_ms=MIN, pair_cap=99, pair_window_ms=MIN)
    assert load.reopen_at == 45
    for i in range(50):
        load.record(i, 7, i)
    load.advance(MIN + 2)  # three released: 47 held
    assert load.load(7) == 47 and 7 in load.full
    load.advance(MIN + 4)  # five released: 45 held
    assert load.load(7) == 45 and 7 not in load.full


def test_the_pair_cap_counts_allocations_within_the_window_only():
    load = AllocationLoad(capacity=99, hold_ms=MIN, pair_cap=2, pair_window_ms=60 * MIN)
    load.record(1, 7, 0)
    assert load.capped_for(1, 1) == set()
    load.record(1, 7, 10 * MIN)
    assert load.capped_for(1, 10 * MIN) == {7} and load.capped_for(2, 10 * MIN) == set()
    assert load.capped_for(1, 60 * MIN) == set()  # the first one left the window (t > now - window)
    load.sweep(60 * MIN)
    assert load.pairs == {1: {7: [10 * MIN]}}
    load.sweep(70 * MIN)
    assert load.pairs == {}

"""Capacity prices: read only the viewer reports; the dilution price is the share a crowded room still
brings, the subgradient price rises while a streamer is over capacity and falls back as it empties."""

from __future__ import annotations

import numpy as np
import pytest

from allocator.capacity_prices import CapacityPrices

ROOMS = {101: 1, 102: 1, 201: 2}  # live room -> streamer


def test_a_crowded_streamer_is_priced_up_each_round_and_released_gradually():
    prices = CapacityPrices(capacity=20, rule="subgradient", step=0.5)
    prices.observe([(101, 25), (102, 15), (201, 10)], ROOMS)  # streamer 1: 40 viewers in two rooms
    assert prices.price == pytest.approx({1: 0.5})
    prices.observe([(101, 40), (201, 10)], ROOMS)
    assert prices.price[1] == pytest.approx(1.0)
    multipliers = prices.multipliers(np.array([1, 2, 3]))
    assert multipliers == pytest.approx([np.exp(-1.0), 1.0, 1.0])
    prices.observe([(101, 10)], ROOMS)  # half full: the price falls by a quarter of a step per report
    assert prices.price[1] == pytest.approx(0.75)
    for _ in range(3):
        prices.observe([(101, 0)], ROOMS)
    assert 1 not in prices.price


def test_a_dilution_price_values_a_crowded_room_at_the_share_a_newcomer_still_brings():
    prices = CapacityPrices(capacity=20)  # the default rule
    prices.observe([(101, 30), (102, 10), (201, 20)], ROOMS)  # streamer 1: 40 viewers, twice its capacity
    assert prices.multipliers(np.array([1, 2, 3])) == pytest.approx([0.5, 1.0, 1.0])  # 20 / 40; at capacity
    prices.observe([(101, 50)], ROOMS)  # the price follows the latest report, not its history
    assert prices.multipliers(np.array([1])) == pytest.approx([0.4])
    prices.observe([(101, 19)], ROOMS)
    assert not prices.price


def test_an_unknown_rule_is_refused():
    with pytest.raises(ValueError, match="price rule 'soft'"):
        CapacityPrices(capacity=20, rule="soft")


def test_rooms_not_live_and_a_zero_capacity_change_nothing():
    prices = CapacityPrices(capacity=20)
    version = prices.version
    prices.observe([(999, 500)], ROOMS)
    assert not prices.price and prices.version == version
    off = CapacityPrices(capacity=0)
    off.observe([(101, 500)], ROOMS)
    assert not off.price


def test_prices_of_streamers_without_a_live_room_are_forgotten():
    prices = CapacityPrices(capacity=1)
    prices.observe([(101, 10), (201, 10)], ROOMS)
    prices.forget({2: [201]})
    assert set(prices.price) == {2}


def test_a_hard_cap_on_the_same_reports_blocks_at_capacity_and_reopens_below():
    cap = CapacityPrices(capacity=20, rule="hard-cap")
    cap.observe([(101, 20)], ROOMS)
    assert cap.multipliers(np.array([1, 2])) == pytest.approx([0.0, 1.0])
    cap.observe([(101, 19)], ROOMS)
    assert not cap.price


def test_a_priced_streamer_missing_from_its_shards_report_has_no_viewers():
    prices = CapacityPrices(capacity=20, rule="subgradient", step=0.5)
    prices.observe([(101, 40), (201, 40)], ROOMS, shard=(0, 1))
    assert set(prices.price) == {1, 2}
    prices.observe([], ROOMS, shard=(1, 2))  # shard 1 of 2 holds streamer 1: it emptied
    assert prices.price == pytest.approx({2: 0.5})
    assert (prices.viewers_of(1), prices.viewers_of(2)) == (0, 40)

"""The value of an exposure from counts: first clicks left out, shrinkage toward the user and population,
pair lifts relative to what the user and streamer predict."""

from __future__ import annotations

import pytest

from allocator.exposure_value import Population, Shrinkage, pair_terms, shrunk, user_terms

SHRINK = Shrinkage()
POPULATION = Population(gift_rate=0.02, value_per_click=1.0)


def test_a_user_never_seen_gets_the_population_and_prior():
    user = user_terms((0, 0, 0, 0.0), POPULATION, SHRINK)
    assert user.click_rate == pytest.approx(SHRINK.click_rate)
    assert user.gift_rate == pytest.approx(0.02)
    assert user.value == pytest.approx(1.0)


def test_the_first_click_is_left_out_of_the_click_rate():
    # One click, no impressions: known only because of that click, so no evidence about the click rate.
    assert user_terms((0, 1, 0, 0.0), POPULATION, SHRINK).click_rate == pytest.approx(SHRINK.click_rate)
    # 90 impressions and 11 clicks: 10 of 100 exposures after the first click.
    rate = user_terms((90, 11, 0, 0.0), POPULATION, SHRINK).click_rate
    assert rate == pytest.approx(shrunk(10, 100, SHRINK.click_rate, SHRINK.click_strength))
    assert rate < SHRINK.click_rate


def test_a_big_spender_is_worth_more_per_click_and_one_gift_is_shrunk():
    spender = user_terms((100, 100, 10, 5000.0), POPULATION, SHRINK)
    lucky = user_terms((0, 2, 1, 1000.0), POPULATION, SHRINK)
    assert spender.value > 20 * POPULATION.value_per_click
    assert lucky.value < 1000.0 / 2 / 10  # one gift on two clicks is shrunk hard toward the population


def test_a_pair_that_gifts_above_expectation_gets_a_lift_and_clicks_like_itself():
    user = user_terms((200, 100, 2, 20.0), POPULATION, SHRINK)
    click, lift = pair_terms((2, 20, 6, 60.0), user, 1.0, SHRINK)
    assert lift > 3  # 6 gifts in 20 clicks against a user rate of ~0.02
    assert click > user.click_rate  # 19 clicks after the first in 21 exposures
    click, lift = pair_terms((30, 1, 0, 0.0), user, 1.0, SHRINK)
    assert lift == pytest.approx(shrunk(0, 1, user.gift_rate, SHRINK.pair_gift_strength) / user.gift_rate)
    assert click < user.click_rate  # shown 30 times since its first click, never clicked again

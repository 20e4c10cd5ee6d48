"""The value of showing a room to a user now, P(click | shown) x E[gift value | click], from counts.

    P(click | shown, u, s) = the pair's click rate since its first click, shrunk to the user's; the user's
                             since their first click, shrunk to a population prior (``Shrinkage.click_rate``)
    E[value | click, u, s] = V_u x theta_s x lift_us
        V_u      the user's gift value per click, shrunk to the population's
        theta_s  the streamer's gift multiplier: its gifts over those its viewers were expected to give (a
                 Gamma posterior with an empirical-Bayes prior, allocator/streamer_lift.py)
        lift_us  the pair's gift rate over r_u x theta_s (r_u: the user's gift rate), shrunk to 1

Rates are counted from the first click on (the first click is why a user or pair is known at all, so it
is left out: counting it would make every new pair look like a sure click). Shrinking by pseudo-counts
keeps one lucky gift from crowning a user, a streamer or a pair. The user's and pairs' counts come with the
request (features/user_book.py ``profile``, strictly before it); the population's from the labels.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Shrinkage:
    """Prior rates and their strengths (pseudo-counts: exposures or clicks)."""

    click_rate: float = 0.28  # KuaiLive: 4.9M clicks / (4.9M clicks + 12.7M impressions not clicked)
    click_strength: float = 10.0  # user exposures
    pair_click_strength: float = 3.0  # pair exposures, shrunk to the user's rate
    user_strength: float = 50.0  # user clicks, for the user's gift rate and value per click
    pair_gift_strength: float = 5.0  # pair clicks, for the pair's gift lift


@dataclass(frozen=True)
class Population:
    """The population's gift rate and gift value per click (from final labels)."""

    gift_rate: float = 0.0148  # KuaiLive's per-click gift rate
    value_per_click: float = 1.22  # 1.48 % x mean amount 82.7


@dataclass(frozen=True)
class UserTerms:
    click_rate: float  # P(click | shown) on a streamer outside the user's history
    gift_rate: float  # P(gift | click) at an average streamer
    value: float  # E[gift value | click] at an average streamer


def shrunk(successes: float, trials: float, prior: float, strength: float) -> float:
    """(successes + strength x prior) / (trials + strength): the posterior mean of a rate."""
    return (successes + strength * prior) / (trials + strength)


def user_terms(counts: tuple[int, int, int, float], population: Population, shrink: Shrinkage) -> UserTerms:
    """The user's terms from (impressions, clicks, gift count, gift sum) since the user became known."""
    impressions, clicks, gifts, gift_sum = counts
    after = max(clicks - 1, 0)
    return UserTerms(
        click_rate=shrunk(after, impressions + after, shrink.click_rate, shrink.click_strength),
        gift_rate=shrunk(min(gifts, clicks), clicks, population.gift_rate, shrink.user_strength),
        value=shrunk(gift_sum, clicks, population.value_per_click, shrink.user_strength),
    )


def pair_terms(
    counts: tuple[int, int, int, float], user: UserTerms, theta: float, shrink: Shrinkage
) -> tuple[float, float]:
    """(P(click | shown), gift lift) of a pair from its (impressions, clicks, gift count, gift sum), given
    the user's terms and the streamer's mean multiplier ``theta``."""
    impressions, clicks, gifts, _gift_sum = counts
    after = max(clicks - 1, 0)
    click = shrunk(after, impressions + after, user.click_rate, shrink.pair_click_strength)
    expected = user.gift_rate * theta
    if expected <= 0:
        return click, 1.0
    lift = shrunk(min(gifts, clicks), clicks, expected, shrink.pair_gift_strength) / expected
    return click, lift

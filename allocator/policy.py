"""The first allocation policy: Thompson sampling on each streamer's gift value with a pair-history boost,
capacity and frequency caps, and a cold-start exploration floor.

For every row of the round (allocator/sample_round.py):

    eligible = candidates whose room is live, whose streamer is under capacity and not shown to this user
               ``pair_cap`` times within the pair window
    explore rows (the first ceil(explore · rows)): the row's first eligible sampled cold-start room
    other rows, or when no sampled cold-start room is eligible: the first maximum, over the eligible top
               rooms, then history rooms, then the row's cold-start sample, of
               drawn value × pair factor
    pair factor = 1 + pair_weight · log1p(user's gift sum to the streamer) with ``pair_model="boost"``, or
               with "online" / "offline" the value model's lift for the user's history streamers
               (allocator/pair_lift.py); 1 for streamers outside the user's history

The request's row decides; the propensity of its room is the share of rows that chose the same room.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from allocator.capacity_prices import PRICE_RULES

PAIR_MODELS = ("boost", "online", "offline")
# How a policy values its candidates: Thompson rows over the shared candidates (the default); Thompson rows on
# the value of an exposure for this user over every live room ("value", allocator/value_policy.py); or one
# value per live room: the posterior mean (greedy, no exploration), a uniform draw (random), or an injected
# scorer (e.g. a synthetic world's truth: the oracle). All but the first pick among every eligible live room.
SCORINGS = ("thompson", "value", "posterior-mean", "uniform", "scorer")
BLOCKED = -1.0  # value of an ineligible candidate; drawn values are >= 0
RETURN_BASES = ("revenue", "expected")  # what a streamer's V_s counts (allocator/concave.py)
UNCAPPED = 10**9  # a capacity or frequency cap that never binds
NO_ROOM = -1


@dataclass(frozen=True)
class PolicyConfig:
    family: str = "thompson-capped"  # the policy's kind; ``name`` adds the model behind its pair factor
    version: int = 2
    seed: int = 7
    capacity: int = 50  # concurrent allocated viewers per streamer; a full one reopens at 90 % of it
    hold_ms: int = 600_000  # how long an allocation occupies its streamer
    pair_cap: int = 3  # allocations of one streamer to one user ...
    pair_window_ms: int = 3_600_000  # ... within this window
    pair_weight: float = 0.5
    explore: float = 0.1  # floor on the share of rows that serve a random cold-start room
    explore_share: float = 1.0  # "value": the floor explores this share of the live cold-start streamers
    explore_min: int = 3  # ... and at least this many, while the others wait (allocator/value_policy.py)
    explore_period_ms: int = 86_400_000  # ... a subset that changes this often
    rows: int = 40  # Thompson draws per streamer: propensities are multiples of 1 / rows
    round_ms: int = 600_000  # event-time length of a round: its requests share the top list and samples
    max_draw_age_rounds: int = 18  # a live streamer's draws are renewed after new labels or this many rounds
    rank_every_ms: int = 3_600_000  # how often the live rooms are ranked (top list, cold-start list)
    top_rooms: int = 50  # live rooms with the highest posterior value per exposure
    history_rooms: int = 24  # the user's most recently active streamers whose live rooms are candidates
    cold_rooms: int = 10  # sampled cold-start rooms per row
    cold_start_clicks: float = 10.0  # a streamer with less (decayed) labelled click mass is cold-start
    pair_model: str = "boost"  # the pair factor: hand-set "boost", or the "online" / "offline" model's lift
    max_lift: float = 10.0  # a model's pair lift is clipped to [1 / max_lift, max_lift]
    model_tag: str = ""  # names the trained models behind an "offline" pair factor (their fingerprint)
    scoring: str = "thompson"  # see SCORINGS
    sample: bool = True  # "value": draw the streamers' multipliers (Thompson); False: their posterior means
    draw_spread: float = 1.0  # "value": the draws' sd relative to the posterior's (1: plain Thompson)
    concave_kappa: float = 0.0  # "value": returns g(V) = kappa log(1 + V / kappa), kappa in units of the
    # mean recent revenue of streamers with revenue; 0: linear returns (allocator/concave.py)
    concave_basis: str = "revenue"  # V_s: the gifts its viewers gave, or what they were "expected" to give
    concave_spenders: float = 0.0  # the returns bind only on users whose gift value per click is at least
    # this multiple of the population's (the big spenders); 0: on every user
    capacity_viewers: int = 0  # "value": price streamers past this many viewers (capacity_prices.py); 0: off
    price_rule: str = "dilution"  # how a report prices a streamer: see PRICE_RULES (capacity_prices.py)
    price_step: float = 0.5  # the "subgradient" rule's step per report
    price_every_ms: int = 60_000  # how often the streamer stages report their rooms' viewers

    def __post_init__(self) -> None:
        if not 0 <= self.explore <= 1 or self.rows < 1 or self.capacity < 1 or self.pair_cap < 1:
            raise ValueError("explore must be in [0, 1]; rows, capacity and pair_cap >= 1")
        if self.pair_model not in PAIR_MODELS:
            raise ValueError(f"pair model {self.pair_model!r}: choose one of {', '.join(PAIR_MODELS)}")
        if self.seed < 0:
            raise ValueError(f"the seed must be >= 0, got {self.seed}")
        if self.scoring not in SCORINGS:
            raise ValueError(f"scoring {self.scoring!r}: choose one of {', '.join(SCORINGS)}")
        if self.concave_kappa < 0 or self.draw_spread <= 0 or self.concave_spenders < 0:
            raise ValueError("concave_kappa and concave_spenders must be >= 0 and draw_spread > 0")
        if self.concave_basis not in RETURN_BASES:
            raise ValueError(f"concave basis {self.concave_basis!r}: choose one of {', '.join(RETURN_BASES)}")
        if self.price_rule not in PRICE_RULES:
            raise ValueError(f"price rule {self.price_rule!r}: choose one of {', '.join(PRICE_RULES)}")
        if not 0 < self.explore_share <= 1 or self.explore_min < 1 or self.explore_period_ms < 1:
            raise ValueError("explore_share must be in (0, 1]; explore_min and explore_period_ms >= 1")
        if self.max_lift < 1:
            raise ValueError(f"max_lift must be >= 1, got {self.max_lift}")

    @property
    def name(self) -> str:
        """The policy's name in decisions and their ids: its family, plus the model behind the pair factor."""
        if self.pair_model == "boost":
            return self.family
        return "-".join(part for part in (self.family, self.pair_model, self.model_tag) if part)

    def with_capacity(self, capacity: int) -> PolicyConfig:
        """This policy assuming a streamer takes ``capacity``: its capacity prices, if it has them, price
        that many viewers; otherwise its hard cap holds that many allocations (an uncapped one stays so)."""
        if self.capacity_viewers:
            return dataclasses.replace(self, capacity_viewers=capacity)
        if self.capacity == UNCAPPED:
            return self
        return dataclasses.replace(self, capacity=capacity)

    @property
    def explore_rows(self) -> int:
        return math.ceil(self.explore * self.rows - 1e-9)

    def boost(self, gift_sum: float) -> float:
        """Pair-history factor on a streamer's drawn value for a user who gave it ``gift_sum``."""
        return 1.0 + self.pair_weight * math.log1p(gift_sum)


@dataclass(frozen=True)
class RowChoices:
    """What every row picks for one request."""

    live: np.ndarray  # chosen room per row, NO_ROOM when nothing is eligible
    value: np.ndarray  # its drawn, boosted value (BLOCKED for NO_ROOM)
    explored: np.ndarray  # bool: the row served a cold-start room by exploration
    cold_index: np.ndarray  # which of the row's cold samples it chose, -1 for another candidate

    @cached_property
    def bar(self) -> np.ndarray:
        """Per row, the value another candidate must beat to take the row (inf where the row explores)."""
        return np.where(self.explored, np.inf, self.value)

    @cached_property
    def floor(self) -> float:
        """The lowest bar of any row."""
        return float(self.bar.min())


def choose_rows(
    rows: int,
    fixed_live: np.ndarray,
    fixed_values: np.ndarray,
    cold_live: np.ndarray,
    cold_values: np.ndarray,
    explore_rows: int,
) -> RowChoices:
    """The policy on every row. ``fixed_values`` is (candidates × rows), ``cold_values`` (rows × samples);
    both already carry the boosts and BLOCKED for ineligible candidates."""
    every = np.arange(rows)
    if len(fixed_live):
        best = fixed_values.argmax(axis=0)
        value = fixed_values[best, every]
        live = fixed_live[best]
    else:
        value = np.full(rows, BLOCKED)
        live = np.full(rows, NO_ROOM, dtype=np.int64)
    explored = np.zeros(rows, dtype=bool)
    cold_index = np.full(rows, -1)
    if cold_values.size:
        best_cold = cold_values.argmax(axis=1)
        if explore_rows:
            eligible = cold_values[:explore_rows] >= 0
            any_eligible = eligible.any(axis=1)
            best_cold[:explore_rows] = np.where(
                any_eligible, eligible.argmax(axis=1), best_cold[:explore_rows]
            )
            explored[:explore_rows] = any_eligible
        cold_value = cold_values[every, best_cold]
        use_cold = (cold_value > value) | explored
        live = np.where(use_cold, cold_live[every, best_cold], live)
        value = np.where(use_cold, cold_value, value)
        cold_index = np.where(use_cold, best_cold, -1)
    live = np.where(value >= 0, live, NO_ROOM)
    return RowChoices(live, value, explored, cold_index)


def add_candidates(base: RowChoices, live: np.ndarray, values: np.ndarray) -> RowChoices:
    """``choose_rows`` with ``live``/``values`` appended to the fixed candidates, computed from the choices
    without them (same tie order: they beat an earlier fixed candidate only when strictly better, and a cold
    sample only when at least as good; exploring rows keep their cold-start room)."""
    if values.max() < base.floor:
        return base  # no candidate beats any row's choice
    best = values.argmax(axis=0)
    value = values[best, np.arange(len(best))]
    use = (value > base.bar) | ((value == base.bar) & (base.cold_index >= 0))
    use &= value >= 0
    if not use.any():
        return base
    return RowChoices(
        np.where(use, live[best], base.live),
        np.where(use, value, base.value),
        base.explored,
        np.where(use, -1, base.cold_index),
    )

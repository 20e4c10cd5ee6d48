"""The first allocation policy: Thompson sampling on each streamer's gift value, a pair-history boost,
capacity and frequency caps, and a cold-start exploration floor. One room per request, with the
probability the policy gave it.

    eligible   = candidates whose streamer is under capacity and not shown to this user too often lately
    with prob. ``explore``: a uniformly random eligible cold-start room (if any)
    otherwise: argmax over eligible of  sampled value × (1 + pair_weight · log1p(pair gift sum))

The Thompson part has no closed-form choice probability, so it is estimated from ``propensity_draws`` more
joint draws plus the one that decided (so it is never 0); the exploration part is exact. Randomness comes
from (seed, request id), so a rerun makes the same decisions.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass

import numpy as np

from allocator.load import AllocationLoad
from allocator.posteriors import PosteriorBook
from allocator.thompson import posterior_arrays, sample_values


@dataclass(frozen=True)
class Candidate:
    live_id: int
    streamer_id: int
    pair_gift_sum: float = 0.0  # what this user has given this streamer so far
    cold_start: bool = False


@dataclass(frozen=True)
class PolicyConfig:
    name: str = "thompson-capped"
    version: int = 1
    seed: int = 7
    capacity: int = 50  # concurrent allocated viewers per streamer
    hold_ms: int = 600_000  # how long an allocation occupies its streamer
    pair_cap: int = 3  # allocations of one streamer to one user ...
    pair_window_ms: int = 3_600_000  # ... within this window
    pair_weight: float = 0.5
    explore: float = 0.1  # share of requests that go to a random eligible cold-start room
    propensity_draws: int = 255


@dataclass(frozen=True)
class Decision:
    live_id: int
    streamer_id: int
    score: float  # the sampled, boosted value that won (0 for an exploration pick)
    propensity: float  # P(this room | request, state) under the policy
    propensity_draws: int  # Monte-Carlo draws behind the Thompson part of the propensity
    candidates: int
    capped: int  # candidates removed by the capacity or frequency cap
    load: int  # the chosen streamer's allocated viewers before this decision
    explored: bool


def choose(
    request_id: str,
    user_id: int,
    now_ms: int,
    candidates: list[Candidate],
    posteriors: PosteriorBook,
    load: AllocationLoad,
    config: PolicyConfig,
) -> Decision | None:
    """Pick one room for the request and record it in ``load``; None when every candidate is capped."""
    eligible = [
        c
        for c in candidates
        if load.load(c.streamer_id, now_ms) < config.capacity
        and load.pair_count(user_id, c.streamer_id, now_ms) < config.pair_cap
    ]
    if not eligible:
        return None
    rng = np.random.default_rng([config.seed, zlib.crc32(request_id.encode())])
    cold = [i for i, c in enumerate(eligible) if c.cold_start]
    explore = config.explore if cold else 0.0
    params = posterior_arrays([posteriors.posterior(c.streamer_id) for c in eligible], posteriors.prior)
    boost = 1.0 + config.pair_weight * np.log1p([c.pair_gift_sum for c in eligible])
    values = sample_values(params, rng, 1 + config.propensity_draws) * boost
    if rng.random() < explore:
        index = cold[int(rng.integers(len(cold)))]
        score, explored = 0.0, True
    else:
        index = int(np.argmax(values[0]))
        score, explored = float(values[0, index]), False
    thompson_share = float(np.mean(np.argmax(values, axis=1) == index))
    propensity = (1 - explore) * thompson_share + (explore / len(cold) if eligible[index].cold_start else 0.0)
    chosen = eligible[index]
    before = load.load(chosen.streamer_id, now_ms)
    load.record(user_id, chosen.streamer_id, now_ms)
    return Decision(
        live_id=chosen.live_id,
        streamer_id=chosen.streamer_id,
        score=score,
        propensity=propensity,
        propensity_draws=config.propensity_draws + 1,
        candidates=len(candidates),
        capped=len(candidates) - len(eligible),
        load=before,
        explored=explored,
    )

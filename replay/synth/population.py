"""Latent traits of users, streamers and (user, streamer) pairs.

Ids are array indices: user ``u`` is ``user_id == u``, streamer ``s`` is ``streamer_id == s``. Pair traits
exist for every pair: a user's few favourites carry a stored affinity, every other pair a small
deterministic hash-derived noise, so the truth can answer for any pair without storing 10^10 of them.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from statistics import NormalDist

import numpy as np

from giftlive.counter_random import pair_mix, splitmix
from replay.synth.params import DEMO_SCALE, WorldParams


@dataclass
class Population:
    # users
    activity: np.ndarray  # expected feed requests per day
    loyalty: np.ndarray  # share of requests served from favourites
    click_bias: np.ndarray  # click log-odds shift
    propensity: np.ndarray  # gift log-odds shift
    wealth: np.ndarray  # log-price location of gifts
    # streamers
    popularity: np.ndarray  # organic feed weight (positive)
    room_rate: np.ndarray  # rooms per day
    appeal: np.ndarray  # gift log-odds shift
    capacity: np.ndarray  # concurrent viewers before gifting saturates
    room_minutes: np.ndarray  # median room duration
    # favourites, CSR by user; keys sorted for lookup
    fav_ptr: np.ndarray
    fav_streamer: np.ndarray
    fav_affinity: np.ndarray

    def arrays(self) -> dict[str, np.ndarray]:
        return {f.name: getattr(self, f.name) for f in fields(self)}

    @property
    def n_users(self) -> int:
        return int(self.activity.size)

    @property
    def n_streamers(self) -> int:
        return int(self.popularity.size)

    def favourite_affinity(self, users: np.ndarray, streamers: np.ndarray) -> np.ndarray:
        """Stored affinity where (u, s) is a favourite pair, NaN elsewhere."""
        users = np.asarray(users, dtype=np.int64)
        streamers = np.asarray(streamers, dtype=np.int64)
        keys = self._fav_keys()
        query = users * self.n_streamers + streamers
        pos = np.clip(np.searchsorted(keys, query), 0, max(keys.size - 1, 0))
        hit = keys[pos] == query if keys.size else np.zeros(query.shape, dtype=bool)
        out = np.full(query.shape, np.nan)
        out[hit] = self.fav_affinity[pos[hit]]
        return out

    def _fav_keys(self) -> np.ndarray:
        cached = getattr(self, "_keys", None)
        if cached is None:
            owners = np.repeat(np.arange(self.n_users, dtype=np.int64), np.diff(self.fav_ptr))
            cached = owners * self.n_streamers + self.fav_streamer
            self._keys = cached
        return cached


def stratified_normal(rng: np.random.Generator, n: int, reference_n: int) -> np.ndarray:
    """Standard normals at the n quantile midpoints, randomly assigned, tails held at ``reference_n``'s.

    Heavy tails (a top-1% share of revenue) are decided by a handful of extreme draws; placing the draws on
    quantiles keeps the world's concentration at its design value for every seed, while who gets which trait
    stays random. Clipping at the extreme quantile of a ``reference_n``-sized population (the demo scale the
    calibration is checked at) keeps it there at every scale: otherwise a 10x larger world has a longer tail.
    """
    inv = NormalDist().inv_cdf
    limit = inv(1.0 - 0.5 / reference_n)
    quantiles = np.clip(np.array([inv((i + 0.5) / n) for i in range(n)]), -limit, limit)
    return quantiles[rng.permutation(n)]


def sample_population(params: WorldParams, rng: np.random.Generator) -> Population:
    n_u, n_s = params.users, params.streamers
    activity = np.exp(params.activity_sigma * stratified_normal(rng, n_u, DEMO_SCALE["users"]))
    activity *= params.impressions_per_user_day / activity.mean()
    click_bias = rng.normal(0.0, params.click_user_sigma, n_u)
    z_prop = stratified_normal(rng, n_u, DEMO_SCALE["users"])
    # Big spenders are loyal: they come back for the streamers they follow.
    base_loyalty = rng.beta(params.loyalty_alpha, params.loyalty_beta, n_u)
    loyalty = 1.0 / (1.0 + (1.0 / base_loyalty - 1.0) * np.exp(-params.loyalty_propensity_slope * z_prop))
    z_wealth = stratified_normal(rng, n_u, DEMO_SCALE["users"])
    rho = params.wealth_propensity_corr
    propensity = params.propensity_sigma * z_prop
    wealth = params.wealth_mean + params.wealth_sigma * (rho * z_prop + np.sqrt(1 - rho**2) * z_wealth)

    z_pop = stratified_normal(rng, n_s, DEMO_SCALE["streamers"])
    popularity = np.exp(params.popularity_sigma * z_pop)
    room_rate = np.exp(
        params.room_rate_sigma * rng.standard_normal(n_s) + params.room_rate_popularity_slope * z_pop
    )
    room_rate *= params.rooms_per_streamer_day / room_rate.mean()
    appeal = rng.normal(0.0, params.appeal_sigma, n_s) + params.appeal_popularity_slope * z_pop
    capacity = params.capacity_median * np.exp(0.5 * rng.standard_normal(n_s) + 0.3 * z_pop)

    fav_ptr, fav_streamer, fav_affinity = _sample_favourites(params, popularity, rng)
    room_minutes = params.room_minutes_median * np.exp(params.room_minutes_popularity_slope * z_pop)
    return Population(
        activity=activity,
        loyalty=loyalty,
        click_bias=click_bias,
        propensity=propensity,
        wealth=wealth,
        popularity=popularity,
        room_rate=room_rate,
        appeal=appeal,
        capacity=capacity,
        room_minutes=room_minutes,
        fav_ptr=fav_ptr,
        fav_streamer=fav_streamer,
        fav_affinity=fav_affinity,
    )


def _sample_favourites(
    params: WorldParams, popularity: np.ndarray, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Each user picks 1 + Poisson favourites, more likely among popular streamers; no duplicates."""
    n_u, n_s = params.users, popularity.size
    counts = 1 + rng.poisson(params.favourites_mean - 1, n_u)
    weights = popularity**params.favourite_popularity_power
    cdf = np.cumsum(weights) / weights.sum()
    owners = np.repeat(np.arange(n_u, dtype=np.int64), counts)
    picks = np.minimum(np.searchsorted(cdf, rng.random(owners.size), side="right"), n_s - 1)
    keys = np.unique(owners * n_s + picks)  # sorted by (user, streamer), duplicates dropped
    users, streamers = keys // n_s, keys % n_s
    fav_ptr = np.zeros(n_u + 1, dtype=np.int64)
    np.add.at(fav_ptr, users + 1, 1)
    fav_ptr = np.cumsum(fav_ptr)
    affinity = rng.normal(params.affinity_mean, params.affinity_sigma, keys.size)
    # One favourite per user is "the" streamer they follow: where a big spender's money mostly goes.
    has = np.diff(fav_ptr) > 0
    top = fav_ptr[:-1][has] + (rng.random(has.sum()) * np.diff(fav_ptr)[has]).astype(np.int64)
    affinity[top] += params.top_favourite_lift
    return fav_ptr, streamers.astype(np.int64), affinity


def pair_noise(seed: int, users: np.ndarray, streamers: np.ndarray) -> np.ndarray:
    """Deterministic standard-normal noise for any (user, streamer) pair (SplitMix64 hash + Box-Muller)."""
    a = splitmix(pair_mix(users, streamers, seed))
    b = splitmix(a)
    u1 = ((a >> np.uint64(11)).astype(np.float64) + 0.5) / 2.0**53
    u2 = (b >> np.uint64(11)).astype(np.float64) / 2.0**53
    return np.sqrt(-2.0 * np.log(u1)) * np.cos(2.0 * np.pi * u2)

"""Thompson sampling on the value of an exposure for this user (allocator/exposure_value.py), over every
live room, with an exploration floor that means what it says.

Every round (``round_ms`` of event time) draws ``rows`` values of each live streamer's gift multiplier
theta (allocator/streamer_lift.py); a cold-start streamer (less labelled click mass than
``cold_start_clicks``) gets its posterior mean in every row instead of draws, so prior tails cannot win it
exposure. For a request, row r values live room j as

    value[r, j] = P(click | shown, u, s_j) x V_u x theta[r, s_j] x lift(u, s_j) x g'(V_s_j) x exp(-price_j)

(the click rate and lift are the user's, or the pair's for the user's recent streamers; g' is the marginal
return of the streamer's recent revenue, 1 with linear returns: allocator/concave.py; a capacity price
multiplies it too: allocator/capacity_prices.py); capped streamers are blocked. The first ``explore_rows``
rows serve a uniformly random eligible cold-start room when there is one; the other rows serve their best
room. The request is served by the row its id hashes to, so the probability
of each room is exact: (rows choosing it + explore rows x 1 / eligible cold-start rooms if cold) / rows.
"""

from __future__ import annotations

import zlib
from typing import Any

import numpy as np

from allocator.capacity_prices import CapacityPrices
from allocator.concave import StreamerReturns
from allocator.exposure_value import Shrinkage, pair_terms, user_terms
from allocator.live_rooms import LiveRooms
from allocator.policy import BLOCKED, PolicyConfig
from allocator.streamer_lift import StreamerLifts
from allocator.user_rates import UserRates
from giftlive.compact_state import CompactState

NO_COUNTS = (0, 0, 0, 0.0)


class ValuePolicy(CompactState):
    __slots__ = (
        "config",
        "shrink",
        "rates",
        "lifts",
        "returns",
        "prices",
        "kappa",
        "round",
        "theta",
        "mean",
        "gain",
        "column",
        "aligned_key",
        "aligned",
    )

    def __init__(self, config: PolicyConfig, shrink: Shrinkage | None = None) -> None:
        self.config = config
        self.shrink = shrink or Shrinkage()
        self.rates = UserRates(self.shrink.user_strength)
        self.lifts = StreamerLifts()
        self.returns = StreamerReturns(config.concave_kappa)
        self.prices = CapacityPrices(config.capacity_viewers, config.price_step)
        self.kappa = 0.0  # the concave returns' kappa of this round (0: linear)
        self.round = -1
        self.theta = np.zeros((config.rows, 0))  # (rows, streamers drawn this round)
        self.mean = np.zeros(0)  # posterior mean of each drawn streamer
        self.gain = np.zeros(0)  # its marginal return g'(V_s) this round (allocator/concave.py)
        self.column: dict[int, int] = {}  # streamer -> its column in ``theta``
        self.aligned_key: tuple[int, int, int] | None = None  # (round, rooms, prices versions) of ``aligned``
        # per live room: theta (rows x rooms), posterior mean, cold-start mask, marginal return x price
        self.aligned: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray] | None = None

    def learn_label(self, label: dict[str, Any]) -> None:
        if label["kind"] == "orphan":
            self.returns.learn_label(label)
            return
        expected = self.rates.gift_rate(label["user_id"], self.rates.population())
        self.lifts.learn_label(label, expected)
        self.rates.learn_label(label)
        self.returns.learn_label(label)

    def is_cold(self, streamer_id: int, now_ms: int) -> bool:
        _shape, _rate, clicks = self.lifts.posterior(np.array([streamer_id]), now_ms)
        return bool(clicks[0] < self.config.cold_start_clicks)

    def observe_viewers(self, viewers: list[tuple[int, int]], rooms: LiveRooms) -> None:
        self.prices.observe(viewers, rooms.streamer_of)

    def sweep(self, now_ms: int, rooms: LiveRooms) -> None:
        self.prices.forget(rooms.by_streamer)
        self.rates.sweep(now_ms)
        self.lifts.sweep(now_ms)
        self.returns.sweep(now_ms)

    def choose(
        self, request: dict[str, Any], rooms: LiveRooms, blocked: np.ndarray | None
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, int, int]:
        """For one request over ``rooms.arrays()`` (``blocked``: a mask of capped rooms, or None):
        (each row's chosen room index or -1, each row's value, the eligible cold-start room indices,
        the request's row, its pick among those cold-start rooms when its row explores, else -1)."""
        config, now = self.config, request["ts"]
        theta, mean, cold, scale = self._aligned(rooms, now)
        live_ids, streamers = rooms.arrays()
        profile = request.get("profile")
        user_counts, pairs = profile if profile is not None else (NO_COUNTS, [])
        population = self.rates.population()
        user = user_terms(user_counts, population, self.shrink)
        weight = np.full(live_ids.size, user.click_rate * user.value)
        position, by_streamer = rooms.position, rooms.by_streamer
        for streamer_id, *counts in pairs:
            for live_id in by_streamer.get(streamer_id, ()):
                j = position[live_id]
                click, lift = pair_terms(tuple(counts), user, float(mean[j]), self.shrink)
                weight[j] = click * user.value * lift
        weight *= scale
        values = theta * weight
        if blocked is not None:
            values[:, blocked] = BLOCKED
        if values.shape[1]:
            best = values.argmax(axis=1)
            value = values[np.arange(config.rows), best]
            best = np.where(value >= 0, best, -1)
        else:
            best, value = np.full(config.rows, -1), np.full(config.rows, BLOCKED)
        eligible = cold if blocked is None else cold & ~blocked
        cold_rooms = np.flatnonzero(eligible)
        row = zlib.crc32(request["id"].encode()) % config.rows
        pick = -1
        if row < config.explore_rows and cold_rooms.size:
            pick = int(cold_rooms[zlib.crc32(f"{config.seed}:{request['id']}".encode()) % cold_rooms.size])
            value[row] = weight[pick] * mean[pick]
        return best, value, cold_rooms, row, pick

    def distribution(
        self, best: np.ndarray, cold_rooms: np.ndarray, live_ids: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """(rooms, probabilities) of the request whose rows chose ``best`` (see ``choose``)."""
        rows, explore = self.config.rows, self.config.explore_rows if cold_rooms.size else 0
        exploit = best[explore:]
        exploit = exploit[exploit >= 0]
        picks, counts = np.unique(exploit, return_counts=True)
        probability = np.zeros(live_ids.size)
        probability[picks] = counts / rows
        if explore:
            probability[cold_rooms] += explore / rows / cold_rooms.size
        chosen = np.flatnonzero(probability)
        return live_ids[chosen], probability[chosen]

    def advance_to(self, now_ms: int, rooms: LiveRooms) -> None:
        """Open the round of ``now_ms`` if it is a new one: fit the prior and draw every live streamer from
        the state as of the round's first item (everything before the round's start, in every shard)."""
        index = now_ms // self.config.round_ms
        if index == self.round:
            return
        config = self.config
        start = index * config.round_ms
        self.lifts.fit(start)
        self.round = index
        self.kappa = self.returns.kappa(start)
        self.theta, self.mean, self.gain, self.column = (
            np.zeros((config.rows, 0)),
            np.zeros(0),
            np.zeros(0),
            {},
        )
        # The streamers live at the round's first item are the same in every shard (room events reach all
        # of them and requests start no rooms), so one generator per round draws them all.
        live = np.array(sorted(rooms.by_streamer), dtype=np.int64)
        self._draw(live, start, [config.seed, index])

    def start_room(self, streamer_id: int, now_ms: int) -> None:
        """A room started: its streamer is drawn now if it has no draws this round (identically in every
        shard: the draw is keyed by (seed, round, streamer))."""
        if streamer_id not in self.column:
            self._draw(np.array([streamer_id]), now_ms, [self.config.seed, self.round, streamer_id])

    def _aligned(
        self, rooms: LiveRooms, now_ms: int
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """(theta (rows x live rooms), posterior mean, cold-start mask, marginal return x capacity price
        multiplier) in ``rooms.arrays()`` order."""
        self.advance_to(now_ms, rooms)
        key = (self.round, rooms.version, self.prices.version)
        if self.aligned_key != key:
            _live, streamers = rooms.arrays()
            columns = np.array([self.column[s] for s in streamers.tolist()], dtype=np.int64)
            mean = self.mean[columns]
            cold = np.isnan(self.theta[0, columns]) if columns.size else np.zeros(0, dtype=bool)
            theta = np.where(cold, mean, self.theta[:, columns])
            scale = self.gain[columns] * self.prices.multipliers(streamers)
            self.aligned, self.aligned_key = (theta, mean, cold, scale), key
        assert self.aligned is not None
        return self.aligned

    def _draw(self, streamers: np.ndarray, now_ms: int, seed: list[int]) -> None:
        """Draw ``rows`` multipliers of each streamer from their posterior at ``now_ms`` (NaN for a
        cold-start one: it is valued at its posterior mean)."""
        config = self.config
        shape, rate, clicks = self.lifts.posterior(streamers, now_ms)
        mean = shape / rate
        if config.sample:
            spread = config.draw_spread**2  # draws keep the posterior's mean, their sd is scaled
            rng = np.random.default_rng(seed)
            draws = rng.gamma(shape / spread, spread / rate, size=(config.rows, streamers.size))
        else:
            draws = np.broadcast_to(mean, (config.rows, streamers.size)).copy()
        draws[:, clicks < config.cold_start_clicks] = np.nan
        start = self.mean.size
        self.theta = np.concatenate([self.theta, draws], axis=1)
        self.mean = np.concatenate([self.mean, mean])
        self.gain = np.concatenate([self.gain, self.returns.marginal(streamers, now_ms, self.kappa)])
        self.column.update(zip(streamers.tolist(), range(start, start + streamers.size), strict=True))

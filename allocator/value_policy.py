"""Thompson sampling on the value of an exposure for this user (allocator/exposure_value.py), over every
live room, with an exploration floor that means what it says.

Every round (``round_ms`` of event time) draws ``rows`` values of each live streamer's gift multiplier
theta (allocator/streamer_lift.py); a cold-start streamer (less labelled click mass than
``cold_start_clicks``) gets its posterior mean in every row instead of draws, so prior tails cannot win it
exposure. For a request, row r values live room j as

    value[r, j] = P(click | shown, u, s_j) x V_u x theta[r, s_j] x lift(u, s_j)

(the click rate and lift are the user's, or the pair's for the user's recent streamers); capped streamers are
blocked. The first ``explore_rows`` rows serve a uniformly random eligible cold-start room when there is one;
the other rows serve their best room. The request is served by the row its id hashes to, so the probability
of each room is exact: (rows choosing it + explore rows x 1 / eligible cold-start rooms if cold) / rows.
"""

from __future__ import annotations

import zlib
from typing import Any

import numpy as np

from allocator.exposure_value import Shrinkage, pair_terms, user_terms
from allocator.live_rooms import LiveRooms
from allocator.policy import BLOCKED, NO_ROOM, PolicyConfig
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
        "fitted_at",
        "round",
        "theta",
        "mean",
        "column",
        "aligned_key",
        "aligned",
    )

    def __init__(self, config: PolicyConfig, shrink: Shrinkage | None = None) -> None:
        self.config = config
        self.shrink = shrink or Shrinkage()
        self.rates = UserRates(self.shrink.user_strength)
        self.lifts = StreamerLifts()
        self.fitted_at: int | None = None
        self.round = -1
        self.theta = np.zeros((config.rows, 0))  # (rows, streamers drawn this round)
        self.mean = np.zeros(0)  # posterior mean of each drawn streamer
        self.column: dict[int, int] = {}  # streamer -> its column in ``theta``
        self.aligned_key: tuple[int, int] | None = None  # (round, rooms.version) of ``aligned``
        self.aligned: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None  # theta, mean, cold per room

    def learn_label(self, label: dict[str, Any]) -> None:
        if label["kind"] == "orphan":
            return
        expected = self.rates.gift_rate(label["user_id"], self.rates.population())
        self.lifts.learn_label(label, expected)
        self.rates.learn_label(label)

    def is_cold(self, streamer_id: int, now_ms: int) -> bool:
        _shape, _rate, clicks = self.lifts.posterior(np.array([streamer_id]), now_ms)
        return bool(clicks[0] < self.config.cold_start_clicks)

    def sweep(self, now_ms: int) -> None:
        self.rates.sweep(now_ms)
        self.lifts.sweep(now_ms)

    def choose(
        self, request: dict[str, Any], rooms: LiveRooms, blocked: np.ndarray | None
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, int, int]:
        """For one request over ``rooms.arrays()`` (``blocked``: a mask of capped rooms, or None):
        (each row's chosen room index or -1, each row's value, the eligible cold-start room indices,
        the request's row, its pick among those cold-start rooms when its row explores, else -1)."""
        config, now = self.config, request["ts"]
        theta, mean, cold = self._aligned(rooms, now)
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

    def _aligned(self, rooms: LiveRooms, now_ms: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(theta (rows x live rooms), posterior mean, cold-start mask) in ``rooms.arrays()`` order."""
        index = now_ms // self.config.round_ms
        if index != self.round:
            self._draw_round(index, rooms, now_ms)
        key = (self.round, rooms.version)
        if self.aligned_key != key:
            _live, streamers = rooms.arrays()
            missing = sorted({s for s in streamers.tolist() if s not in self.column})
            if missing:
                self._draw(np.array(missing, dtype=np.int64), now_ms, [self.config.seed, index, missing[0]])
            columns = np.array([self.column[s] for s in streamers.tolist()], dtype=np.int64)
            mean = self.mean[columns]
            cold = np.isnan(self.theta[0, columns]) if columns.size else np.zeros(0, dtype=bool)
            theta = np.where(cold, mean, self.theta[:, columns])
            self.aligned, self.aligned_key = (theta, mean, cold), key
        assert self.aligned is not None
        return self.aligned

    def _draw_round(self, index: int, rooms: LiveRooms, now_ms: int) -> None:
        config = self.config
        if self.fitted_at is None or now_ms - self.fitted_at >= config.rank_every_ms:
            self.lifts.fit(now_ms)
            self.fitted_at = now_ms
        self.round = index
        self.theta, self.mean, self.column = np.zeros((config.rows, 0)), np.zeros(0), {}
        live = np.array(sorted(rooms.by_streamer), dtype=np.int64)
        self._draw(live, now_ms, [config.seed, index])

    def _draw(self, streamers: np.ndarray, now_ms: int, seed: list[int]) -> None:
        """Draw ``rows`` multipliers of each streamer (NaN for a cold-start one: it is valued at its mean)."""
        shape, rate, clicks = self.lifts.posterior(streamers, now_ms)
        rng = np.random.default_rng(seed)
        if self.config.sample:
            spread = self.config.draw_spread**2  # draws keep the posterior's mean, their sd is scaled
            draws = rng.gamma(shape / spread, spread / rate, size=(self.config.rows, streamers.size))
        else:
            draws = np.broadcast_to(shape / rate, (self.config.rows, streamers.size)).copy()
        draws[:, clicks < self.config.cold_start_clicks] = np.nan
        start = self.mean.size
        self.theta = np.concatenate([self.theta, draws], axis=1)
        self.mean = np.concatenate([self.mean, shape / rate])
        self.column.update(zip(streamers.tolist(), range(start, start + streamers.size), strict=True))


__all__ = ["NO_ROOM", "ValuePolicy"]

"""The logging policy: the platform's organic feed that decided which live room each impression showed.

For a feed request by user u at time t the feed, with probability loyalty[u] (if any favourite is live),
shows one of u's live favourites in proportion to exp(affinity); otherwise a live room drawn in proportion
to its streamer's popularity. The propensity of showing room r is therefore exact, for any room:

    P(r | u, t) = loyalty[u] * [any fav live] * exp(affinity[u, s(r)]) / sum of exp(affinity) over live favs
                  + (1 - loyalty[u] * [any fav live]) * popularity[s(r)] / sum of popularity over live rooms

(the first term only when r is a live favourite's room). It is recorded with every logged impression for
off-policy evaluation, and ``propensity`` answers it for counterfactual rooms too.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from replay.synth.population import Population
from replay.synth.rooms import Rooms

_MAX_REJECTION_ROUNDS = 200


@dataclass
class Served:
    request: np.ndarray  # index of the request that got an impression (requests with nothing live get none)
    room: np.ndarray  # index into Rooms
    propensity: np.ndarray


@dataclass
class _LiveFavourites:
    """Per request: the live favourite rooms (flattened, grouped by request) and their exp(affinity)."""

    owner: np.ndarray
    room: np.ndarray
    weight: np.ndarray
    total: np.ndarray  # per request
    count: np.ndarray  # per request


class OrganicFeed:
    def __init__(self, population: Population, rooms: Rooms) -> None:
        self.population = population
        self.rooms = rooms
        weights = population.popularity
        self._cdf = np.cumsum(weights) / weights.sum()
        self._live_popularity = rooms.live_weight_curve(weights)  # the organic branch's normaliser

    def serve(self, users: np.ndarray, ts: np.ndarray, rng: np.random.Generator) -> Served:
        """Pick one live room per request (as the feed did) and its exact propensity."""
        favs = self._live_favourites(users, ts)
        loyal = self.population.loyalty[users] * (favs.count > 0)
        use_fav = rng.random(users.size) < loyal
        room = np.where(use_fav, self._pick_favourite(favs, rng), -1)
        pending = np.flatnonzero(~use_fav)
        for _ in range(_MAX_REJECTION_ROUNDS):
            if pending.size == 0:
                break
            proposal = np.searchsorted(self._cdf, rng.random(pending.size), side="right")
            live = self.rooms.live_room(np.minimum(proposal, self._cdf.size - 1), ts[pending])
            hit = live >= 0
            room[pending[hit]] = live[hit]
            pending = pending[~hit]
        served = np.flatnonzero(room >= 0)  # nothing live in 200 rounds: the request shows nothing
        propensity = self._propensity(users[served], ts[served], room[served], favs, served)
        return Served(request=served, room=room[served], propensity=propensity)

    def propensity(self, users: np.ndarray, ts: np.ndarray, room: np.ndarray) -> np.ndarray:
        """P(the feed shows ``room`` to ``user`` at ``ts``) for any rooms (0 when the room is not live)."""
        users, ts, room = (np.asarray(a, dtype=np.int64) for a in (users, ts, room))
        favs = self._live_favourites(users, ts)
        return self._propensity(users, ts, room, favs, np.arange(users.size))

    def _propensity(self, users, ts, room, favs: _LiveFavourites, request: np.ndarray) -> np.ndarray:
        pop, rooms = self.population, self.rooms
        live = (rooms.start[room] <= ts) & (ts < rooms.end[room])
        streamer = rooms.streamer[room]
        organic = pop.popularity[streamer] / np.maximum(self._live_popularity.at(ts), 1e-300)
        loyal = pop.loyalty[users] * (favs.count[request] > 0)
        keys = favs.owner * np.int64(rooms.size) + favs.room
        order = np.argsort(keys)
        keys, share = keys[order], (favs.weight / np.maximum(favs.total[favs.owner], 1e-300))[order]
        query = request * np.int64(rooms.size) + room
        pos = np.clip(np.searchsorted(keys, query), 0, max(keys.size - 1, 0))
        fav_share = np.where(keys[pos] == query, share[pos], 0.0) if keys.size else np.zeros(query.size)
        return np.where(live, np.minimum(loyal * fav_share + (1.0 - loyal) * organic, 1.0), 0.0)

    def _live_favourites(self, users: np.ndarray, ts: np.ndarray) -> _LiveFavourites:
        pop = self.population
        counts = np.diff(pop.fav_ptr)[users]
        owner = np.repeat(np.arange(users.size, dtype=np.int64), counts)
        slot = (
            pop.fav_ptr[users][owner] + np.arange(owner.size) - np.repeat(np.cumsum(counts) - counts, counts)
        )
        live = self.rooms.live_room(pop.fav_streamer[slot], ts[owner])
        keep = live >= 0
        owner, weight = owner[keep], np.exp(pop.fav_affinity[slot[keep]])
        return _LiveFavourites(
            owner=owner,
            room=live[keep],
            weight=weight,
            total=np.bincount(owner, weights=weight, minlength=users.size),
            count=np.bincount(owner, minlength=users.size),
        )

    @staticmethod
    def _pick_favourite(favs: _LiveFavourites, rng: np.random.Generator) -> np.ndarray:
        """One live favourite per request in proportion to its weight; -1 where none is live."""
        if favs.room.size == 0:
            return np.full(favs.count.size, -1, dtype=np.int64)
        running = np.cumsum(favs.weight)
        run_start = np.cumsum(favs.count) - favs.count
        before = np.concatenate([[0.0], running])[run_start]
        target = before + rng.random(favs.count.size) * favs.total
        pos = np.searchsorted(running, target, side="right")
        pos = np.clip(
            pos, run_start, np.maximum(run_start + favs.count - 1, run_start)
        )  # rounding stays in the run
        pos = np.minimum(pos, running.size - 1)
        return np.where(favs.count > 0, favs.room[pos], -1)

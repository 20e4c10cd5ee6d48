"""Thompson sampling on the value of an exposure for this user (allocator/exposure_value.py), over every
live room, with an exploration floor that means what it says.

Every round (``round_ms`` of event time) draws ``rows`` values of each live streamer's gift multiplier
theta (allocator/streamer_lift.py); a cold-start streamer (less labelled click mass than
``cold_start_clicks``) gets its posterior mean in every row instead of draws, so prior tails cannot win it
exposure. For a request, row r values live room j as

    value[r, j] = P(click | shown, u, s_j) x V_u x theta[r, s_j] x lift(u, s_j) x g'(V_s_j) x exp(-price_j)

(the click rate and lift are the user's, or the pair's for the user's recent streamers; g' is the marginal
return of the streamer's recent revenue, 1 with linear returns or, with ``concave_spenders``, for a user worth
less than that multiple of the population per click: allocator/concave.py; a capacity price
multiplies it too: allocator/capacity_prices.py); capped streamers are blocked. The first ``explore_rows``
rows serve a uniformly random eligible cold-start room when there is one; the other rows serve their best
room. The request is served by the row its id hashes to, so the probability
of each room is exact: (rows choosing it + explore rows x 1 / eligible cold-start rooms if cold) / rows.

With ``explore_share`` < 1 the floor explores a subset of the live cold-start streamers at a time: the
share (at least ``explore_min`` of them) whose hash of (streamer, period) is lowest, a set that changes every
``explore_period_ms``. The others wait their turn: outside the user's own history they are worth nothing
until then, so each explored streamer gets enough exposures to be judged instead of every cold-start
streamer getting one or two (with many more arms than exposures to learn them, explore a few deeply).
"""

from __future__ import annotations

import hashlib
import math
import zlib
from typing import Any

import numpy as np

from allocator.capacity_prices import CapacityPrices
from allocator.cold_floor import ColdFloor
from allocator.concave import StreamerReturns
from allocator.exposure_value import Shrinkage, pair_terms, user_terms
from allocator.live_rooms import LiveRooms
from allocator.policy import BLOCKED, PolicyConfig
from allocator.row_leaders import RowLeaders
from allocator.streamer_lift import StreamerLifts
from allocator.user_rates import UserRates
from giftlive.compact_state import CompactState

NO_COUNTS = (0, 0, 0, 0.0)
# Streamers valued at their posterior mean (cold-start ones, or all without draws) often share one value;
# a relative nudge this small, a function of (round, streamer), orders them, so a row's leaders are a few
# rooms rather than every tied one (allocator/row_leaders.py), and the tie goes the same way in every shard.
# The nudge is the fractional part of a Weyl sequence (distinct for distinct streamers, two array operations).
TIE_BREAK = 1e-9
_WEYL = (0.6180339887498949, 0.7548776662466927)  # 1/golden ratio and 1/plastic number: irrational steps


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
        "columns",
        "cold",
        "in_floor",
        "reach",
        "open",
        "subset_below",
        "leaders",
        "flat_leaders",
        "column_at",
        "cold_mask",
        "cold_count",
    )

    def __init__(self, config: PolicyConfig, shrink: Shrinkage | None = None) -> None:
        self.config = config
        self.shrink = shrink or Shrinkage()
        self.rates = UserRates(self.shrink.user_strength)
        self.lifts = StreamerLifts()
        self.returns = StreamerReturns(config.concave_kappa, config.concave_basis)
        self.prices = CapacityPrices(config.capacity_viewers, config.price_rule, config.price_step)
        self.kappa = 0.0  # the concave returns' kappa of this round (0: linear)
        self.round = -1
        # Streamers drawn this round, in columns (room to grow: a streamer that starts mid-round is added):
        self.theta = np.zeros((config.rows, 64))  # draws (a cold-start streamer's: its posterior mean)
        self.mean = np.zeros(64)  # posterior mean
        self.cold = np.zeros(64, dtype=bool)  # cold-start?
        self.in_floor = np.zeros(64, dtype=bool)  # cold-start and in the explored subset
        self.gain = np.zeros(64)  # marginal return g'(V_s) this round (allocator/concave.py)
        self.reach = np.zeros(64)  # ``gain``, 0 for a cold-start streamer waiting its turn (not in the floor)
        self.open = np.zeros(64)  # ``reach`` without the returns: 1, 0 for a cold-start streamer waiting
        self.subset_below = 1.0  # this round's explored subset: hash fractions up to this
        self.columns = 0  # columns in use
        self.column: dict[int, int] = {}  # streamer -> its column
        self.leaders = RowLeaders()
        self.flat_leaders = RowLeaders()  # on base values without the returns (``concave_spenders``)
        self.column_at = np.zeros(64, dtype=np.int64)  # per live room (``rooms.arrays()`` order): column
        self.cold_mask = np.zeros(64, dtype=bool)  # per live room: in the floor? (kept with ``column_at``)
        self.cold_count = 0  # how many live rooms are in the floor (kept with ``cold_mask``)

    def learn_label(self, label: dict[str, Any]) -> None:
        if label["kind"] == "orphan":
            self.returns.learn_label(label)
            return
        population = self.rates.population()
        expected = self.rates.gift_rate(label["user_id"], population)
        self.lifts.learn_label(label, expected)
        worth = 0.0
        if self.returns.basis == "expected" and self.returns.kappa_share > 0:
            worth = self.rates.value_per_click(label["user_id"], population)
        self.rates.learn_label(label)
        self.returns.learn_label(label, worth)

    def is_cold(self, streamer_id: int, now_ms: int) -> bool:
        """Cold-start as this round treats it (as of its draw), or now for a streamer without draws."""
        column = self.column.get(streamer_id)
        if column is not None:
            return bool(self.cold[column])
        _shape, _rate, clicks = self.lifts.posterior(np.array([streamer_id]), now_ms)
        return bool(clicks[0] < self.config.cold_start_clicks)

    def observe_viewers(
        self, viewers: list[tuple[int, int]], shard: tuple[int, int], rooms: LiveRooms
    ) -> None:
        self.prices.observe(viewers, rooms.streamer_of, shard)

    def sweep(self, now_ms: int, rooms: LiveRooms) -> None:
        self.prices.forget(rooms.by_streamer)
        self.rates.sweep(now_ms)
        self.lifts.sweep(now_ms)
        self.returns.sweep(now_ms)

    def choose(
        self, request: dict[str, Any], rooms: LiveRooms, blocked: np.ndarray | None
    ) -> tuple[np.ndarray, np.ndarray, ColdFloor, int, int]:
        """For one request over ``rooms.arrays()`` (``blocked``: the positions of the capped rooms, or None):
        (each row's chosen room index or -1, each row's value, the cold-start floor (eligible rooms),
        the request's row, its pick among those cold-start rooms when its row explores, else -1).

        Scores the rows' leaders and the user's history rooms (allocator/row_leaders.py), which gives
        exactly what scoring every live room gives (``choose_over_every_room``) while every row keeps a
        leader that is neither blocked nor in the history; otherwise it scores every live room."""
        self.advance_to(request["ts"], rooms)
        base_weight, own, binds = self._weights(request, rooms)
        n = len(rooms)
        columns = self.column_at[:n]
        floor = ColdFloor(self.cold_mask[:n], self.cold_count, blocked)
        led = self._best_by_leaders(rooms, base_weight, own, blocked, binds) if n else None
        if led is None:
            best, value = self._best_of(rooms, blocked, columns, base_weight, own, binds)
        else:
            best, value = led
        return self._explore(request, rooms, columns, floor, best, value, base_weight, own, binds)

    def choose_over_every_room(
        self, request: dict[str, Any], rooms: LiveRooms, blocked: np.ndarray | None
    ) -> tuple[np.ndarray, np.ndarray, ColdFloor, int, int]:
        """``choose`` by scoring every live room, with the cold-start mask read from this round's draws
        rather than kept as rooms start and end (the definition; ``choose`` is a shortcut to it)."""
        self.advance_to(request["ts"], rooms)
        base_weight, own, binds = self._weights(request, rooms)
        _live_ids, streamers = rooms.arrays()
        columns = self._columns(streamers)
        cold = self.in_floor[columns]
        floor = ColdFloor(cold, int(np.count_nonzero(cold)), blocked)
        best, value = self._best_of(rooms, blocked, columns, base_weight, own, binds)
        return self._explore(request, rooms, columns, floor, best, value, base_weight, own, binds)

    def mean_values(self, request: dict[str, Any], rooms: LiveRooms, live_ids: list[int]) -> np.ndarray:
        """The value of showing each of ``live_ids`` to the request's user at the streamers' posterior means
        (no draws, returns or prices: the expected gift amount of the exposure); 0 for a room not live."""
        self.advance_to(request["ts"], rooms)
        base_weight, own, _binds = self._weights(request, rooms)
        query = np.asarray(live_ids, dtype=np.int64)
        values = np.zeros(query.size)
        ids = rooms.arrays()[0]
        if not (ids.size and query.size):
            return values
        # Array lookups: a uniform target's distribution holds every live room (thousands per request).
        at, live = _lookup(ids, query)
        weight = np.full(query.size, base_weight)
        if own:
            mine, history = _lookup(np.fromiter(own, np.int64, len(own)), query)
            weight[history] = np.fromiter(own.values(), float, len(own))[mine[history]]
        values[live] = weight[live] * self.mean[self.column_at[at[live]]]
        return values

    def _weights(self, request: dict[str, Any], rooms: LiveRooms) -> tuple[float, dict[int, float], bool]:
        """(the user's weight on a room outside their history, {history room: the user's weight on it},
        do the concave returns bind on this user?): P(click | shown) x E[gift value | click] before the
        streamer's multiplier, return and price. With ``concave_spenders`` the returns bind only on users
        whose gift value per click is that multiple of the population's: the few big spenders who set
        how unequal streamers' revenue is, while everyone else goes where they are worth most."""
        profile = request.get("profile")
        user_counts, pairs = profile if profile is not None else (NO_COUNTS, {})
        population = self.rates.population()
        user = user_terms(user_counts, population, self.shrink)
        spenders = self.config.concave_spenders
        binds = self.kappa <= 0 or spenders <= 0 or user.value >= spenders * population.value_per_click
        own: dict[int, float] = {}
        by_streamer = rooms.by_streamer
        for streamer in pairs.keys() & by_streamer.keys():  # most of the user's streamers are not live
            mean = float(self.mean[self.column[streamer]])
            click, lift = pair_terms(pairs[streamer], user, mean, self.shrink)
            for live_id in by_streamer[streamer]:
                own[live_id] = click * user.value * lift
        return user.click_rate * user.value, own, binds

    def _best_by_leaders(
        self,
        rooms: LiveRooms,
        base_weight: float,
        own: dict[int, float],
        blocked: np.ndarray | None,
        binds: bool = True,
    ) -> tuple[np.ndarray, np.ndarray] | None:
        """(each row's best room, its value) from the rows' leaders and the user's history rooms: what
        ``_best_of`` gives over every live room. None when some row has no leader left outside the history
        and the blocked rooms, or when the user's weight is not positive (the leaders lead on base value,
        which only a positive weight keeps)."""
        if base_weight <= 0:
            return None
        leaders, position = self._ensure_leaders(rooms, binds), rooms.position
        own_at = [position[r] for r in own]
        held = set(blocked.tolist()) if blocked is not None else None
        excluded = None
        if own_at or held:  # the leaders among the history and capped rooms
            out = held.union(own_at) if held else set(own_at)
            excluded = leaders.among(np.fromiter(out, dtype=np.int64, count=len(out)))
        if not leaders.cover(excluded):
            return None
        best, value = leaders.best(excluded)
        value = value * base_weight
        if not own_at:
            return best, value
        ordered = sorted(zip(own_at, own.values(), strict=True))  # ascending: the lowest position wins ties
        at = np.array([p for p, _w in ordered], dtype=np.int64)
        values = self._base(self.column_at[at], rooms.arrays()[1][at], True, binds) * [w for _p, w in ordered]
        if held:
            values[:, [p in held for p, _w in ordered]] = BLOCKED
        own_best, own_value = at[values.argmax(axis=1)], values.max(axis=1)
        take = (own_value > value) | ((own_value == value) & (own_best < best))
        return np.where(take, own_best, best), np.where(take, own_value, value)

    def _best_of(
        self,
        rooms: LiveRooms,
        blocked: np.ndarray | None,
        columns: np.ndarray,
        base_weight: float,
        own: dict[int, float],
        binds: bool = True,
    ) -> tuple[np.ndarray, np.ndarray]:
        """(each row's best room or -1, its value) over every live room, ``columns`` holding each one's
        column in this round's draws (the lowest position wins ties)."""
        _live_ids, streamers = rooms.arrays()
        values = self._base(columns, streamers, False, binds)
        if own:
            at = [rooms.position[live_id] for live_id in own]
            values[:, at] = self._base(columns[at], streamers[at], True, binds)
            weight = np.full(streamers.size, base_weight)
            weight[at] = list(own.values())
            values *= weight
        else:
            values *= base_weight
        if blocked is not None:
            values[:, blocked] = BLOCKED
        if not streamers.size:
            return np.full(self.config.rows, -1), np.full(self.config.rows, BLOCKED)
        value = values.max(axis=1)
        return np.where(value >= 0, values.argmax(axis=1), -1), value

    def _explore(
        self,
        request: dict[str, Any],
        rooms: LiveRooms,
        columns: np.ndarray,
        floor: ColdFloor,
        best: np.ndarray,
        value: np.ndarray,
        base_weight: float,
        own: dict[int, float],
        binds: bool = True,
    ) -> tuple[np.ndarray, np.ndarray, ColdFloor, int, int]:
        """``choose``'s answer from the rows' best rooms: the request's row, and its pick among the
        cold-start rooms (``floor``) when that row explores (its value then the pick's)."""
        config = self.config
        row = zlib.crc32(request["id"].encode()) % config.rows
        pick = -1
        if row < config.explore_rows and floor.size:
            live_ids, streamers = rooms.arrays()
            pick = floor.pick(_floor_hash(config.seed, request["id"]))
            w = own.get(int(live_ids[pick]), base_weight)
            base = self._base(columns[pick : pick + 1], streamers[pick : pick + 1], False, binds)
            value[row] = w * float(base[0, 0])
        return best, value, floor, row, pick

    def probability(self, best: np.ndarray, floor: ColdFloor, room: int) -> float:
        """The exact probability that the request whose rows chose ``best`` gets live room index ``room``
        (-1: no room), as ``distribution`` gives it, without listing every room."""
        rows, explore = self.config.rows, self.config.explore_rows if floor.size else 0
        probability = np.count_nonzero(best[explore:] == room) / rows
        if explore and floor.holds(room):
            probability += explore / rows / floor.size
        return float(probability)  # a Python float: decisions are written as JSON

    def distribution(
        self, best: np.ndarray, floor: ColdFloor, live_ids: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """(rooms, probabilities) of the request whose rows chose ``best`` (see ``choose``)."""
        rows, explore = self.config.rows, self.config.explore_rows if floor.size else 0
        exploit = best[explore:]
        exploit = exploit[exploit >= 0]
        probability = np.bincount(exploit, minlength=live_ids.size) / rows
        if explore:
            probability[floor.rooms] += explore / rows / floor.size
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
        self.columns, self.column = 0, {}
        # The streamers live at the round's first item are the same in every shard (room events reach all
        # of them and requests start no rooms), so one generator per round draws them all.
        live = np.array(sorted(rooms.by_streamer), dtype=np.int64)
        self._draw(live, start, [config.seed, index])
        _live_ids, streamers = rooms.arrays()
        self._grow_column_at(streamers.size)
        self.column_at[: streamers.size] = self._columns(streamers)
        self.cold_mask[: streamers.size] = self.in_floor[self.column_at[: streamers.size]]
        self.cold_count = int(np.count_nonzero(self.cold_mask[: streamers.size]))
        self.leaders.stale = self.flat_leaders.stale = True

    def start_room(self, live_id: int, streamer_id: int, now_ms: int, rooms: LiveRooms) -> None:
        """A room started (``rooms`` has it): its streamer is drawn now if it has no draws this round
        (identically in every shard: the draw is keyed by (seed, round, streamer))."""
        if streamer_id not in self.column:
            self._draw_one(streamer_id, now_ms)
        at = rooms.position[live_id]
        self._grow_column_at(at + 1)
        column = self.column_at[at] = self.column[streamer_id]
        self.cold_mask[at] = self.in_floor[column]
        self.cold_count += int(self.in_floor[column])
        key = (self.round, self.prices.version)
        for leaders, binds in ((self.leaders, True), (self.flat_leaders, False)):
            if leaders.key == key and not leaders.stale:
                base = self._base(np.array([column]), np.array([streamer_id]), False, binds)
                leaders.start(at, base[:, 0])

    def end_room(self, live_id: int, rooms: LiveRooms) -> None:
        """A room is about to end (``rooms`` still has it): mirror its removal from ``rooms.arrays()``."""
        at = rooms.position.get(live_id)
        if at is None:
            return
        last = len(rooms) - 1
        self.column_at[at] = self.column_at[last]  # LiveRooms moves its last room into the gap
        self.cold_count -= int(self.cold_mask[at])
        self.cold_mask[at] = self.cold_mask[last]
        self.leaders.end(at, last)
        self.flat_leaders.end(at, last)

    def _ensure_leaders(self, rooms: LiveRooms, binds: bool = True) -> RowLeaders:
        """The rows' leaders on base values with the returns (``binds``) or without, up to date."""
        leaders, key = self.leaders if binds else self.flat_leaders, (self.round, self.prices.version)
        if leaders.stale or leaders.key != key:
            n = len(rooms)
            leaders.rebuild(self._base(self.column_at[:n], rooms.arrays()[1], False, binds), key)
        return leaders

    def _columns(self, streamers: np.ndarray) -> np.ndarray:
        """Each streamer's column in this round's draws."""
        return np.array([self.column[s] for s in streamers.tolist()], dtype=np.int64)

    def _base(
        self, columns: np.ndarray, streamers: np.ndarray, history: bool = False, binds: bool = True
    ) -> np.ndarray:
        """(rows x streamers, given with their columns): draw (a cold-start streamer's mean) x marginal
        return (when the returns ``binds``) x capacity price; 0 for a cold-start streamer waiting its turn,
        unless ``history`` (the rooms of the user's own history, which the user's evidence values)."""
        prices = self.prices.multipliers(streamers)
        if history and not binds:
            return self.theta[:, columns] * prices
        scale = self.gain if history else self.reach if binds else self.open
        return self.theta[:, columns] * (scale[columns] * prices)

    def _grow_column_at(self, size: int) -> None:
        if size > self.column_at.size:
            grown = np.zeros(max(size, 2 * self.column_at.size), dtype=np.int64)
            grown[: self.column_at.size] = self.column_at
            self.column_at = grown
            self.cold_mask = np.resize(self.cold_mask, grown.size)

    def _draw(self, streamers: np.ndarray, now_ms: int, seed: list[int]) -> None:
        """Draw ``rows`` multipliers of each streamer from their posterior at ``now_ms`` (a cold-start one
        gets its posterior mean in every row, and no generator is made when all are cold)."""
        config = self.config
        shape, rate, clicks = self.lifts.posterior(streamers, now_ms)
        mean = shape / rate
        cold = clicks < config.cold_start_clicks
        draws = np.broadcast_to(
            mean * _tie_nudge(streamers, self.round), (config.rows, streamers.size)
        ).copy()
        if config.sample and not cold.all():
            spread = config.draw_spread**2  # draws keep the posterior's mean, their sd is scaled
            warm = ~cold
            rng = np.random.default_rng(seed)
            draws[:, warm] = rng.gamma(
                shape[warm] / spread, spread / rate[warm], (config.rows, int(warm.sum()))
            )
        start, end = self._add_columns(streamers.size)
        self.theta[:, start:end] = draws
        self.mean[start:end] = mean
        self.cold[start:end] = cold
        self.gain[start:end] = self.returns.marginal(streamers, now_ms, self.kappa)
        if config.explore_share < 1:
            self._choose_subset(streamers[cold])
            explored = cold & (self._fraction(streamers) <= self.subset_below)
        else:
            explored = cold
        self.in_floor[start:end] = explored
        self.reach[start:end] = np.where(cold & ~explored, 0.0, self.gain[start:end])
        self.open[start:end] = np.where(cold & ~explored, 0.0, 1.0)
        self.column.update(zip(streamers.tolist(), range(start, end), strict=True))

    def _draw_one(self, streamer_id: int, now_ms: int) -> None:
        """``_draw`` of one streamer whose room starts mid-round, with its own generator (seed, round,
        streamer), in Python floats: the same values as ``_draw`` of a one-streamer array, at a third of
        the cost (a room start is as frequent as a request in the decision stage)."""
        config = self.config
        shape, rate, clicks = self.lifts.posterior_one(streamer_id, now_ms)
        mean = shape / rate
        cold = clicks < config.cold_start_clicks
        column, _end = self._add_columns(1)
        if config.sample and not cold:
            spread = config.draw_spread**2
            rng = np.random.default_rng([config.seed, self.round, streamer_id])
            self.theta[:, column] = rng.gamma(shape / spread, spread / rate, config.rows)
        else:
            self.theta[:, column] = mean * _tie_nudge(streamer_id, self.round)
        self.mean[column] = mean
        self.cold[column] = cold
        self.gain[column] = self.returns.marginal_one(streamer_id, now_ms, self.kappa)
        waiting = cold and config.explore_share < 1 and self._fraction(streamer_id) > self.subset_below
        self.in_floor[column] = cold and not waiting
        self.reach[column] = 0.0 if waiting else self.gain[column]
        self.open[column] = 0.0 if waiting else 1.0
        self.column[streamer_id] = column

    def _fraction(self, streamers: Any) -> Any:
        """The hash fraction in [0, 1) of each streamer (an id or an array of them) this period, which moves
        by an irrational step from one period to the next."""
        config = self.config
        return _weyl_fraction(
            streamers, self.round * config.round_ms // config.explore_period_ms + config.seed
        )

    def _choose_subset(self, cold: np.ndarray) -> None:
        """This round's explored subset of the live cold-start streamers ``cold``: the ``explore_share``
        of them (at least ``explore_min``) with the lowest fractions; a streamer whose room starts later in
        the round joins if its fraction is as low."""
        config = self.config
        count = max(config.explore_min, math.ceil(config.explore_share * cold.size))
        if count >= cold.size:
            self.subset_below = 1.0
        else:
            self.subset_below = float(np.partition(self._fraction(cold), count - 1)[count - 1])

    def _add_columns(self, count: int) -> tuple[int, int]:
        """(start, end) of ``count`` new columns of this round's draws, grown as needed."""
        start, end = self.columns, self.columns + count
        if end > self.mean.size:
            size = max(end, 2 * self.mean.size)
            theta = np.zeros((self.config.rows, size))
            theta[:, :start] = self.theta[:, :start]
            self.theta = theta
            self.mean = np.resize(self.mean, size)
            self.gain = np.resize(self.gain, size)
            self.cold = np.resize(self.cold, size)
            self.in_floor = np.resize(self.in_floor, size)
            self.reach = np.resize(self.reach, size)
            self.open = np.resize(self.open, size)
        self.columns = end
        return start, end


def _lookup(keys: np.ndarray, query: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(index into ``keys`` of each of ``query``, whether it is there) for distinct, unsorted ``keys``."""
    order = np.argsort(keys)
    at = order[np.minimum(np.searchsorted(keys, query, sorter=order), keys.size - 1)]
    return at, keys[at] == query


def _floor_hash(seed: int, request_id: str) -> int:
    """The hash that picks an exploring request's cold-start room: BLAKE2b of (seed, request), independent of
    the row's CRC-32. A CRC of "seed:id" would not be: CRC is affine, so for ids of one length it is the
    id's CRC xor a constant, and the exploring rows (a range of the id's CRC) would reach only some of the
    floor's rooms (half of them when their count is a multiple of 8) against their stated propensities."""
    digest = hashlib.blake2b(f"{seed}:{request_id}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "little")


def _tie_nudge(streamers: Any, round_index: int) -> Any:
    """1 + TIE_BREAK x the Weyl fraction of (streamer, round): of a streamer id or an array of them."""
    return 1.0 + TIE_BREAK * _weyl_fraction(streamers, round_index)


def _weyl_fraction(streamers: Any, index: int) -> Any:
    """The fractional part of streamer x 1/golden ratio + index x 1/plastic number: distinct for distinct
    streamers, in two array operations, for a streamer id or an array of them."""
    return (streamers * _WEYL[0] + index * _WEYL[1]) % 1.0

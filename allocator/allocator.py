"""Everything the decision stage keeps, and one decision per request.

State: the live rooms, every streamer's posterior (learned from the flow's corrected labels), the draw
table, the load the caps count, the hourly ranking and the current round. A request is an impression or a
click carrying the user's streamer history from the user stage; the answer is a decision record
(allocator/records.py).

Candidates: the ``top_rooms`` live rooms with the highest posterior value per exposure (the decayed gift
revenue per viewer, ranked every ``rank_every_ms``), the live rooms of the user's ``history_rooms`` most
recently active streamers, and each row's ``cold_rooms`` sampled live cold-start rooms (50 + 24 + 10 by
default; a streamer rarely has two rooms live).

The pair factor of the user's history streamers is the hand-set boost, or with ``pair_model`` "online" or
"offline" a value model's lift (allocator/pair_lift.py). The model needs the request to carry the user's
features and the pair features of its history, and the streamers' features: the latest seen on a click
request of the streamer (computed strictly before that click), kept while the streamer has a live room.
"""

from __future__ import annotations

import heapq
import zlib
from collections.abc import Iterable
from typing import Any

import numpy as np

from allocator.draw_table import DrawTable
from allocator.live_rooms import LiveRooms
from allocator.load import AllocationLoad
from allocator.pair_lift import ValueModel, pair_lifts
from allocator.policy import BLOCKED, NO_ROOM, PolicyConfig, add_candidates, choose_rows
from allocator.posteriors import PosteriorBook
from allocator.sample_round import SampleRound
from allocator.scorer import Scorer
from allocator.value_policy import ValuePolicy
from giftlive.compact_state import CompactState
from giftlive.events import EventType

SWEEP_EVERY_MS = 3_600_000
_REQUEST_TYPES = {EventType.IMPRESSION: "impression", EventType.CLICK: "click"}


def decision_id(request_id: str, config: PolicyConfig) -> str:
    """Deterministic: a rerun or a resumed run gives the same id, so consumers can drop duplicates."""
    return f"{request_id}@{config.name}.v{config.version}"


class Allocator(CompactState):
    __slots__ = (
        "config",
        "rooms",
        "posteriors",
        "draws",
        "load",
        "standing",
        "top",
        "cold",
        "ranked_at",
        "round",
        "started",
        "next_sweep",
        "value_model",
        "streamer_features",
        "scorer",
        "last_choice",
        "last_means",
        "value",
        "direct",
    )

    def __init__(
        self,
        config: PolicyConfig | None = None,
        value_model: ValueModel | None = None,
        scorer: Scorer | None = None,
        direct_model: bool = False,
    ) -> None:
        config = self.config = config or PolicyConfig()
        if (config.scoring == "scorer") != (scorer is not None):
            raise ValueError("a scorer is given exactly when the policy's scoring is 'scorer'")
        self.scorer = scorer
        self.value = ValuePolicy(config) if config.scoring == "value" else None
        # Off-policy evaluation's direct-method model for a policy that does not value by user (``direct``):
        # the value policy's own model, learned beside it, so every target is judged with one model.
        self.direct = None
        if direct_model and self.value is None:
            self.direct = ValuePolicy(PolicyConfig(family="direct-model", scoring="value", sample=False))
        # What the last decision chose from, for off-policy evaluation in shadow (probability_of):
        # ("rows", every row's room) | ("uniform", the eligible rooms) | ("greedy", the room).
        self.last_choice: tuple[str, Any] = ("greedy", NO_ROOM)
        self.last_means: tuple[Any, int | None, np.ndarray] | None = None  # _live_posterior_means
        # The pair lift's model: fixed (offline), or replaced by the label stage's snapshots (online); with
        # a model policy and no model yet, history streamers get no factor.
        self.value_model = value_model
        self.streamer_features: dict[int, tuple] = {}  # streamer -> its features at its latest click
        self.rooms = LiveRooms()
        self.posteriors = PosteriorBook()
        self.draws = DrawTable(config.rows)
        self.load = AllocationLoad(config.capacity, config.hold_ms, config.pair_cap, config.pair_window_ms)
        self.standing: dict[int, tuple[float, float]] = {}  # streamer -> (value per exposure, click mass)
        self.top: list[tuple[int, int]] = []  # (room, streamer) by value, as of the last ranking
        self.cold: tuple[list[int], list[int]] = ([], [])  # cold-start rooms and their streamers
        self.ranked_at: int | None = None
        self.round: SampleRound | None = None
        self.started: list[int] = []  # streamers without draws whose rooms started since the last round
        self.next_sweep = 0

    def advance_to(self, now: int) -> None:
        """Event time reached ``now`` (any item: room event, label, viewers, request): sweep at each
        multiple of SWEEP_EVERY_MS and let the value policy open its round. Both act on the state as of a
        fixed event time, the same in every decision shard (rooms, labels and viewers reach all of them)."""
        if now >= self.next_sweep:
            boundary = now // SWEEP_EVERY_MS * SWEEP_EVERY_MS
            self._sweep(boundary)
        if self.value is not None:
            self.value.advance_to(now, self.rooms)
        elif self.direct is not None:
            self.direct.advance_to(now, self.rooms)

    def start_room(self, event: dict[str, Any]) -> None:
        self.advance_to(event["ts"])
        live_id, streamer_id = event["live_id"], event["streamer_id"]
        if self.value is not None and live_id in self.rooms:
            return  # already live: a repeated start changes nothing
        fresh = self.direct is not None and live_id not in self.rooms  # only the direct model asks
        self.rooms.start(live_id, streamer_id, event["ts"])
        if fresh:
            self.direct.start_room(live_id, streamer_id, event["ts"], self.rooms)
        if self.value is not None:
            self.value.start_room(live_id, streamer_id, event["ts"], self.rooms)
            return
        if streamer_id not in self.draws.slot_of:
            self.started.append(streamer_id)
        if self._is_cold(streamer_id, event["ts"]):
            self.cold[0].append(live_id)
            self.cold[1].append(streamer_id)

    def end_room(self, event: dict[str, Any]) -> None:
        self.advance_to(event["ts"])
        self._end(event["live_id"])

    def _end(self, live_id: int) -> None:
        if self.value is not None:
            self.value.end_room(live_id, self.rooms)
        elif self.direct is not None:
            self.direct.end_room(live_id, self.rooms)
        self.rooms.end(live_id)
        if self.round is not None:
            self.round.block_room(live_id)

    def learn_label(self, label: dict[str, Any]) -> None:
        self.advance_to(label["ts"])
        if self.value is not None:
            self.value.learn_label(label)
        elif self.direct is not None:
            self.direct.learn_label(label)
        self.posteriors.learn_label(label)
        if label["streamer_id"] in self.draws.slot_of:
            self.draws.relabelled.add(label["streamer_id"])

    def observe_viewers(self, now: int, viewers: list[tuple[int, int]], shard: tuple[int, int]) -> None:
        """A streamer shard's report of its rooms with viewers (capacity prices of the value policy);
        ``shard``: (index, count) of the streamer shards, whose other streamers have no viewers."""
        self.advance_to(now)
        if self.value is not None:
            self.value.observe_viewers(viewers, shard, self.rooms)

    def use_model(self, model: ValueModel) -> None:
        """From now on, pair lifts come from ``model`` (a snapshot of the online model)."""
        self.value_model = model

    def decide(self, request: dict[str, Any]) -> dict[str, Any]:
        """The decision record for one request: a room, or none when every candidate is capped."""
        config = self.config
        now = request["ts"]
        self.advance_to(now)
        user_id = request["user_id"]
        features = request.get("streamer_features")
        if features is not None:
            self.streamer_features[request["streamer_id"]] = features
        if config.scoring == "value":
            return self._decide_by_value(request)
        if config.scoring != "thompson":
            return self._decide_over_live_rooms(request)
        rnd = self._round_at(now)
        load = self.load
        load.advance(now)
        full = load.full
        pair_capped = load.capped_for(user_id, now)
        hist_live, hist_streamers, factors = self._history_rooms(rnd, request)
        base = rnd.choices_under(full, config.explore_rows, self.rooms.streamer_of)
        row = zlib.crc32(request["id"].encode()) % config.rows
        if not (rnd.base_chosen & pair_capped or rnd.shared.intersection(factors)):
            # No row's choice among the shared candidates is capped for this user and none of them has a
            # pair factor (blocking a candidate no row chose changes nothing): add the history rooms.
            top_capped, cold_capped = rnd.base_capped
            capacity_capped, frequency_capped = top_capped + int(cold_capped[row]), 0
            for streamer in (rnd.shared & pair_capped) - full if pair_capped else ():
                frequency_capped += len(rnd.top_positions.get(streamer, ()))
                frequency_capped += int(
                    np.count_nonzero(rnd.cold_distinct[row] & (rnd.cold_streamers[row] == streamer))
                )
            choices = base
            if hist_live:
                values = self._values(rnd, hist_streamers)
                capped = _adjust(values, hist_streamers, factors, full, pair_capped)
                capacity_capped += capped[0]
                frequency_capped += capped[1]
                choices = add_candidates(base, np.array(hist_live, dtype=np.int64), values)
        else:
            streamers = rnd.top_streamers + hist_streamers
            values = np.concatenate((rnd.top_values, self._values(rnd, hist_streamers)))
            blocked = full | pair_capped
            capacity_capped, frequency_capped = _adjust(values, streamers, factors, full, pair_capped)
            cold_values = rnd.cold_values
            for streamer in factors.keys() & rnd.cold_sampled:  # every copy of a streamer has its factor
                lifted = (rnd.cold_streamers == streamer) & (cold_values >= 0)
                cold_values = np.where(lifted, cold_values * factors[streamer], cold_values)
            cold_out = blocked & rnd.cold_sampled
            if cold_out:
                mask = np.isin(rnd.cold_streamers, list(cold_out))
                cold_values = np.where(mask, BLOCKED, cold_values)
                row_cold = rnd.cold_streamers[row][rnd.cold_distinct[row]].tolist()
                capacity_capped += sum(1 for s in row_cold if s in full)
                frequency_capped += sum(1 for s in row_cold if s in pair_capped and s not in full)
            fixed_live = np.concatenate((rnd.top_live, np.array(hist_live, dtype=np.int64)))
            choices = choose_rows(
                config.rows, fixed_live, values, rnd.cold_live, cold_values, config.explore_rows
            )
        live_id = int(choices.live[row])
        self.last_choice = ("rows", choices.live)
        return self._record(
            request,
            live_id,
            score=float(choices.value[row]),
            propensity=float(np.count_nonzero(choices.live == live_id)) / config.rows,
            candidates=len(rnd.top_streamers) + len(hist_live) + rnd.cold_counts[row],
            explored=bool(choices.explored[row]),
            capped=(capacity_capped, frequency_capped),
        )

    def last_distribution(self) -> tuple[np.ndarray, np.ndarray]:
        """(rooms, probabilities): what the last decision would show, exactly, under this policy; for
        off-policy evaluation of this allocator in shadow on requests another policy served. Read it before
        the next room start or end (a value policy's rooms are a view of the live rooms)."""
        kind, chosen = self.last_choice
        if kind == "rows":
            rooms, counts = np.unique(chosen[chosen != NO_ROOM], return_counts=True)
            return rooms, counts / self.config.rows
        if kind == "uniform":
            return chosen, np.full(chosen.size, 1.0 / max(chosen.size, 1))
        if kind == "value":
            assert self.value is not None
            best, floor, live_ids, changes = chosen
            if changes != self.rooms.changes:
                raise RuntimeError(
                    "rooms started or ended since the last decision: read its distribution right after it"
                )
            return self.value.distribution(best, floor, live_ids)
        if chosen == NO_ROOM:
            return np.zeros(0, dtype=np.int64), np.zeros(0)
        return np.array([chosen]), np.ones(1)

    def probability_of(self, live_id: int) -> float:
        """P(the last decision shows room ``live_id``) under this policy (see last_distribution)."""
        rooms, probabilities = self.last_distribution()
        return float(probabilities[rooms == live_id].sum())

    def direct_values(self, request: dict[str, Any], live_ids: list[int]) -> np.ndarray:
        """The value of showing each room to the last request's user under the value policy's model at its
        posterior mean, P(click) x gift value for this user: its own for a value policy, else the model
        learned beside it (``direct_model``); without one, the streamer's posterior value per exposure (as
        the greedy policy ranks them). 0 for a room not live. For off-policy evaluation: the direct-method
        model of this allocator as a target."""
        model = self.value if self.value is not None else self.direct
        if model is not None:
            return model.mean_values(request, self.rooms, live_ids)
        streamer_of = self.rooms.streamer_of
        live = [i for i, r in enumerate(live_ids) if r in streamer_of]
        values = np.zeros(len(live_ids))
        if live:
            values[live] = self._posterior_means([streamer_of[live_ids[i]] for i in live], request["ts"])
        return values

    def _capped_rooms(self, user_id: int, now: int) -> tuple[np.ndarray | None, tuple[int, int]]:
        """``_capped_positions`` as a mask over ``rooms.arrays()``."""
        blocked, capped = self._capped_positions(user_id, now)
        if blocked is None:
            return None, capped
        mask = np.zeros(len(self.rooms), dtype=bool)
        mask[blocked] = True
        return mask, capped

    def _capped_positions(self, user_id: int, now: int) -> tuple[np.ndarray | None, tuple[int, int]]:
        """(the positions in ``rooms.arrays()`` of the live rooms whose streamer is at capacity or at this
        user's frequency cap, or None when there is none; (rooms at capacity, rooms at the frequency cap)).
        A few positions, not a mask over every live room (~64,000 at KuaiLive's scale)."""
        load = self.load
        load.advance(now)
        full, pair_capped = load.full, load.capped_for(user_id, now)
        if not (full or pair_capped):
            return None, (0, 0)
        at_capacity, at_frequency = self._positions_of(full), self._positions_of(pair_capped - full)
        if not (at_capacity or at_frequency):
            return None, (0, 0)
        return np.array(at_capacity + at_frequency, dtype=np.int64), (len(at_capacity), len(at_frequency))

    def _positions_of(self, streamers: Iterable[int]) -> list[int]:
        """The positions in ``rooms.arrays()`` of the live rooms of ``streamers``."""
        by_streamer, position = self.rooms.by_streamer, self.rooms.position
        return [position[r] for s in streamers for r in by_streamer.get(s, ())]

    def _decide_by_value(self, request: dict[str, Any]) -> dict[str, Any]:
        """Thompson rows on the value of an exposure for this user over every live room
        (allocator/value_policy.py), under the caps; the propensity is the room's exact probability."""
        assert self.value is not None
        blocked, capped = self._capped_positions(request["user_id"], request["ts"])
        # A view that the next room start or end rewrites (copying ~64,000 ids per request at KuaiLive's
        # scale costs more than the rest of a decision): last_distribution reads it only if none came since.
        live_ids = self.rooms.arrays()[0]
        best, value, floor, row, pick = self.value.choose(request, self.rooms, blocked)
        j = pick if pick >= 0 else int(best[row])
        live_id = NO_ROOM if j < 0 else int(live_ids[j])
        self.last_choice = ("value", (best, floor, live_ids, self.rooms.changes))
        propensity = self.value.probability(best, floor, j)
        return self._record(request, live_id, float(value[row]), propensity, live_ids.size, pick >= 0, capped)

    def _decide_over_live_rooms(self, request: dict[str, Any]) -> dict[str, Any]:
        """Greedy on one value per eligible live room (posterior mean or the injected scorer), or a uniform
        pick; the Thompson policy's caps. Propensity: 1 when greedy, 1 / eligible rooms when uniform."""
        config, now, user_id = self.config, request["ts"], request["user_id"]
        live_ids, streamers = self.rooms.arrays()
        blocked, capped = self._capped_rooms(user_id, now)
        if blocked is not None:
            eligible = np.flatnonzero(~blocked)
            live_ids, streamers = live_ids[eligible], streamers[eligible]
        else:  # nothing capped (most requests): every live room, no index arrays
            eligible = None
            live_ids = live_ids.copy()  # ``arrays`` are views that the next start or end rewrites
        candidates = len(self.rooms)
        if live_ids.size == 0:
            self.last_choice = ("greedy", NO_ROOM)
            return self._record(request, NO_ROOM, 0.0, 1.0, candidates, False, capped)
        if config.scoring == "uniform":
            draw = zlib.crc32(f"{config.seed}:{request['id']}".encode())  # uniform enough for n << 2**32
            pick = draw % live_ids.size
            self.last_choice = ("uniform", live_ids)
            return self._record(
                request, int(live_ids[pick]), 0.0, 1.0 / live_ids.size, candidates, False, capped
            )
        if config.scoring == "scorer":
            values = np.asarray(self.scorer(user_id, live_ids, streamers, now), dtype=float)
        else:
            means = self._live_posterior_means(now, self.rooms.arrays()[1])
            values = means if eligible is None else means[eligible]
        best = int(values.argmax())
        self.last_choice = ("greedy", int(live_ids[best]))
        return self._record(request, int(live_ids[best]), float(values[best]), 1.0, candidates, False, capped)

    def _live_posterior_means(self, now: int, streamers: np.ndarray) -> np.ndarray:
        """``_posterior_means`` of the live rooms' streamers (``rooms.arrays()``), kept while the same
        streamers are live and the rooms are not ranked again (the means change only then)."""
        if self.ranked_at is None or now - self.ranked_at >= self.config.rank_every_ms:
            self._rank(now)
        cached = self.last_means
        if cached is not None and cached[1] == self.ranked_at and np.array_equal(cached[0], streamers):
            return cached[2]
        values = self._posterior_means(streamers.tolist(), now)
        self.last_means = (streamers.copy(), self.ranked_at, values)
        return values

    def _posterior_means(self, streamers: list[int], now: int) -> np.ndarray:
        """Each streamer's posterior value per exposure, as of the last hourly ranking (now for one since)."""
        standing, posteriors = self.standing, self.posteriors
        if self.ranked_at is None or now - self.ranked_at >= self.config.rank_every_ms:
            self._rank(now)
            standing = self.standing
        values = []
        for streamer in streamers:
            known = standing.get(streamer)
            if known is None:
                posterior = posteriors.at(streamer, now)
                known = standing[streamer] = (posterior.expected_value(posteriors.prior), posterior.clicks())
            values.append(known[0])
        return np.array(values)

    def _record(
        self,
        request: dict[str, Any],
        live_id: int,
        score: float,
        propensity: float,
        candidates: int,
        explored: bool,
        capped: tuple[int, int],
    ) -> dict[str, Any]:
        """The decision record; a served room is counted against its streamer's caps."""
        config, now, user_id = self.config, request["ts"], request["user_id"]
        streamer_id = None
        if live_id != NO_ROOM:
            streamer_id = self.rooms.streamer_of[live_id]
            if self.value is not None and config.capacity_viewers:  # priced: the viewers it reported
                held = self.value.prices.viewers_of(streamer_id)
            else:  # capped: the allocations it holds
                held = self.load.load(streamer_id)
            self.load.record(user_id, streamer_id, now)
        return {
            "decision_id": decision_id(request["id"], config),
            "request_id": request["id"],
            "request_type": _REQUEST_TYPES[request["type"]],
            "ts": now,
            "user_id": user_id,
            "live_id": None if streamer_id is None else live_id,
            "streamer_id": streamer_id,
            "candidates": candidates,
            "score": None if streamer_id is None else score,
            "propensity": propensity,
            "rows": config.rows,
            "explored": explored,
            "cold_start": streamer_id is not None and self._is_cold(streamer_id, now),
            "load": 0 if streamer_id is None else held,
            "capacity_capped": capped[0],
            "frequency_capped": capped[1],
            "policy": config.name,
            "policy_version": config.version,
        }

    def _values(self, rnd: SampleRound, streamers: list[int]) -> np.ndarray:
        """(streamers × rows) draws, drawing the streamers that have none yet (live since the round began)."""
        draws = self.draws
        slot_of = draws.slot_of
        try:
            slots = [slot_of[s] for s in streamers]
        except KeyError:
            draws.ensure(streamers, rnd.index, rnd.now_ms, rnd.rng, self.posteriors)
            slots = [slot_of[s] for s in streamers]
        return draws.values[slots]

    def _history_rooms(
        self, rnd: SampleRound, request: dict[str, Any]
    ) -> tuple[list[int], list[int], dict[int, float]]:
        """(live rooms of the user's history streamers not already in the top list, their streamers, the
        pair factor of each streamer whose factor is not 1), for the first ``history_rooms`` live
        streamers of the history (the user stage sends the most recent first)."""
        live_ids: list[int] = []
        streamers: list[int] = []
        factors: dict[int, float] = {}
        history = request["history"]
        if not history:
            return live_ids, streamers, factors
        config = self.config
        boost = config.pair_model == "boost"
        pairs = request.get("pairs") or ()
        lifted: list[tuple[int, tuple]] = []
        by_streamer, top, left = self.rooms.by_streamer, rnd.top_set, config.history_rooms
        for place, (streamer_id, gift_sum) in enumerate(history):
            rooms = by_streamer.get(streamer_id)
            if rooms is None:
                continue
            if boost:
                if gift_sum > 0:
                    factors[streamer_id] = config.boost(gift_sum)
            elif pairs:
                lifted.append((streamer_id, pairs[place]))
            for live_id in rooms:
                if live_id not in top:
                    live_ids.append(live_id)
                    streamers.append(streamer_id)
            left -= 1
            if not left:
                break
        if lifted and self.value_model is not None:
            lifts = pair_lifts(
                self.value_model,
                request["ts"],
                request["user_features"],
                lifted,
                self.streamer_features,
                config.max_lift,
            )
            factors = {s: lift for (s, _), lift in zip(lifted, lifts, strict=True) if lift != 1.0}
        return live_ids, streamers, factors

    def _round_at(self, now: int) -> SampleRound:
        config = self.config
        index = now // config.round_ms
        if self.round is not None and self.round.index == index:
            return self.round
        if self.ranked_at is None or now - self.ranked_at >= config.rank_every_ms:
            self._rank(now)
        rnd = self.round = SampleRound(index, now, config.seed, config.rows)
        rooms = self.rooms
        self.draws.renew(rooms.by_streamer, index, config.max_draw_age_rounds, now, rnd.rng, self.posteriors)
        new = sorted({s for s in self.started if s in rooms.by_streamer})
        self.draws.ensure(new, index, now, rnd.rng, self.posteriors)  # one draw call for them all
        self.started = []
        rnd.set_top([(live, s) for live, s in self.top if live in rooms], self.draws, self.posteriors)
        cold = [(live, s) for live, s in zip(*self.cold, strict=True) if live in rooms]
        self.cold = ([live for live, _ in cold], [s for _, s in cold])
        rnd.sample_cold(
            np.array(self.cold[0], dtype=np.int64),
            np.array(self.cold[1], dtype=np.int64),
            config.cold_rooms,
            self.draws,
            self.posteriors,
        )
        return rnd

    def _rank(self, now: int) -> None:
        """Rank the live rooms by posterior value per exposure; list the cold-start ones."""
        posteriors, config = self.posteriors, self.config
        standing: dict[int, tuple[float, float]] = {}
        ranked = []
        cold_live, cold_streamers = [], []
        for live_id, streamer_id in self.rooms.streamer_of.items():
            known = standing.get(streamer_id)
            if known is None:
                posterior = posteriors.at(streamer_id, now)
                known = standing[streamer_id] = (
                    posterior.expected_value(posteriors.prior),
                    posterior.clicks(),
                )
            ranked.append((known[0], live_id, streamer_id))
            if known[1] < config.cold_start_clicks:
                cold_live.append(live_id)
                cold_streamers.append(streamer_id)
        self.standing = standing
        self.top = [(live_id, s) for _value, live_id, s in heapq.nlargest(config.top_rooms, ranked)]
        self.cold = (cold_live, cold_streamers)
        self.ranked_at = now

    def _is_cold(self, streamer_id: int, now: int) -> bool:
        """Too little labelled click mass: as of the last ranking, or now for a streamer not ranked then."""
        if self.value is not None:
            return self.value.is_cold(streamer_id, now)
        known = self.standing.get(streamer_id)
        clicks = self.posteriors.at(streamer_id, now).clicks() if known is None else known[1]
        return clicks < self.config.cold_start_clicks

    def _sweep(self, now: int) -> None:
        self.load.sweep(now)
        for live_id in self.rooms.expired(now):  # ended as a room end would (the value policy mirrors it)
            self._end(live_id)
        self.posteriors.sweep(now)
        if self.value is not None:
            self.value.sweep(now, self.rooms)
        self.draws.forget(self.rooms.by_streamer)
        if self.streamer_features:
            live = self.rooms.by_streamer
            self.streamer_features = {s: f for s, f in self.streamer_features.items() if s in live}
        self.next_sweep = now + SWEEP_EVERY_MS  # ``now`` is a multiple of it (advance_to)


def _adjust(
    values: np.ndarray,
    streamers: list[int],
    factors: dict[int, float],
    full: set[int],
    pair_capped: set[int],
) -> tuple[int, int]:
    """Apply the pair factors and block capped streamers in ``values`` (rows of ``streamers``), in place;
    returns (candidates at capacity, candidates at the user's frequency cap)."""
    capacity = frequency = 0
    for place, streamer in enumerate(streamers):
        if streamer in full:
            values[place] = BLOCKED
            capacity += 1
        elif streamer in pair_capped:
            values[place] = BLOCKED
            frequency += 1
        elif streamer in factors:
            values[place] *= factors[streamer]
    return capacity, frequency

"""One policy, one seed, in closed loop against a synthetic world.

Warm-up: the world's organic log (before ``warmup_end``) goes through the flow's stages (features, labels)
and the decision stage learns from their labels, so every policy starts warm. Then, in steps of event time
(``step_ms``), every feed request of the world (user, time) is answered by the policy, the world's truth
samples the user's response to the room shown (simulator/responses.py), and those events go back through
the same stages: features, delayed survival-corrected labels and the posteriors learn from the policy's own
consequences. A request is decided with what was learned from events before its step (a step is shorter
than the allocator's 10-minute round and than the first label point, 60 s after a click).

Rooms and requests are the world's, the same for every policy; the room's load is the viewers the
simulated clicks and leaves put in it (the streamer stage's own count).
"""

from __future__ import annotations

import dataclasses
import heapq
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from allocator.scorer import Scorer
from flows.settings import FlowSettings
from flows.stages.decision import DecisionStage
from flows.stages.pipeline import StagePipeline
from flows.stages.protocol import LABEL, label_item, request_item, streamer_key, user_key
from giftlive.events import ROOM_EVENT_TYPES, EventType
from giftlive.stream_time import ORDER
from replay.synth.params import DAY_MS
from replay.synth.world import WorldModel
from simulator.policies import Policy
from simulator.responses import Exposure, request_id, request_index, respond

STEP_MS = 60_000
_PROFILE_BYTES = 300_000_000  # memory for the users' per-streamer truth the oracle keeps at once
_LOG_BATCH = 65_536


@dataclass(frozen=True)
class Setup:
    """What every run of one comparison shares: the world, its organic log, the closed-loop window."""

    world: WorldModel
    log: pa.Table  # the world's canonical event log (giftlive.events.ARROW_SCHEMA)
    warmup_end: int
    end: int
    step_ms: int = STEP_MS

    @property
    def days(self) -> float:
        return (self.end - self.warmup_end) / DAY_MS

    def requests(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(index, user, ts) of the world's feed requests in the closed-loop window."""
        ts = self.world.request_ts
        index = np.flatnonzero((ts >= self.warmup_end) & (ts < self.end))
        return index, self.world.request_users[index], ts[index]


@dataclass
class Run:
    """What one policy did with one seed: its decisions and the closed-loop events, and per exposure the
    truth's expected values (for the metrics)."""

    policy: str
    seed: int
    decisions: list[dict[str, Any]] = field(default_factory=list)
    events: list[dict[str, Any]] = field(default_factory=list)  # closed-loop events (rooms included)
    labels: list[dict[str, Any]] = field(default_factory=list)  # the flow's labels of the closed loop
    exposure_ts: list[int] = field(default_factory=list)
    exposure_streamer: list[int] = field(default_factory=list)
    exposure_cold: list[bool] = field(default_factory=list)
    exposure_violation: list[bool] = field(default_factory=list)  # shown while at the streamer's capacity
    p_click: list[np.ndarray] = field(default_factory=list)
    value: list[np.ndarray] = field(default_factory=list)
    value_unloaded: list[np.ndarray] = field(default_factory=list)
    # shadow policy -> request id -> (its probability of the room shown, its direct-method value of the
    # request, the direct-method value of the room shown, the truth value of the request under its
    # distribution: sum over rooms of pi(room) x truth value of showing the room now)
    shadow: dict[str, dict[str, tuple[float, float, float, float]]] = field(default_factory=dict)
    clicks: int = 0
    requests: int = 0
    seconds: float = 0.0
    warmup_seconds: float = 0.0


def simulate(
    setup: Setup,
    policy: Policy,
    seed: int,
    progress: TextIO | None = sys.stderr,
    shadows: list[Policy] = (),
) -> Run:
    """Run ``policy`` with ``seed`` over the closed-loop window; deterministic given both.

    ``shadows``: allocator policies evaluated in shadow on every request this policy served (they decide
    it too, unseen, with the same history); the run keeps, per decision, each shadow's exact probability
    of the room actually shown and its direct-method value (simulator/off_policy.py uses them)."""
    started = time.monotonic()
    world, truth = setup.world, setup.world.truth
    settings = FlowSettings(
        events_path=Path("simulated"),
        out_dir=Path("simulated"),
        shards=1,
        lateness_ms=0,
        decisions=False,
        online_model=False,
    )
    labels: list[dict[str, Any]] = []

    def collect(kind: str, records: list[dict[str, Any]]) -> None:
        if kind == LABEL:
            labels.extend(records)

    # Thompson rows read the user's history, the value policy the user's profile (impression counts too);
    # the others value every live room alike for every user.
    scorings = {p.config.scoring for p in (policy, *shadows) if p.config is not None}
    # A shadow values by user too: its direct-method model is the value policy's (Allocator.direct_values).
    needs_history, needs_profile = "thompson" in scorings, "value" in scorings or bool(shadows)
    pipeline = StagePipeline(settings, on_output=collect, impressions=needs_profile)

    def stage_of(deciding: Policy, shadow: bool = False) -> DecisionStage:
        config = dataclasses.replace(deciding.config, seed=seed)
        scorer = _truth_scorer(world, pipeline) if deciding.truth_scorer else None
        return DecisionStage(1, config, scorer=scorer, direct_model=shadow)

    decider = None if policy.is_feed else stage_of(policy)
    # Capacity prices move on the rooms' viewers, reported at every multiple of the policy's period.
    priced = [p.config for p in (policy, *shadows) if p.config is not None and p.config.capacity_viewers]
    price_every = min(c.price_every_ms for c in priced) if priced else 0
    shadow_stages = {shadow.name: stage_of(shadow, shadow=True) for shadow in shadows}
    shadow_truth = _truth_scorer(world, pipeline) if shadows else None
    learners = [(d, p) for d, p in ((decider, policy), *((shadow_stages[s.name], s) for s in shadows)) if d]
    history_rooms = (policy.config or settings.policy).history_rooms

    # Warm-up: the organic log before the closed loop.
    log = setup.log
    rooms_after = _events(
        log.filter(
            pc.and_(
                pc.greater_equal(log["ts"], setup.warmup_end),
                pc.is_in(log["type"], pa.array([int(t) for t in ROOM_EVENT_TYPES], pa.int8())),
            )
        )
    )
    warm = log.filter(pc.less(log["ts"], setup.warmup_end))
    for batch in warm.to_batches(_LOG_BATCH):
        events = _events(pa.Table.from_batches([batch]))
        if not events:
            continue
        pipeline.feed_events(events, events[-1]["ts"])
        rooms = [e for e in events if e["type"] in ROOM_EVENT_TYPES]
        for stage, _ in learners:
            _advance(stage, labels, rooms)
        labels.clear()
    pipeline.feed_events([], setup.warmup_end)
    for stage, _ in learners:
        _advance(stage, labels, [])
    labels.clear()

    run = Run(policy.name, seed, warmup_seconds=time.monotonic() - started)
    index, users, ts = setup.requests()
    run.requests = int(index.size)
    room_end = dict(zip(world.rooms.live_id.tolist(), world.rooms.end.tolist(), strict=True))
    capacity = world.truth.population.capacity
    pending: list[tuple[int, int, str, dict[str, Any]]] = []  # heap of (ts, type, id, event) not yet fed
    room_pos = 0
    clicks_so_far = _streamer_clicks(warm)
    feed_rng = np.random.default_rng([seed, 0xFEED])
    step = setup.step_ms
    last_print = time.monotonic()
    lo = 0
    for t0 in range(setup.warmup_end, setup.end, step):
        t1 = min(t0 + step, setup.end)
        hi = int(np.searchsorted(ts, t1, side="left"))
        rooms_now = []
        while room_pos < len(rooms_after) and rooms_after[room_pos]["ts"] < t1:
            rooms_now.append(rooms_after[room_pos])
            room_pos += 1
        if price_every and t0 % price_every == 0:  # the streamer stage's report of its rooms' viewers
            rooms_now.append(pipeline.keyed[streamer_key(0)].viewers_report(t0))
        step_users, step_ts, step_index = users[lo:hi], ts[lo:hi], index[lo:hi]
        lo = hi
        learned = labels[:]  # labels are for the policies that learn after warm-up
        labels.clear()
        run.labels.extend(learned)
        requests = []
        if decider is not None or shadow_stages:
            requests = [
                request_item(
                    {"ts": int(t), "type": EventType.IMPRESSION, "id": request_id(int(i)), "user_id": int(u)},
                    _history(pipeline, int(u), int(t), history_rooms) if needs_history else [],
                    profile=_profile(pipeline, int(u), int(t), history_rooms) if needs_profile else None,
                )
                for i, u, t in zip(step_index, step_users, step_ts, strict=True)
            ]
        if decider is not None:
            decisions = _advance(decider, learned if policy.learns else [], rooms_now, requests)
            shown = [
                (d["request_id"], d["user_id"], d["streamer_id"], d["live_id"], d["ts"])
                for d in decisions
                if d["live_id"] is not None
            ]
            run.decisions.extend(decisions)
        else:
            served = world.feed.serve(step_users, step_ts, feed_rng)
            room = served.room
            shown = [
                (
                    request_id(int(step_index[r])),
                    int(step_users[r]),
                    int(world.rooms.streamer[k]),
                    int(world.rooms.live_id[k]),
                    int(step_ts[r]),
                )
                for r, k in zip(served.request.tolist(), room.tolist(), strict=True)
            ]
            run.decisions.extend(_feed_decisions(shown, served.propensity, step_users.size))
        for shadow in shadows:
            logged = {rid: live for rid, _, _, live, _ in shown}
            _shadow(
                shadow_stages[shadow.name],
                learned if shadow.learns else [],
                rooms_now,
                requests,
                logged,
                run.shadow.setdefault(shadow.name, {}),
                shadow_truth,
            )
        exposures = []
        for rid, user, streamer, live, when in shown:
            viewers = _viewers(pipeline, streamer, live)
            exposures.append(
                Exposure(request_index(rid), user, streamer, live, when, room_end[live], viewers)
            )
            run.exposure_ts.append(when)
            run.exposure_streamer.append(streamer)
            run.exposure_cold.append(clicks_so_far.get(streamer, 0) < 10)
            run.exposure_violation.append(viewers >= capacity[streamer])
        responses = respond(truth, seed, exposures)
        run.clicks += responses.clicks
        run.p_click.append(responses.p_click)
        run.value.append(responses.value)
        run.value_unloaded.append(responses.value_unloaded)
        for event in responses.events:
            if event["type"] is EventType.CLICK:
                clicks_so_far[event["streamer_id"]] = clicks_so_far.get(event["streamer_id"], 0) + 1
        for event in [*responses.events, *(e for e in rooms_now if e["type"] in ROOM_EVENT_TYPES)]:
            heapq.heappush(pending, (*ORDER(event), event))
        due = []
        while pending and pending[0][0] < t1:
            due.append(heapq.heappop(pending)[3])
        run.events.extend(due)
        pipeline.feed_events(due, t1)
        if progress is not None and time.monotonic() - last_print > 5:
            last_print = time.monotonic()
            rate = lo / max(last_print - started, 1e-9)
            eta = (index.size - lo) / max(rate, 1e-9)
            print(
                f"  {policy.name} seed {seed}: {lo:,}/{index.size:,} requests ({rate:,.0f}/s), "
                f"ETA {eta:.0f}s",
                file=progress,
                flush=True,
            )
    run.events.extend(item[3] for item in sorted(pending))  # gifts and leaves after the window's end
    run.seconds = time.monotonic() - started
    return run


def _advance(
    decider: DecisionStage,
    labels: list[dict[str, Any]],
    rooms: list[dict[str, Any]],
    requests: list[dict[str, Any]] = (),
) -> list[dict[str, Any]]:
    """The decision stage's own dispatch over labels learned so far, room events and requests, in the
    merge's (ts, type, id) order."""
    out = decider.advance(_in_order(labels, rooms, requests), [])
    return [d for _kind, records in out for d in records]


def _in_order(
    labels: list[dict[str, Any]], rooms: list[dict[str, Any]], requests: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """Labels (as merge items), room events and requests in the decision merge's (ts, type, id) order."""
    items = [label_item(label) for label in labels]
    items.extend(rooms)
    items.extend(requests)
    items.sort(key=ORDER)
    return items


def _shadow(
    stage: DecisionStage,
    labels: list[dict[str, Any]],
    rooms: list[dict[str, Any]],
    requests: list[dict[str, Any]],
    logged: dict[str, int],
    out: dict[str, tuple[float, float, float, float]],
    truth: Scorer,
) -> None:
    """Decide every request in shadow, one at a time (its exact distribution is the allocator's last); for
    each request the logging policy served, keep the shadow's probability of the room shown, its value
    under the direct-method model (the shadow's own value of each room for the request: direct_values) and
    under the truth (what off-policy estimates from these logs estimate, free of the shadow's own draws)."""
    items = _in_order(labels, rooms, requests)
    allocator = stage.allocator
    batch: list[dict[str, Any]] = []
    for item in items:
        if item["type"] is not EventType.IMPRESSION:
            batch.append(item)
            continue
        if batch:
            stage.advance(batch, [])
            batch = []
        stage.advance([item], [])
        shown = logged.get(item["id"])
        if shown is None:
            continue
        rooms_, probabilities = allocator.last_distribution()
        values = allocator.direct_values(item, [*rooms_.tolist(), shown])
        target_value = float(probabilities @ values[:-1])
        streamer_of = allocator.rooms.streamer_of
        streamers = np.array([streamer_of[r] for r in rooms_.tolist()], dtype=np.int64)
        truth_value = float(probabilities @ truth(item["user_id"], rooms_, streamers, item["ts"]))
        out[item["id"]] = (
            float(probabilities[rooms_ == shown].sum()),
            target_value,
            float(values[-1]),
            truth_value,
        )
    if batch:
        stage.advance(batch, [])


def _history(pipeline: StagePipeline, user: int, ts: int, limit: int) -> list[tuple[int, float]]:
    return pipeline.keyed[user_key(0)].users.streamers(user, ts, limit)


def _profile(pipeline: StagePipeline, user: int, ts: int, limit: int) -> tuple:
    return pipeline.keyed[user_key(0)].users.profile(user, ts, limit)


def _viewers(pipeline: StagePipeline, streamer: int, live_id: int) -> int:
    """Viewers in the room now, as the streamer stage counts them (clicks in, leaves out)."""
    room = pipeline.keyed[streamer_key(0)].book.rooms.get(live_id)
    return 0 if room is None else max(int(room.viewers), 0)


def _truth_scorer(world: WorldModel, pipeline: StagePipeline) -> Scorer:
    """The oracle's scorer: the truth value of showing each room to this user now, at the room's load.

    Viewers change only when a step's events are fed, so the rooms' loads are read once per request time
    that moved past the last read (sorted arrays, looked up with searchsorted)."""
    truth = world.truth
    book = pipeline.keyed[streamer_key(0)].book
    loads: dict[str, Any] = {"fed": -1, "ids": np.zeros(0, np.int64), "viewers": np.zeros(0)}
    profiles: dict[int, tuple[np.ndarray, np.ndarray, float]] = {}  # user -> truth.user_profile, amount

    def score(user_id: int, live_ids: np.ndarray, streamers: np.ndarray, now_ms: int) -> np.ndarray:
        fed = pipeline.keyed[streamer_key(0)].merge.released_to
        if loads["fed"] != fed:
            ids = np.fromiter(book.rooms.keys(), dtype=np.int64, count=len(book.rooms))
            viewers = np.fromiter((max(r.viewers, 0) for r in book.rooms.values()), float, len(book.rooms))
            order = np.argsort(ids)
            loads.update(fed=fed, ids=ids[order], viewers=viewers[order])
        ids = loads["ids"]
        pos = np.clip(np.searchsorted(ids, live_ids), 0, max(ids.size - 1, 0))
        load = (
            np.where(ids[pos] == live_ids, loads["viewers"][pos], 0.0)
            if ids.size
            else np.zeros(live_ids.size)
        )
        profile = profiles.get(user_id)
        if profile is None:
            if len(profiles) >= max(64, _PROFILE_BYTES // (16 * truth.population.appeal.size)):
                del profiles[next(iter(profiles))]  # the oldest: memory stays bounded on any world
            p_click, logit = truth.user_profile(user_id)
            profile = profiles[user_id] = (
                p_click,
                logit,
                float(truth.amount_if_gift(np.array([user_id]))[0]),
            )
        p_click, logit, amount = profile
        p_gift = truth.saturate(truth.sigmoid(logit[streamers] + truth.hour_lift(now_ms)), streamers, load)
        return p_click[streamers] * p_gift * amount

    return score


def _feed_decisions(shown: list[tuple], propensity: np.ndarray, requests: int) -> list[dict[str, Any]]:
    """The feed's choices as decision records (the schema the flow writes)."""
    return [
        {
            "decision_id": f"{rid}@feed.v1",
            "request_id": rid,
            "request_type": "impression",
            "ts": when,
            "user_id": user,
            "live_id": live,
            "streamer_id": streamer,
            "candidates": 0,
            "score": None,
            "propensity": float(p),
            "rows": 0,
            "explored": False,
            "cold_start": False,
            "load": 0,
            "capacity_capped": 0,
            "frequency_capped": 0,
            "policy": "feed",
            "policy_version": 1,
        }
        for (rid, user, streamer, live, when), p in zip(shown, propensity.tolist(), strict=True)
    ]


def _events(table: pa.Table) -> list[dict[str, Any]]:
    """Rows of the event log as the stages' event dicts (``type`` as EventType, no empty fields)."""
    out = []
    for row in table.to_pylist():
        event = {k: v for k, v in row.items() if v is not None}
        event["type"] = EventType(event["type"])
        out.append(event)
    return out


def _streamer_clicks(log: pa.Table) -> dict[int, int]:
    clicks = log.filter(pc.equal(log["type"], int(EventType.CLICK)))["streamer_id"].to_numpy()
    streamers, counts = np.unique(clicks, return_counts=True)
    return dict(zip(streamers.tolist(), counts.tolist(), strict=True))

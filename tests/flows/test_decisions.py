"""Decisions from the real dataflow: one valid decision per request, and the exploration floor for
cold-start streamers holds against strong incumbents (and is what gives them exposure)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
import pytest
from bytewax.testing import run_main

from allocator.policy import PolicyConfig
from flows.dataflow import build_flow
from flows.settings import FlowSettings
from tests.decision_audit import audit_decisions
from tests.fake_events import write_fake_event_log
from tests.flow_harness import run_flow

T0 = 1_746_374_400_000
MIN = 60_000


def test_every_request_gets_one_valid_decision(tmp_path: Path):
    """Hard caps count a decision shard's own allocations: with one shard they are the streamers' caps."""
    log = write_fake_event_log(tmp_path / "events.parquet", 30_000, span_s=3 * 3600, seed=11)
    config = PolicyConfig(capacity=5, pair_cap=2)  # small caps, so they bite and get checked
    settings = FlowSettings(events_path=log, out_dir=tmp_path / "out", policy=config, shards=1)
    run_main(build_flow(settings))
    decisions = pq.read_table(tmp_path / "out" / "decisions.parquet").to_pylist()
    audit = audit_decisions(decisions, log, config)
    assert audit.ok, audit.problems
    assert audit.requests == len(decisions) > 5_000
    assert sum(d["capacity_capped"] > 0 for d in decisions) > 100  # the caps were exercised
    assert sum(d["frequency_capped"] > 0 for d in decisions) > 100


def test_the_audit_catches_a_broken_decision(tmp_path: Path):
    """The checker itself can fail: a room that is not live, an over-full streamer, a lost request."""
    log = write_fake_event_log(tmp_path / "events.parquet", 5_000, span_s=3600, seed=12)
    config = PolicyConfig(capacity=3)
    run_main(build_flow(FlowSettings(events_path=log, out_dir=tmp_path / "out", policy=config, shards=1)))
    decisions = pq.read_table(tmp_path / "out" / "decisions.parquet").to_pylist()
    served = [d for d in decisions if d["live_id"] is not None]
    broken = [dict(d) for d in decisions[1:]]  # one request lost
    broken[5]["live_id"] = 999_999  # never started
    assert not audit_decisions(broken, log, config).ok
    assert len(audit_decisions(broken, log, config).problems) >= 2
    assert not audit_decisions(served, log, PolicyConfig(capacity=1)).ok  # holds more than 1 at a time


def _world(cold_rooms: int = 20, requests: int = 3000) -> list[dict]:
    """Two strong streamers (half their 200 clicks gift 2000 each, an hour before) and ``cold_rooms``
    live rooms of streamers nobody has clicked; then ``requests`` impressions from 600 users."""
    events: list[dict] = []
    for live, streamer in [(101, 1), (102, 2)] + [(200 + k, 20 + k) for k in range(cold_rooms)]:
        events.append(dict(id=f"rs{live}", type="room_start", ts=T0, streamer_id=streamer, live_id=live))
    for i in range(400):
        live, streamer = (101, 1) if i % 2 else (102, 2)
        ts, user = T0 + 1_000 + i * 1_000, 10_000 + i
        events.append(dict(id=f"c{i}", type="click", ts=ts, user_id=user, streamer_id=streamer, live_id=live))
        if i % 4 < 2:
            events.append(
                dict(
                    id=f"g{i}",
                    type="gift",
                    ts=ts + 5_000,
                    user_id=user,
                    streamer_id=streamer,
                    live_id=live,
                    amount=2000.0,
                )
            )
    start = T0 + 2 * 3_600_000  # every final label is in
    for i in range(requests):
        live = 101 if i % 3 else 200 + i % cold_rooms  # where the platform showed it: irrelevant here
        streamer = 1 if live == 101 else live - 180
        events.append(
            dict(
                id=f"n{i}",
                type="impression",
                ts=start + i * 500,
                user_id=i % 600,
                streamer_id=streamer,
                live_id=live,
            )
        )
    return sorted(events, key=lambda e: e["ts"])


@pytest.mark.parametrize("floor", [0.1, 0.25])
def test_cold_start_streamers_get_at_least_the_exploration_floor(floor: float):
    world = _world()
    uncapped = dict(capacity=10**6, pair_cap=10**6)
    out = run_flow(world, batch_size=200, policy=PolicyConfig(explore=floor, **uncapped))
    requests = [d for d in out.decisions if d["request_id"].startswith("n")]
    assert len(requests) == 3000 and all(d["live_id"] is not None for d in requests)
    cold = np.mean([d["cold_start"] for d in requests])
    assert all(d["cold_start"] == (d["streamer_id"] >= 20) for d in requests)
    sigma = np.sqrt(floor * (1 - floor) / len(requests))
    assert cold >= floor - 3 * sigma
    # Without the floor the incumbents take nearly everything: the floor is what feeds the cold rooms.
    none = run_flow(world, batch_size=200, policy=PolicyConfig(explore=0.0, **uncapped))
    cold_without = np.mean([d["cold_start"] for d in none.decisions if d["request_id"].startswith("n")])
    assert cold_without < floor / 2

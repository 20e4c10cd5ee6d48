"""A flow killed mid-stream and resumed from its Bytewax snapshots gives the same labels, training rows and
decisions (after dropping at-least-once duplicates by id): open label windows, their due times, posteriors,
loads and the allocator's random state live in state."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from bytewax.recovery import RecoveryConfig, init_db_dir
from bytewax.testing import TestingSource, run_main

from allocator.policy import PolicyConfig
from flows.dataflow import build_flow
from flows.settings import FlowSettings
from flows.stages.protocol import DEAD_LETTER, DECISION, LABEL, PREDICTION, TRAINING
from tests.flow_harness import CollectSink, raw_records, run_flow

T0 = 1_746_374_400_000


def _events() -> list[dict]:
    events = [dict(id=f"rs{n}", type="room_start", ts=T0 - 1, streamer_id=n, live_id=n) for n in range(5)]
    for i in range(300):
        ts = T0 + i * 20_000
        user, live = i % 7, i % 5
        events.append(dict(id=f"c{i}", type="click", ts=ts, user_id=user, streamer_id=live, live_id=live))
        if i % 4 == 0:
            events.append(
                dict(
                    id=f"g{i}",
                    type="gift",
                    ts=ts + 90_000,
                    user_id=user,
                    streamer_id=live,
                    live_id=live,
                    amount=float(i % 9 + 1),
                )
            )
    return sorted(events, key=lambda e: e["ts"])


@pytest.mark.parametrize("pair_model", ["boost", "online"])
def test_resume_after_a_crash_gives_the_uninterrupted_result(tmp_path: Path, pair_model: str):
    """With the online pair lift, the decision stage's model snapshot is in its state too."""
    events = _events()
    policy = PolicyConfig(pair_model=pair_model)
    expected = run_flow(events, batch_size=10, policy=policy)

    (tmp_path / "recovery").mkdir()
    init_db_dir(tmp_path / "recovery", 1)
    recovery = RecoveryConfig(str(tmp_path / "recovery"))
    records = raw_records(events)
    records.insert(len(records) // 2, TestingSource.ABORT())
    sinks = {kind: CollectSink() for kind in (DEAD_LETTER, LABEL, TRAINING, DECISION, PREDICTION)}
    settings = FlowSettings(events_path=Path("in-memory"), out_dir=Path("unused"), policy=policy)
    source = TestingSource(records, batch_size=10)
    for run in range(2):  # the first run aborts half-way; the second resumes from the last snapshot
        flow = build_flow(settings, source=source, senders=1, sinks=sinks)
        run_main(flow, epoch_interval=timedelta(0), recovery_config=recovery)
        if run == 0:
            assert 0 < len(sinks[LABEL].items) < len(expected.labels)

    labels = {label["label_id"]: label for label in sinks[LABEL].items}
    rows = {row["click_id"]: row for row in sinks[TRAINING].items}
    assert len(sinks[LABEL].items) < 1.2 * len(labels)  # it resumed, it did not start over
    assert all(labels[label["label_id"]] == label for label in sinks[LABEL].items)
    assert labels == {label["label_id"]: label for label in expected.labels}
    assert rows == expected.training_by_click()
    decisions = {d["decision_id"]: d for d in sinks[DECISION].items}
    served = sum(d["live_id"] is not None for d in decisions.values())
    assert len(decisions) == 300 and 150 < served < 300  # 7 users x 5 rooms: the frequency cap bites
    assert decisions == {d["decision_id"]: d for d in expected.decisions}
    assert all(d["policy"] == policy.name for d in decisions.values())
    if pair_model == "online":  # the lifts were in play: the rooms differ from the boost's
        boosted = {d["request_id"]: d["live_id"] for d in run_flow(events, batch_size=10).decisions}
        assert sum(boosted[d["request_id"]] != d["live_id"] for d in decisions.values()) > 10
    predictions = {p["click_id"]: p for p in sinks[PREDICTION].items}
    assert len(predictions) == 300 and predictions == {p["click_id"]: p for p in expected.predictions}

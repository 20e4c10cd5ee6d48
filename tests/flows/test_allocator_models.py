"""The allocator with a model's pair lift instead of the hand-set boost, run by the real dataflow: valid
decisions under their own policy name, choices that differ from the boost's, and, for the online model's
snapshots, decisions that do not depend on how the input was batched."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from bytewax.run import cli_main
from bytewax.testing import run_main

from allocator.policy import PolicyConfig
from flows.dataflow import build_flow
from flows.settings import FlowSettings
from giftlive.errors import UserError
from tests.decision_audit import audit_decisions
from tests.fake_events import write_fake_event_log

CONFIG = PolicyConfig(capacity=5, pair_cap=2)
ONLINE = dataclasses.replace(CONFIG, pair_model="online")


@pytest.fixture(scope="module")
def log(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("lift") / "events.parquet"
    return write_fake_event_log(path, 30_000, span_s=3 * 3600, seed=11)


@pytest.fixture(scope="module")
def online(log: Path, tmp_path_factory: pytest.TempPathFactory) -> list[dict]:
    """The online model's decisions in batches of 2,000 events, one shard."""
    return _decisions(log, tmp_path_factory.mktemp("online"), ONLINE)


def _decisions(
    log: Path, out: Path, config: PolicyConfig, batch_size: int = 2_000, shards: int = 1
) -> list[dict]:
    """One decision shard by default: the audit checks hard caps, which count a shard's own allocations."""
    settings = FlowSettings(events_path=log, out_dir=out, policy=config, batch_size=batch_size, shards=shards)
    run_main(build_flow(settings))
    return pq.read_table(out / "decisions.parquet").sort_by("decision_id").to_pylist()


def test_online_lift_decisions_are_valid_and_differ_from_the_boost(
    log: Path, online: list[dict], tmp_path: Path
):
    lifted = online
    audit = audit_decisions(lifted, log, ONLINE)
    assert audit.ok, audit.problems
    assert {d["policy"] for d in lifted} == {"thompson-capped-online"}
    assert all(d["decision_id"].endswith("@thompson-capped-online.v2") for d in lifted)
    boosted = _decisions(log, tmp_path / "boost", CONFIG)
    assert [d["request_id"] for d in boosted] == [d["request_id"] for d in lifted]
    changed = sum(a["live_id"] != b["live_id"] for a, b in zip(boosted, lifted, strict=True))
    assert changed > len(lifted) // 100  # the model's lifts moved choices


def test_online_lift_decisions_do_not_depend_on_batching(log: Path, online: list[dict], tmp_path: Path):
    """The label stage stamps its model snapshots by event time only (label_stage._snapshot_to)."""
    assert _decisions(log, tmp_path / "small", ONLINE, batch_size=97) == online


def test_online_lift_decisions_are_the_same_with_two_workers(log: Path, tmp_path: Path):
    """The model snapshots cross from the label stage's worker to the decision stage's, pickled."""
    one = _decisions(log, tmp_path / "one", ONLINE, shards=4)
    settings = FlowSettings(events_path=log, out_dir=tmp_path / "two", policy=ONLINE, shards=4)
    cli_main(build_flow(settings), workers_per_process=2)
    two = pq.read_table(tmp_path / "two" / "decisions.parquet").sort_by("decision_id").to_pylist()
    assert one == two


def test_model_policies_refuse_what_they_cannot_run(tmp_path: Path):
    log = tmp_path / "events.parquet"
    with pytest.raises(UserError, match="needs the online model"):
        FlowSettings(events_path=log, out_dir=tmp_path, policy=ONLINE, online_model=False)
    with pytest.raises(UserError, match="needs the decision stage"):
        FlowSettings(events_path=log, out_dir=tmp_path, policy=ONLINE, decisions=False)
    offline = dataclasses.replace(CONFIG, pair_model="offline")
    with pytest.raises(UserError, match="needs trained models"):
        FlowSettings(events_path=log, out_dir=tmp_path, policy=offline)
    with pytest.raises(UserError, match="no trained models"):
        FlowSettings(events_path=log, out_dir=tmp_path, policy=offline, model_dir=tmp_path)
    with pytest.raises(UserError, match="offline only"):
        FlowSettings(events_path=log, out_dir=tmp_path, policy=ONLINE, model_dir=tmp_path)
    with pytest.raises(ValueError, match="max_lift"):
        PolicyConfig(pair_model="online", max_lift=0.5)

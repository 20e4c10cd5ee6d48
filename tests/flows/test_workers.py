"""The embedded flow over a Parquet log gives identical files (training rows, labels, decisions, online
predictions) with one worker and with two, and with one, two and four shards and any number of decision
shards (the decision stage is sharded by user: its policy prices capacity from the rooms' viewers, so no
decision depends on the shard that made it); and the same labels and decisions with any number of label
shards (each learns the delays of every final label; only its online model is its users' own)."""

from __future__ import annotations

from pathlib import Path

import pyarrow.parquet as pq
from bytewax.run import cli_main
from bytewax.testing import run_main

from allocator.named import NAMED_POLICIES
from flows.dataflow import build_flow
from flows.settings import FlowSettings
from tests.fake_events import write_fake_event_log

SHARD_FREE = NAMED_POLICIES["thompson-v2-priced"].config
OUTPUTS = (
    ("training.parquet", "click_id"),
    ("labels.parquet", "label_id"),
    ("decisions.parquet", "decision_id"),
    ("predictions.parquet", "click_id"),
)


def test_two_workers_write_the_same_training_table_and_labels_as_one(tmp_path: Path):
    log = write_fake_event_log(tmp_path / "events.parquet", 40_000, span_s=4 * 3600, seed=5)
    for workers in (1, 2):
        settings = FlowSettings(
            events_path=log, out_dir=tmp_path / f"w{workers}", shards=4, policy=SHARD_FREE
        )
        cli_main(build_flow(settings), workers_per_process=workers)
    for name, key in OUTPUTS:
        one = pq.read_table(tmp_path / "w1" / name).sort_by(key)
        two = pq.read_table(tmp_path / "w2" / name).sort_by(key)
        assert one.num_rows > 1_000
        assert one.equals(two), name


def test_the_shard_count_does_not_change_any_output(tmp_path: Path):
    """Features, attribution, the survival correction, the online predictions (label shards by user id)
    and the decisions (decision shards sharing the user shards, each fed every room, viewer report and label
    in event time): 1, 2, 4 shards with one decision shard per user shard, 4 shards with 1 and 3 decision
    shards; and 1 and 3 label shards instead of 4, which change only the predictions."""
    log = write_fake_event_log(tmp_path / "events.parquet", 40_000, span_s=4 * 3600, seed=6)
    layouts = [(1, 0, 4), (2, 0, 4), (4, 0, 4), (4, 1, 4), (4, 3, 4), (2, 0, 1), (4, 0, 3)]
    for shards, deciders, labellers in layouts:
        out = tmp_path / f"s{shards}d{deciders}l{labellers}"
        settings = FlowSettings(
            events_path=log,
            out_dir=out,
            shards=shards,
            decision_shards=deciders,
            label_shards=labellers,
            policy=SHARD_FREE,
        )
        run_main(build_flow(settings))
    for name, key in OUTPUTS:
        one = pq.read_table(tmp_path / "s1d0l4" / name).sort_by(key)
        assert one.num_rows > 1_000, name
        for shards, deciders, labellers in layouts[1:]:
            other = pq.read_table(tmp_path / f"s{shards}d{deciders}l{labellers}" / name).sort_by(key)
            if name == "predictions.parquet" and labellers != 4:  # each label shard's model is its own
                assert not one.equals(other) and one["click_id"].equals(other["click_id"])
            else:
                assert one.equals(other), (name, shards, deciders, labellers)


def test_the_decision_stage_does_not_change_features_or_labels(tmp_path: Path):
    """GIFTLIVE_DECISIONS=0 / --no-decisions drops the decision stage and impressions; the training table and
    labels stay the same."""
    log = write_fake_event_log(tmp_path / "events.parquet", 20_000, span_s=3 * 3600, seed=8)
    for decisions in (True, False):
        settings = FlowSettings(events_path=log, out_dir=tmp_path / str(decisions), decisions=decisions)
        run_main(build_flow(settings))
    for name, key in OUTPUTS[:2]:
        with_decisions = pq.read_table(tmp_path / "True" / name).sort_by(key)
        without = pq.read_table(tmp_path / "False" / name).sort_by(key)
        assert with_decisions.num_rows > 500 and with_decisions.equals(without), name
    assert pq.read_table(tmp_path / "True" / "decisions.parquet").num_rows > 1_000
    assert not (tmp_path / "False" / "decisions.parquet").exists()

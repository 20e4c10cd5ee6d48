"""`giftlive train` and `giftlive eval` on a small synthetic world's training table: the three models train
on one split, the bundle loads back and predicts what was trained, the evaluation scores them beside the
world's truth EV on the test days, bad input is refused with one clear line."""

from __future__ import annotations

import json
import pickle
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest
from bytewax.testing import run_main

from allocator.policy import PolicyConfig
from estimation.bundle import Bundle, fingerprint
from estimation.dataset import clicks, read_table
from estimation.split import split_masks
from features.columns import FEATURES
from flows.dataflow import build_flow
from flows.settings import FlowSettings
from flows.stages.factory import StageFactory
from giftlive.errors import UserError
from tests.decision_audit import audit_decisions

REPO = Path(__file__).resolve().parents[2]
DAY_MS = 86_400_000


def _giftlive(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "cli.main", *args], cwd=REPO, capture_output=True, text=True)


@pytest.fixture(scope="module")
def table(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The training table of a KuaiLive-format directory (a world's CSV files alone, no truth), made by the
    documented command, as on the real dataset: `giftlive run --events DIR --out OUT --no-decisions`."""
    base = tmp_path_factory.mktemp("train")
    world, kuailive = base / "world", base / "kuailive"
    assert (
        _giftlive(
            "data", "synth", "--out", str(world), "--users", "500", "--streamers", "4000", "--days", "5"
        ).returncode
        == 0
    )
    kuailive.mkdir()
    for csv in world.glob("*.csv"):
        shutil.copy(csv, kuailive / csv.name)
    done = _giftlive(
        "run", "--events", str(kuailive), "--out", str(base / "flow"), "--no-decisions", "--no-online-model"
    )
    assert done.returncode == 0, done.stderr
    return base / "flow" / "training.parquet"


def test_train_writes_a_bundle_that_predicts_what_was_trained(table: Path, tmp_path: Path):
    done = _giftlive("train", "--table", str(table), "--split", "3,1,1", "--out", str(tmp_path / "models"))
    assert done.returncode == 0, done.stderr
    assert "two_stage" in done.stdout and "RevCap@1%" in done.stdout
    bundle = Bundle.load(tmp_path / "models")
    data = clicks(read_table(table), bundle.vocabulary)
    _, valid, _ = split_masks(data.click_ts, (3, 1, 1))
    features = data.features[valid]
    ev = bundle.two_stage.predict(features)
    p = bundle.two_stage.p_gift(features)
    assert (p >= 0).all() and (p <= 1).all() and (ev >= 0).all()
    assert np.corrcoef(ev, data.amount[valid])[0, 1] > 0  # it learned something about value
    figures = bundle.meta["validation"]
    assert set(figures) == {"direct_raw", "direct_log", "two_stage"}
    recomputed = bundle.direct_log.predict(features)
    assert recomputed.shape == ev.shape


def test_bad_input_is_one_clear_line(table: Path, tmp_path: Path):
    wrong = _giftlive("train", "--table", str(tmp_path / "missing.parquet"))
    assert wrong.returncode != 0 and "cannot read the training table" in wrong.stderr
    split = _giftlive("train", "--table", str(table), "--split", "7,x,7")
    assert split.returncode != 0 and "give three day counts" in split.stderr
    empty = _giftlive("train", "--table", str(table), "--split", "4,2,2", "--out", str(tmp_path / "m"))
    assert empty.returncode != 0 and "holds no click" in empty.stderr
    with pytest.raises(Exception, match="no trained models"):
        Bundle.load(tmp_path / "nothing")


def test_eval_scores_every_model_beside_the_truth_on_the_test_days(table: Path, tmp_path: Path):
    models, predictions = tmp_path / "models", tmp_path / "predictions.parquet"
    assert _giftlive("train", "--table", str(table), "--split", "3,1,1", "--out", str(models)).returncode == 0
    world = table.parent.parent / "world"
    done = _giftlive(
        "eval",
        "--table",
        str(table),
        "--models",
        str(models),
        "--world",
        str(world),
        "--json",
        "--bootstrap",
        "20",
        "--predictions-out",
        str(predictions),
        "--report",
        str(tmp_path / "report.html"),
    )
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert set(report["models"]) == {"truth_ev", "direct_raw", "direct_log", "two_stage"}
    for row in report["models"].values():
        assert {
            "revcap_1",
            "revcap_1_oracle",
            "nrevcap_1",
            "pr_auc",
            "ece",
            "ndcg_100",
            "spearman",
        } <= row.keys()
        assert row["nrevcap_1"] == row["revcap_1"] / row["revcap_1_oracle"]
    assert report["models"]["two_stage"]["ece"] is not None and report["models"]["direct_log"]["ece"] is None
    assert report["direct_vs_two_stage"]["low"] <= report["direct_vs_two_stage"]["high"]
    rows = pq.read_table(predictions)
    assert rows.num_rows == report["clicks"] and {"click_id", "amount", "truth_ev", "two_stage"} <= set(
        rows.column_names
    )
    page = tmp_path / "eval.html"
    text = _giftlive(
        "eval", "--table", str(table), "--models", str(models), "--bootstrap", "10", "--report", str(page)
    )
    assert text.returncode == 0 and "two_stage" in text.stdout and "RevCap@1%" in text.stdout
    assert page.read_text().count("<svg") == 4


def test_the_flow_allocates_with_the_trained_models(table: Path, tmp_path: Path):
    """--allocator-model offline: the bundle scores the pair lifts (the choices move); it encodes the flow's
    feature tuples exactly as training encoded the table; the decision stage snapshots its directory and
    fingerprint, not the models, and refuses to resume on other models."""
    models = tmp_path / "models"
    assert _giftlive("train", "--table", str(table), "--split", "3,1,1", "--out", str(models)).returncode == 0
    config = PolicyConfig(pair_model="offline")
    converted = pq.read_table(table.parent.parent / "kuailive" / "events.parquet")  # by `giftlive run`
    events = tmp_path / "events.parquet"  # its first day and a half: enough requests, a quarter of the time
    pq.write_table(
        converted.filter(pc.less(converted["ts"], pc.min(converted["ts"]).as_py() + DAY_MS * 3 // 2)), events
    )
    settings = FlowSettings(  # one shard: the audit checks the hard caps, which count a shard's allocations
        events_path=events, out_dir=tmp_path / "flow", policy=config, model_dir=models, shards=1
    )
    run_main(build_flow(settings))
    decisions = pq.read_table(tmp_path / "flow" / "decisions.parquet").sort_by("request_id").to_pylist()
    audit = audit_decisions(decisions, events, config)
    assert audit.ok, audit.problems
    tag = fingerprint(models)
    assert {d["policy"] for d in decisions} == {f"thompson-capped-offline-{tag}"} == {settings.policy.name}
    boost = FlowSettings(events_path=events, out_dir=tmp_path / "boost", policy=PolicyConfig(), shards=1)
    run_main(build_flow(boost))
    boosted = pq.read_table(tmp_path / "boost" / "decisions.parquet").sort_by("request_id").to_pylist()
    changed = sum(a["live_id"] != b["live_id"] for a, b in zip(boosted, decisions, strict=True))
    assert changed > len(decisions) // 200

    rows = read_table(table).slice(0, 500)
    tuples = list(zip(*(rows[name].to_pylist() for name in FEATURES), strict=True))
    stage = StageFactory(settings, senders=1).decision()
    bundle = Bundle.load(models)
    expected = bundle.two_stage.predict(clicks(rows, bundle.vocabulary).features)
    assert np.allclose(stage.allocator.value_model.values(tuples), expected)
    blob = pickle.dumps(stage)
    without = pickle.dumps(StageFactory(FlowSettings(events_path=events, out_dir=tmp_path), 1).decision())
    assert len(blob) - len(without) < 1_000  # no LightGBM model inside
    assert np.allclose(pickle.loads(blob).allocator.value_model.values(tuples), expected)
    assert _giftlive("train", "--table", str(table), "--split", "2,2,1", "--out", str(models)).returncode == 0
    with pytest.raises(UserError, match="other models"):
        pickle.loads(blob)

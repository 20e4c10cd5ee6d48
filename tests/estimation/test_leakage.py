"""Guards against leakage: removing every event after a time changes no feature of any click before it, and
the trained model's revenue capture collapses when the history features are shuffled across clicks (the
score comes from each click's own history, not from something that survives the shuffle)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pyarrow.compute as pc
import pyarrow.parquet as pq
from bytewax.testing import run_main

from estimation.bundle import Bundle
from estimation.dataset import clicks, read_table
from estimation.split import split_masks
from evaluation.metrics import revcap
from features.columns import FEATURES
from flows.dataflow import build_flow
from flows.settings import FlowSettings
from tests.fake_events import write_fake_event_log

REPO = Path(__file__).resolve().parents[2]
HISTORY = [i for i, name in enumerate(FEATURES) if name.startswith(("user_", "pair_", "streamer_"))]


def test_no_feature_changes_when_later_events_are_removed(tmp_path: Path):
    log = write_fake_event_log(tmp_path / "events.parquet", 30_000, span_s=4 * 3600, seed=21)
    events = pq.read_table(log)
    cut = int(pc.min(events["ts"]).as_py()) + 2 * 3_600_000
    pq.write_table(events.filter(pc.less(events["ts"], cut)), tmp_path / "early.parquet")
    for name in ("events", "early"):
        run_main(
            build_flow(
                FlowSettings(
                    events_path=tmp_path / f"{name}.parquet", out_dir=tmp_path / name, decisions=False
                )
            )
        )
    full = pq.read_table(tmp_path / "events" / "training.parquet").select(["click_id", *FEATURES])
    early = pq.read_table(tmp_path / "early" / "training.parquet").select(["click_id", *FEATURES])
    assert early.num_rows > 1_000
    full = full.filter(pc.is_in(full["click_id"], early["click_id"])).sort_by("click_id")
    assert full.equals(early.sort_by("click_id"))


def test_shuffled_history_features_destroy_the_revenue_capture(tmp_path: Path):
    base = tmp_path
    world, events = base / "world", base / "events.parquet"
    synth = ["--users", "500", "--streamers", "4000", "--days", "5"]
    for args in (
        ["data", "synth", "--out", str(world), *synth],
        ["data", "convert", str(world), "--out", str(events)],
    ):
        subprocess.run([sys.executable, "-m", "cli.main", *args], cwd=REPO, check=True, capture_output=True)
    run_main(build_flow(FlowSettings(events_path=events, out_dir=base / "flow", decisions=False)))
    table = base / "flow" / "training.parquet"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "cli.main",
            "train",
            "--table",
            str(table),
            "--split",
            "3,1,1",
            "--out",
            str(base / "models"),
        ],
        cwd=REPO,
        check=True,
        capture_output=True,
    )
    bundle = Bundle.load(base / "models")
    data = clicks(read_table(table), bundle.vocabulary)
    _, _, test = split_masks(data.click_ts, (3, 1, 1))
    features, amount = data.features[test], data.amount[test]
    honest = revcap(amount, bundle.two_stage.predict(features), 0.05)  # 5 %: a small world's test days
    rng = np.random.default_rng(0)
    shuffled_scores = []
    for _ in range(5):
        shuffled = features.copy()
        shuffled[:, HISTORY] = shuffled[rng.permutation(len(shuffled))][:, HISTORY]
        shuffled_scores.append(revcap(amount, bundle.two_stage.predict(shuffled), 0.05))
    print(f"RevCap@5%: honest {honest:.3f}, history shuffled {np.mean(shuffled_scores):.3f}")
    assert honest > 2 * 0.05  # well above a random ranking (0.05 of revenue in 5 % of clicks)
    assert np.mean(shuffled_scores) < honest / 2

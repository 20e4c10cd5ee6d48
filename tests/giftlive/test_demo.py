"""`giftlive demo` end to end on a tiny world against its own local broker: it succeeds, leaves its outputs
and log in the folder it names, and the numbers it prints agree with what its output topics hold."""

from __future__ import annotations

import os
import subprocess
import sys
from collections import Counter
from pathlib import Path

import orjson
import pytest

from evaluation.decision_summary import summarise_decisions
from replay.broker import LocalBroker
from replay.topic_reader import read_topic

pytestmark = pytest.mark.kafka

REPO = Path(__file__).resolve().parents[2]


def test_the_demo_summary_agrees_with_the_topics(tmp_path: Path):
    out = tmp_path / "demo"
    with LocalBroker() as broker:
        env = {**os.environ, "KAFKA_BOOTSTRAP": broker.bootstrap}
        world = ["--users", "150", "--streamers", "1500", "--days", "2"]
        done = subprocess.run(
            [sys.executable, "-m", "giftlive.cli", "demo", "--out", str(out), *world],
            cwd=REPO,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
        printed = done.stdout
        _, values = read_topic(broker.bootstrap, "giftlive.decisions")
        decisions = [orjson.loads(v) for v in values]
        _, label_values = read_topic(broker.bootstrap, "giftlive.labels")
        training, _ = read_topic(broker.bootstrap, "giftlive.training", keep=False)

    assert len(decisions) > 1_000
    for line in summarise_decisions(decisions).lines():
        assert line.split("   (from")[0] in printed, line
    kinds = Counter(orjson.loads(v)["kind"] for v in label_values)
    assert (
        f"{kinds['provisional']:,} provisional, {kinds['final']:,} final, {kinds['orphan']:,} orphan"
        in printed
    )
    assert f"training rows      {training:,} clicks" in printed
    assert "topics vs files    agree" in printed
    for name in ("demo.log", "events.parquet", "flow/decisions.parquet", "flow/labels.parquet", "world"):
        assert (out / name).exists(), name
    assert (out / "demo.log").read_text() == printed

"""`giftlive demo` end to end on a tiny world against its own local broker: it succeeds, leaves its outputs
and log in the folder it names, and the numbers it prints agree with what its output topics hold."""

from __future__ import annotations

import os
import subprocess
import sys
from collections import Counter
from pathlib import Path

import orjson
import pyarrow as pa
import pytest

from allocator.records import DECISION_SCHEMA
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
            [sys.executable, "-m", "cli.main", "demo", "--out", str(out), *world],
            cwd=REPO,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
        printed = done.stdout
        decisions: list[dict] = []
        read_topic(
            broker.bootstrap, "giftlive.decisions", on_value=lambda v: decisions.append(orjson.loads(v))
        )
        label_kinds: Counter[str] = Counter()
        read_topic(
            broker.bootstrap,
            "giftlive.labels",
            on_value=lambda v: label_kinds.update([orjson.loads(v)["kind"]]),
        )
        training = read_topic(broker.bootstrap, "giftlive.training")

    assert len(decisions) > 1_000
    table = pa.Table.from_pylist(decisions, DECISION_SCHEMA)
    for line in summarise_decisions([table]).lines():
        assert line.split("   (from")[0] in printed, line
    kinds = label_kinds
    assert (
        f"{kinds['provisional']:,} provisional, {kinds['final']:,} final, {kinds['orphan']:,} orphan"
        in printed
    )
    assert f"training rows      {training:,} clicks" in printed
    assert "topics vs files    agree" in printed
    assert "[8/8]" in printed and "skipped: the validation period" in printed  # 2 days cannot fill 7-7-7
    for name in ("demo.log", "events.parquet", "flow/decisions.parquet", "flow/labels.parquet", "world"):
        assert (out / name).exists(), name
    assert (out / "demo.log").read_text() == printed

"""Broker faults in broker mode: a broker that dies under a tailing flow ends it with one line within the
stated time (--broker-timeout), and a partition that receives nothing does not hold every output back
forever (--idle-after)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from confluent_kafka import Producer

from giftlive.events import encode, kafka_key
from replay.broker import LocalBroker
from replay.kafka_topics import ensure_topics
from replay.topic_reader import read_topic
from tests.fake_events import fake_event_table

pytestmark = pytest.mark.kafka

REPO = Path(__file__).resolve().parents[2]
BROKER_TIMEOUT_S = 3.0


def _produce(bootstrap: str, topic: str, rows: list[dict], partitions: list[int]) -> None:
    """Every row to one of ``partitions`` by user (room events by room), in log order; no end markers."""
    producer = Producer({"bootstrap.servers": bootstrap, "linger.ms": 5})
    for row in rows:
        key = kafka_key(row)
        producer.produce(topic, encode(row), key, partition=partitions[hash(key) % len(partitions)])
    assert producer.flush(30) == 0


def _run(bootstrap: str, topic: str, log: Path, *extra: str) -> subprocess.Popen:
    outputs = [
        f"--{name}-topic={topic}.{name}" for name in ("decisions", "predictions", "training", "labels")
    ]
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "cli.main",
            "run",
            "--bootstrap",
            bootstrap,
            "--events-topic",
            topic,
            "--follow",
            f"--deadletter-topic={topic}.deadletter",
            *outputs,
            *extra,
        ],
        cwd=REPO,
        stdout=subprocess.DEVNULL,
        stderr=log.open("w"),
        env={**os.environ, "RUST_BACKTRACE": "0"},
    )


def test_a_broker_lost_under_a_tailing_flow_ends_it_with_one_line(tmp_path: Path):
    rows = fake_event_table(3_000).to_pylist()
    with LocalBroker() as broker:
        topic = f"faults.{uuid.uuid4().hex[:8]}"
        ensure_topics(broker.bootstrap, [topic], 4)
        _produce(broker.bootstrap, topic, rows, [0, 1, 2, 3])
        log = tmp_path / "run.log"
        flow = _run(broker.bootstrap, topic, log, "--broker-timeout", str(BROKER_TIMEOUT_S))
        try:
            time.sleep(8)  # the flow is up and tailing
            assert flow.poll() is None, log.read_text()
            broker.stop()
            stopped = time.monotonic()
            code = flow.wait(timeout=BROKER_TIMEOUT_S + 30)
            took = time.monotonic() - stopped
        finally:
            if flow.poll() is None:
                flow.kill()
    lines = [line for line in log.read_text().splitlines() if line.strip()]
    assert code != 0
    assert took < BROKER_TIMEOUT_S + 20, took
    assert "lost Kafka" in lines[-1] or "did not take an output record" in lines[-1], lines[-5:]
    assert not any(line.startswith("%") for line in lines), "librdkafka's own log leaked"


def test_a_partition_that_receives_nothing_does_not_hold_the_outputs_back(tmp_path: Path):
    rows = fake_event_table(3_000).to_pylist()
    late_rows = [{**row, "id": f"more-{row['id']}"} for row in rows[-50:]]
    with LocalBroker() as broker:
        topic = f"idle.{uuid.uuid4().hex[:8]}"
        ensure_topics(broker.bootstrap, [topic], 5)
        _produce(broker.bootstrap, topic, rows, [0, 1, 2, 3])  # partition 4 stays empty
        flow = _run(broker.bootstrap, topic, tmp_path / "run.log", "--idle-after", "2")
        try:
            deadline, decisions = time.monotonic() + 60, 0
            while decisions == 0 and time.monotonic() < deadline and flow.poll() is None:
                time.sleep(2)
                decisions = read_topic(broker.bootstrap, f"{topic}.decisions", settle_s=0.5)
            time.sleep(6)  # then more events: the next progress line must not take the idle marker's
            _produce(broker.bootstrap, topic, late_rows, [0])  # watermark for an event time
            time.sleep(3)
            running = flow.poll() is None
        finally:
            flow.terminate()
            flow.wait(10)
    assert decisions > 0 and running, (tmp_path / "run.log").read_text()[-2000:]

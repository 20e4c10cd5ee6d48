"""Broker faults in broker mode: a broker that dies under a tailing flow ends it with one line within the
stated time (--broker-timeout), and a partition that receives nothing does not hold every output back
forever (--idle-after)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import orjson
import pyarrow.parquet as pq
import pytest
from confluent_kafka import Producer

from cli.main import main
from flows.outputs import OUTPUT_BY_NAME, OUTPUTS
from giftlive.errors import UserError
from giftlive.events import encode, kafka_key
from replay.broker import LocalBroker
from replay.kafka_topics import ensure_topics
from replay.producer import replay_events
from replay.topic_reader import read_topic
from tests.fake_events import fake_event_table, write_fake_event_log
from tests.flow_harness import output_topic_flags

pytestmark = pytest.mark.kafka

REPO = Path(__file__).resolve().parents[2]
BROKER_TIMEOUT_S = 3.0
RESUMABLE = ["--broker-timeout", str(BROKER_TIMEOUT_S)]


def _by_id(bootstrap: str, topic: str, id_field: str) -> dict[str, dict]:
    """The topic's records by id (at-least-once repeats must be identical)."""
    rows: dict[str, dict] = {}
    values: list[bytes] = []
    read_topic(bootstrap, topic, on_value=values.append)
    for value in values:
        row = orjson.loads(value)
        assert rows.setdefault(row[id_field], row) == row
    return rows


def _produce(bootstrap: str, topic: str, rows: list[dict], partitions: list[int]) -> None:
    """Every row to one of ``partitions`` by user (room events by room), in log order; no end markers."""
    producer = Producer({"bootstrap.servers": bootstrap, "linger.ms": 5})
    for row in rows:
        key = kafka_key(row)
        producer.produce(topic, encode(row), key, partition=partitions[hash(key) % len(partitions)])
    assert producer.flush(30) == 0


def _run(bootstrap: str, topic: str, log: Path, *extra: str) -> subprocess.Popen:
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
            *output_topic_flags(topic),
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
                decisions = _count_if_created(broker.bootstrap, f"{topic}.decisions")
            time.sleep(6)  # then more events: the next progress line must not take the idle marker's
            _produce(broker.bootstrap, topic, late_rows, [0])  # watermark for an event time
            time.sleep(3)
            running = flow.poll() is None
        finally:
            flow.terminate()
            flow.wait(10)
    assert decisions > 0 and running, (tmp_path / "run.log").read_text()[-2000:]


def _count_if_created(bootstrap: str, topic: str, settle_s: float = 0.5) -> int:
    """Records in ``topic``, 0 while the flow has not created it yet (the flow creates its output topics as
    it starts, which takes seconds on a slow machine)."""
    try:
        return read_topic(bootstrap, topic, settle_s=settle_s)
    except UserError:
        return 0


def test_after_a_broker_loss_a_rerun_with_recovery_loses_nothing_the_broker_still_holds(tmp_path: Path):
    """The broker hangs (SIGSTOP: it keeps its data, as a restarted real broker would) under a tailing run
    with --recovery; the run ends with one line; once the broker is back, the same command resumes and the
    outputs, after dropping repeats by id, equal an uninterrupted run's."""
    log_path = write_fake_event_log(tmp_path / "events.parquet", 60_000, span_s=12 * 3600)
    with LocalBroker() as broker:
        topic = f"resume.{uuid.uuid4().hex[:8]}"
        replay_events(log_path, broker.bootstrap, topic=topic, progress=False)  # with end markers
        reference = tmp_path / "reference"
        ref_topics = output_topic_flags(f"{topic}.ref")
        assert (
            main(
                [
                    "run",
                    "--bootstrap",
                    broker.bootstrap,
                    "--events-topic",
                    topic,
                    "--out",
                    str(reference),
                    *ref_topics,
                ]
            )
            == 0
        )
        resumed = [*RESUMABLE, "--recovery", str(tmp_path / "recovery"), "--snapshot-every", "1"]
        flow = _run(broker.bootstrap, topic, tmp_path / "first.log", *resumed)
        try:  # mid-run: as soon as the first decisions are on their topic
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline and flow.poll() is None:
                if _count_if_created(broker.bootstrap, f"{topic}.decisions", settle_s=0.2):
                    break
                time.sleep(0.2)
            os.kill(broker.pid, signal.SIGSTOP)
            code = flow.wait(timeout=90)
        finally:
            os.kill(broker.pid, signal.SIGCONT)
            if flow.poll() is None:
                flow.kill()
        last = (tmp_path / "first.log").read_text().splitlines()[-1]
        assert code == 2 and ("lost Kafka" in last or "did not take an output record" in last), last
        wanted = {o.name: pq.read_table(reference / o.file).to_pylist() for o in OUTPUTS if o.id_field}
        before = _by_id(broker.bootstrap, f"{topic}.decisions", "decision_id")
        assert 0 < len(before) < len(wanted["decisions"]), "the broker was lost mid-run"
        flow = _run(broker.bootstrap, topic, tmp_path / "second.log", *resumed)
        try:
            deadline, got = time.monotonic() + 120, {}
            while time.monotonic() < deadline and flow.poll() is None:
                time.sleep(3)
                got = {
                    name: _by_id(broker.bootstrap, f"{topic}.{name}", OUTPUT_BY_NAME[name].id_field)
                    for name in wanted
                }
                if all(len(got[name]) >= len(rows) for name, rows in wanted.items()):
                    break
        finally:
            flow.terminate()
            flow.wait(10)
    for name, rows in wanted.items():
        want = {row[OUTPUT_BY_NAME[name].id_field]: row for row in rows}
        assert got[name] == want, name

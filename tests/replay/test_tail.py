"""`giftlive tail` via the real CLI against the real broker: readable events, raw JSON, generic records."""

from __future__ import annotations

import io
import re
import threading
import time
from pathlib import Path

import orjson
import pyarrow.parquet as pq
import pytest
from confluent_kafka import Producer

from cli.main import main
from replay.kafka_topics import ensure_topics
from replay.producer import replay_events
from replay.tail import format_record, tail
from tests.fake_events import write_fake_event_log

pytestmark = pytest.mark.kafka
EVENT_LINE = re.compile(
    r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z (room_start|impression|click|like|comment|gift|dwell|room_end)"
    r" +(user=\d+ )?streamer=\d+ live=\d+ .*id=\w+$"
)


@pytest.fixture(scope="module")
def replayed(tmp_path_factory: pytest.TempPathFactory, kafka_bootstrap: str) -> tuple[str, set[str]]:
    """A topic holding a small replayed log, and the log's ids."""
    path = write_fake_event_log(tmp_path_factory.mktemp("tail") / "events.parquet", 600, seed=9)
    topic = f"test.tail.{time.time_ns()}"
    replay_events(path, kafka_bootstrap, topic=topic, progress=False)
    return topic, set(pq.read_table(path, columns=["id"]).column("id").to_pylist())


def test_tail_prints_n_decoded_events(
    replayed: tuple[str, set[str]], kafka_bootstrap: str, capsys: pytest.CaptureFixture[str]
) -> None:
    topic, ids = replayed
    started = time.monotonic()
    code = main(["tail", topic, "--bootstrap", kafka_bootstrap, "--from-beginning", "--limit", "25"])
    assert code == 0 and time.monotonic() - started < 10
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 25
    for line in lines:
        assert EVENT_LINE.match(line), line
        assert line.rsplit("id=", 1)[1] in ids


def test_tail_json_prints_raw_values(
    replayed: tuple[str, set[str]], kafka_bootstrap: str, capsys: pytest.CaptureFixture[str]
) -> None:
    topic, ids = replayed
    assert (
        main(["tail", topic, "--bootstrap", kafka_bootstrap, "--from-beginning", "--limit", "10", "--json"])
        == 0
    )
    records = [orjson.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert len(records) == 10
    assert all(r["v"] == 1 and r["id"] in ids for r in records)


def test_tail_idle_timeout_reads_everything_then_stops(
    replayed: tuple[str, set[str]],
    kafka_bootstrap: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    topic, ids = replayed
    monkeypatch.setenv("KAFKA_BOOTSTRAP", kafka_bootstrap)
    assert main(["tail", topic, "--from-beginning", "--idle-timeout", "1"]) == 0
    lines = capsys.readouterr().out.splitlines()
    controls = [line for line in lines if line.startswith("control ")]
    seen = {line.rsplit("id=", 1)[1] for line in lines if not line.startswith("control ")}
    assert seen == ids
    # The replay's end markers, one per partition, are labelled instead of printed as broken records.
    assert sorted(line.split()[2] for line in controls) == [f"partition={p}" for p in range(4)]
    assert all(line.startswith("control end-of-partition partition=") for line in controls)


def test_tail_json_skips_control_records(
    replayed: tuple[str, set[str]], kafka_bootstrap: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """Scripts piping --json into jq get JSON lines only, not the markers' empty values."""
    topic, ids = replayed
    assert (
        main(
            [
                "tail",
                topic,
                "--bootstrap",
                kafka_bootstrap,
                "--from-beginning",
                "--idle-timeout",
                "1",
                "--json",
            ]
        )
        == 0
    )
    records = [orjson.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert {r["id"] for r in records} == ids


def test_tail_from_now_skips_old_records(kafka_bootstrap: str, topic_name) -> None:
    topic = topic_name()
    ensure_topics(kafka_bootstrap, [topic], partitions=4)
    producer = Producer({"bootstrap.servers": kafka_bootstrap, "linger.ms": 5})

    def send(label: str) -> None:
        for i in range(200):
            producer.produce(topic, orjson.dumps({"batch": label, "n": i}), key=str(i).encode())
        assert producer.flush(10) == 0

    send("old")
    out = io.StringIO()
    done: list[int] = []
    reader = threading.Thread(target=lambda: done.append(tail(topic, kafka_bootstrap, timeout_s=3, out=out)))
    reader.start()
    time.sleep(1.5)
    send("new")
    reader.join(timeout=20)
    lines = out.getvalue().splitlines()
    assert done == [200] and len(lines) == 200
    assert all(line.startswith("batch=new n=") for line in lines)


def test_generic_records_are_key_value_lines() -> None:
    line = format_record(orjson.dumps({"decision": "d1", "ts": 1746057600000, "arms": [1, 2], "score": 0.5}))
    assert line == "decision=d1 ts=2025-05-01T00:00:00.000Z arms=[1,2] score=0.5"
    assert format_record(b"not json") == "raw not json"


def test_tail_without_bootstrap_is_one_line_error(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    monkeypatch.delenv("KAFKA_BOOTSTRAP", raising=False)
    assert main(["tail", "giftlive.events"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("giftlive tail: error: no Kafka") and len(err.splitlines()) == 1

"""Bad input on the events topic, soaked: 10,000+ malformed records of many kinds among valid events. No
crash; every bad record reaches the dead-letter topic with a reason naming what is wrong; every output is
exactly what a clean run of the good records alone writes."""

from __future__ import annotations

import random
import uuid
from pathlib import Path

import orjson
import pyarrow.parquet as pq
import pytest
from confluent_kafka import Producer

from cli.main import main
from flows.outputs import output_files
from giftlive.events import encode, kafka_key
from replay.kafka_topics import ensure_topics
from replay.topic_reader import read_topic
from tests.fake_events import fake_event_table
from tests.flow_harness import output_rows, output_topic_flags

pytestmark = pytest.mark.kafka

BAD_RECORDS = 10_000
FUTURE_MS = 4_070_908_800_000  # 2099-01-01: schema-valid, far ahead of the stream


def _bad(good: dict, rng: random.Random) -> tuple[bytes | None, str]:
    """One malformed record made from a good event, and the words its dead-letter reason must contain."""
    kind = rng.randrange(15)
    event = {**orjson.loads(encode(good)), "id": f"bad-{uuid.uuid4().hex[:10]}"}
    if kind == 0:
        return bytes(rng.randrange(256) for _ in range(rng.randrange(1, 40))) + b"\xff{", "not JSON"
    if kind == 1:
        return None, "empty value"
    if kind == 2:
        return orjson.dumps([1, 2, 3]), "JSON object"
    if kind == 3:
        return orjson.dumps({**event, "type": "teleport"}), "unknown event type"
    if kind == 4:
        return orjson.dumps({k: v for k, v in event.items() if k != "ts"}), "'ts'"
    if kind == 5:
        return orjson.dumps({**event, "ts": str(event["ts"])}), "'ts' must be an integer"
    if kind == 6:
        return orjson.dumps({**event, "streamer_id": 1.5}), "'streamer_id'"
    if kind == 7:
        return orjson.dumps({**event, "type": "gift", "user_id": 1, "amount": -3}), "'amount'"
    if kind == 8:
        return orjson.dumps({**event, "type": "gift", "user_id": 1, "amount": 1e100}), "'amount'"
    if kind == 9:
        return orjson.dumps({**event, "ts": FUTURE_MS}), "future"
    if kind == 10:
        return orjson.dumps({**event, "ts": event["ts"] // 1000}), "ts_implausible"  # seconds read as ms
    if kind == 11:
        return orjson.dumps({**event, "ts": 5_000_000_000_000}), "ts_implausible"  # year 2128
    if kind == 12:
        return orjson.dumps({**event, "v": rng.choice([2, 1.0, True, "1"])}), "schema version"
    if kind == 13:
        return orjson.dumps({**event, "id": ""}), "'id'"
    return b"x" * 1_048_576 if rng.random() < 0.002 else b"{" * rng.randrange(1, 9), "not JSON"


def _run(bootstrap: str, topic: str, out: Path) -> dict[str, list[str]]:
    args = ["run", "--bootstrap", bootstrap, "--events-topic", topic, "--out", str(out)]
    assert main([*args, *output_topic_flags(topic)]) == 0
    return output_rows(out)


def test_ten_thousand_bad_records_are_dead_lettered_and_change_no_output(
    kafka_bootstrap: str, tmp_path: Path
):
    rng = random.Random(11)
    good = fake_event_table(6_000).to_pylist()
    clean_topic, dirty_topic = (f"bad-input.{uuid.uuid4().hex[:8]}.{name}" for name in ("clean", "dirty"))
    ensure_topics(kafka_bootstrap, [clean_topic, dirty_topic], 4)
    producer = Producer(
        {"bootstrap.servers": kafka_bootstrap, "linger.ms": 20, "message.max.bytes": 4_000_000}
    )
    expected: dict[bytes, str] = {}  # dead-letter key (or value, for a null key) -> words of its reason
    for event in good:
        producer.produce(clean_topic, encode(event), kafka_key(event))
    bad_every = len(good) / BAD_RECORDS
    due = 0.0
    for event in good:
        due += 1 / bad_every
        while due >= 1:  # bad records amid the good ones, in their users' partitions
            due -= 1
            value, words = _bad(event, rng)
            key = f"bad-{len(expected)}".encode()
            if len(expected) % 50 == 0:  # a null key: matched by its (unique) value instead
                key, value, words = None, f"null key {len(expected)}".encode(), "not JSON"
                expected[value] = words
            else:
                expected[key] = words
            producer.produce(dirty_topic, value, key, partition=hash(kafka_key(event)) % 4)
            producer.poll(0)
        producer.produce(dirty_topic, encode(event), kafka_key(event))
    assert producer.flush(60) == 0
    assert len(expected) >= BAD_RECORDS

    clean = _run(kafka_bootstrap, clean_topic, tmp_path / "clean")
    dirty = _run(kafka_bootstrap, dirty_topic, tmp_path / "dirty")
    dead = pq.read_table(output_files(tmp_path / "dirty")["deadletter"]).to_pylist()
    assert len(dead) == len(expected)
    wrong = [
        (row["key"], row["reason"])
        for row in dead
        if expected[row["key"] if row["key"] is not None else row["raw"]] not in row["reason"]
    ]
    assert not wrong, wrong[:5]
    assert read_topic(kafka_bootstrap, f"{dirty_topic}.deadletter") == len(expected)
    for name in ("decisions", "predictions", "training", "labels"):
        assert dirty[name] == clean[name], name
    assert len(clean["decisions"]) > 1_000 and clean["deadletter"] == []

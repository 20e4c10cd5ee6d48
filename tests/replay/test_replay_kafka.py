"""Replay to a real broker and read everything back: nothing lost, nothing invented, per-user order kept."""

from __future__ import annotations

import time
from collections import defaultdict
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from cli.main import main
from giftlive.errors import UserError
from giftlive.events import ARROW_SCHEMA, END_OF_PARTITION, EventType, decode, kafka_key
from replay.kafka_topics import ensure_topics
from replay.producer import replay_events
from tests.fake_events import fake_event_table, write_fake_event_log
from tests.kafka_helpers import Record, consume_all
from tests.world_log import world_event_log

pytestmark = pytest.mark.kafka


@pytest.fixture(scope="module")
def event_log(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small synthetic world (~300k events), converted to the canonical log like any KuaiLive directory."""
    world = tmp_path_factory.mktemp("world")
    return world_event_log(world, users=400, streamers=6_000, days=7, seed=3)


def _log_order_by_key(path: Path) -> dict[bytes, list[str]]:
    """Each Kafka key's ids in log (event-time) order: what one partition must preserve."""
    by_key: dict[bytes, list[str]] = defaultdict(list)
    for row in pq.read_table(path).to_pylist():
        by_key[kafka_key(row)].append(row["id"])
    return by_key


def _read_order_by_key(records: list[Record]) -> dict[bytes, list[str]]:
    by_key: dict[bytes, list[str]] = defaultdict(list)
    for rec in sorted(records, key=lambda r: (r.partition, r.offset)):
        by_key[rec.key].append(decode(rec.value)["id"])
    return by_key


@pytest.mark.slow
def test_replay_round_trip_keeps_every_event_and_per_user_order(
    event_log: Path, kafka_bootstrap: str, topic_name
) -> None:
    topic = topic_name("events")
    report = replay_events(event_log, kafka_bootstrap, topic=topic, partitions=4, progress=False)
    rows = pq.ParquetFile(event_log).metadata.num_rows
    assert rows >= 100_000
    assert report.sent == report.delivered == rows
    assert report.markers == 4
    assert sum(report.by_type.values()) == rows
    assert all(report.by_type[t.wire_name] > 0 for t in EventType)

    records = consume_all(kafka_bootstrap, topic, expected=rows, timeout_s=90)
    assert len(records) == rows
    decoded = [decode(r.value) for r in records]
    log_ids = pq.read_table(event_log, columns=["id"]).column("id").to_pylist()
    assert sorted(e["id"] for e in decoded) == sorted(log_ids)
    assert all(r.key == kafka_key(e) for r, e in zip(records, decoded, strict=True))

    partition_of_key: dict[bytes | None, set[int]] = defaultdict(set)
    for rec in records:
        partition_of_key[rec.key].add(rec.partition)
    assert all(len(parts) == 1 for parts in partition_of_key.values())
    assert _read_order_by_key(records) == _log_order_by_key(event_log)

    # A rerun (into a fresh topic with the same partitions) sends the same ids under the same keys.
    again = topic_name("again")
    replay_events(event_log, kafka_bootstrap, topic=again, partitions=4, progress=False)
    rerun = consume_all(kafka_bootstrap, again, expected=rows, timeout_s=90)
    first = {decode(r.value)["id"]: (r.key, r.partition, r.value) for r in records}
    second = {decode(r.value)["id"]: (r.key, r.partition, r.value) for r in rerun}
    assert first == second


def test_paced_replay_follows_event_time(tmp_path: Path, kafka_bootstrap: str, topic_name) -> None:
    path = write_fake_event_log(tmp_path / "small.parquet", 300, span_s=30, seed=5)
    ts = pq.read_table(path, columns=["ts"]).column("ts").to_pylist()
    expected_s = (ts[-1] - ts[0]) / 1000 / 10
    assert expected_s > 1.0

    started = time.monotonic()
    report = replay_events(path, kafka_bootstrap, topic=topic_name(), speed=10, progress=False)
    elapsed = time.monotonic() - started

    assert report.delivered == len(ts)
    assert expected_s * 0.95 <= elapsed <= expected_s + 3.0, (elapsed, expected_s)


def test_out_of_order_log_is_refused(tmp_path: Path, kafka_bootstrap: str, topic_name) -> None:
    table = fake_event_table(500, seed=1)
    shuffled = table.take(pa.array(list(range(len(table)))[::-1]))
    path = tmp_path / "backwards.parquet"
    pq.write_table(shuffled, path)
    with pytest.raises(UserError, match="not in event-time order"):
        replay_events(path, kafka_bootstrap, topic=topic_name(), progress=False)


def test_bad_sources_are_user_errors(tmp_path: Path, kafka_bootstrap: str) -> None:
    with pytest.raises(UserError, match="does not exist"):
        replay_events(tmp_path / "missing.parquet", kafka_bootstrap, progress=False)
    (tmp_path / "events.csv").write_text("id\n1\n")
    with pytest.raises(UserError, match="not a .parquet"):
        replay_events(tmp_path / "events.csv", kafka_bootstrap, progress=False)
    wrong = tmp_path / "wrong.parquet"
    pq.write_table(pa.table({"id": ["n1"]}), wrong)
    with pytest.raises(UserError, match="no column 'type'"):
        replay_events(wrong, kafka_bootstrap, progress=False)


def test_schema_is_the_canonical_one(event_log: Path) -> None:
    assert pq.read_schema(event_log).remove_metadata().equals(ARROW_SCHEMA.remove_metadata())


def test_strings_needing_json_escapes_round_trip(tmp_path: Path, kafka_bootstrap: str, topic_name) -> None:
    table = fake_event_table(300, seed=2)
    categories = table.column("category").to_pylist()
    categories = [None if c is None else 'live "music"\n\\' for c in categories]
    table = table.set_column(table.schema.get_field_index("category"), "category", pa.array(categories))
    path = tmp_path / "escapes.parquet"
    pq.write_table(table.cast(ARROW_SCHEMA), path)
    topic = topic_name()
    report = replay_events(path, kafka_bootstrap, topic=topic, progress=False)
    records = consume_all(kafka_bootstrap, topic, expected=report.sent, timeout_s=30)
    expected = {row["id"]: row for row in table.to_pylist()}
    for rec in records:
        event = decode(rec.value)
        if event["type"] is EventType.ROOM_START:
            assert event["category"] == 'live "music"\n\\'
        assert event["id"] in expected


def test_end_markers_close_every_partition_after_its_last_event(
    tmp_path: Path, kafka_bootstrap: str, topic_name
) -> None:
    """A tailing flow closes its windows only once every partition has ended, so each partition of the
    topic as it exists (3 here, not the 4 asked for) must end with exactly one marker, and markers are
    not events."""
    path = write_fake_event_log(tmp_path / "small.parquet", 400, seed=4)
    rows = pq.ParquetFile(path).metadata.num_rows
    topic = topic_name()
    ensure_topics(kafka_bootstrap, [topic], partitions=3)
    report = replay_events(path, kafka_bootstrap, topic=topic, partitions=4, progress=False)
    assert report.sent == report.delivered == sum(report.by_type.values()) == rows
    assert report.markers == 3
    assert "3 end-of-partition markers" in report.summary()

    records = consume_all(kafka_bootstrap, topic, expected=rows + 3, timeout_s=30, controls=True)
    assert len(records) == rows + 3
    markers = [r for r in records if r.control is not None]
    assert sorted(r.partition for r in markers) == [0, 1, 2]
    for marker in markers:
        assert marker.control == END_OF_PARTITION
        assert marker.key is None and marker.value in (b"", None)
        assert marker.offset == max(r.offset for r in records if r.partition == marker.partition)
    assert sorted(decode(r.value)["id"] for r in records if r.control is None) == sorted(
        pq.read_table(path, columns=["id"]).column("id").to_pylist()
    )
    # The default reader drops them: callers counting events are not thrown off.
    assert len(consume_all(kafka_bootstrap, topic, expected=rows, timeout_s=30)) == rows


def test_no_end_markers_flag_writes_events_only(
    tmp_path: Path, kafka_bootstrap: str, topic_name, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write_fake_event_log(tmp_path / "small.parquet", 200, seed=6)
    rows = pq.ParquetFile(path).metadata.num_rows
    topic = topic_name()
    code = main(["replay", str(path), "--bootstrap", kafka_bootstrap, "--topic", topic, "--no-end-markers"])
    assert code == 0
    assert "end-of-partition" not in capsys.readouterr().err
    records = consume_all(kafka_bootstrap, topic, expected=rows, timeout_s=30, controls=True)
    assert len(records) == rows and all(r.control is None for r in records)

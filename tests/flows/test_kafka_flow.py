"""The dataflow as it runs in production: `python -m bytewax.run flows.giftlive_flow:flow` against the real
broker, fed by `giftlive replay`, compared with the same flow over the Parquet log; its decisions topic
audited against the log."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest
from bytewax.testing import run_main
from confluent_kafka import Producer

from allocator.named import DEFAULT_POLICY, NAMED_POLICIES
from flows.dataflow import build_flow
from flows.settings import FlowSettings
from flows.stages.protocol import DEAD_LETTER_RAW_BYTES
from giftlive.events import EventType, encode, kafka_key
from replay.kafka_topics import ensure_topics
from replay.producer import END_MARKER_HEADERS, replay_events
from tests.decision_audit import audit_decisions
from tests.kafka_helpers import Record, consume_all

pytestmark = pytest.mark.kafka

REPO = Path(__file__).resolve().parents[2]
PACED_S = 4.0  # wall time of the paced replay
FLOW_EXIT_TIMEOUT_S = 30.0


def _giftlive(*args: str) -> None:
    subprocess.run([sys.executable, "-m", "cli.main", *args], check=True, cwd=REPO, capture_output=True)


@pytest.fixture(scope="module")
def event_log(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small synthetic world made with the real CLI, cut in the middle of its activity (~20k events over
    ~2 days, ~2.8k clicks): its last clicks' label windows are still open when the log ends, so only the
    end-of-partition markers can close them in a tailing flow."""
    base = tmp_path_factory.mktemp("kafka_flow")
    world, full, events = base / "world", base / "full.parquet", base / "events.parquet"
    synth = ["--users", "200", "--streamers", "2000", "--days", "2", "--seed", "7"]
    _giftlive("data", "synth", "--out", str(world), *synth)
    _giftlive("data", "convert", str(world), "--out", str(full))
    table = pq.read_table(full)
    click_ts = pc.filter(table["ts"], pc.equal(table["type"], int(EventType.CLICK))).to_numpy()
    cut = int(click_ts[int(len(click_ts) * 0.8)])
    pq.write_table(table.filter(pc.less(table["ts"], cut)), events)
    return events


@dataclass(frozen=True)
class Outputs:
    training: list[dict[str, Any]]
    labels: list[dict[str, Any]]
    decisions: list[dict[str, Any]]
    dead: int


@pytest.fixture(scope="module")
def reference(event_log: Path, tmp_path_factory: pytest.TempPathFactory) -> Outputs:
    """The flow over the Parquet log, in process: the result every Kafka run must reproduce."""
    out = tmp_path_factory.mktemp("reference")
    run_main(build_flow(FlowSettings(events_path=event_log, out_dir=out)))
    training = pq.read_table(out / "training.parquet").to_pylist()
    labels = pq.read_table(out / "labels.parquet").to_pylist()
    decisions = pq.read_table(out / "decisions.parquet").to_pylist()
    dead = (out / "deadletter.parquet").exists() and pq.read_table(out / "deadletter.parquet").num_rows
    log = pq.read_table(event_log, columns=["type", "ts"])
    click_ts = pc.filter(log["ts"], pc.equal(log["type"], int(EventType.CLICK))).to_numpy()
    assert len(training) == len(click_ts) > 1000  # one row per click: the world is not trivially small
    open_at_end = int((click_ts > log["ts"][-1].as_py() - FlowSettings.window_ms).sum())
    assert open_at_end >= 10  # windows that no watermark closes: the markers must
    return Outputs(training, labels, decisions, int(dead))


@dataclass(frozen=True)
class Topics:
    events: str
    labels: str
    training: str
    deadletter: str
    decisions: str
    predictions: str

    def env(self) -> dict[str, str]:
        return {
            "GIFTLIVE_EVENTS_TOPIC": self.events,
            "GIFTLIVE_LABELS_TOPIC": self.labels,
            "GIFTLIVE_TRAINING_TOPIC": self.training,
            "GIFTLIVE_DEADLETTER_TOPIC": self.deadletter,
            "GIFTLIVE_DECISIONS_TOPIC": self.decisions,
            "GIFTLIVE_PREDICTIONS_TOPIC": self.predictions,
        }


def _topics(bootstrap: str, topic_name) -> Topics:
    names = ("events", "labels", "training", "dead", "decisions", "predictions")
    topics = Topics(*(topic_name(name) for name in names))
    ensure_topics(bootstrap, [getattr(topics, field) for field in Topics.__dataclass_fields__], partitions=4)
    return topics


@contextmanager
def running_flow(bootstrap: str, topics: Topics, out: Path, follow: bool) -> Iterator[subprocess.Popen]:
    """`python -m bytewax.run flows.giftlive_flow:flow` configured by environment, stopped on exit; its
    output is kept in ``out/flow.log`` and shown if the test fails."""
    out.mkdir(parents=True, exist_ok=True)
    env = {
        **os.environ,
        **topics.env(),
        "KAFKA_BOOTSTRAP": bootstrap,
        "GIFTLIVE_FOLLOW": "1" if follow else "0",
    }
    if not follow:  # Parquet copies are written when the input ends; a tailing flow has only its topics
        env["GIFTLIVE_OUT"] = str(out)
    env.pop("GIFTLIVE_EVENTS", None)
    log_path = out / "flow.log"
    with log_path.open("wb") as log:
        flow = subprocess.Popen(
            [sys.executable, "-m", "bytewax.run", "flows.giftlive_flow:flow"],
            cwd=REPO,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            yield flow
        except BaseException:
            print(f"flow output ({log_path}):\n{log_path.read_text(errors='replace')[-5000:]}")
            raise
        finally:
            if flow.poll() is None:
                flow.terminate()
                try:
                    flow.wait(10)
                except subprocess.TimeoutExpired:
                    flow.kill()
                    flow.wait()


def _rows_by_id(
    records: list[Record], id_field: str, key_field: str | None = None
) -> dict[str, dict[str, Any]]:
    """Output records by their deterministic id; a duplicate (at-least-once delivery) must be identical.
    Each message's key is its ``key_field`` (default: the id)."""
    rows: dict[str, dict[str, Any]] = {}
    for record in records:
        row = orjson.loads(record.value)
        assert record.key == str(row[key_field or id_field]).encode()
        previous = rows.setdefault(row[id_field], row)
        assert _same_row(previous, row), (previous, row)
    return rows


def _same_value(a: Any, b: Any) -> bool:
    """Exactly equal and of the same type: 3 is not 3.0, and a NaN (which JSON cannot carry) never matches."""
    return type(a) is type(b) and a == b


def _same_row(a: dict[str, Any], b: dict[str, Any]) -> bool:
    return a.keys() == b.keys() and all(_same_value(a[k], b[k]) for k in a)


def _assert_same_table(
    expected: list[dict[str, Any]], got: dict[str, dict[str, Any]], id_field: str, subset: bool = False
) -> None:
    """``got`` has the rows of ``expected`` (with ``subset``: some of them), every column equal."""
    want = {row[id_field]: row for row in expected}
    assert len(want) == len(expected), "the reference has duplicate ids"
    if subset:
        assert got.keys() <= want.keys()
    else:
        assert got.keys() == want.keys()
    differing = [i for i in sorted(got) if not _same_row(want[i], got[i])]
    if differing:
        first = differing[0]
        columns = [k for k in want[first] if not _same_value(want[first][k], got[first].get(k))]
        pytest.fail(
            f"{len(differing)} of {len(want)} rows differ, e.g. {first} in {columns}: "
            f"{[(want[first][k], got[first].get(k)) for k in columns]}"
        )


def _replay_speed(event_log: Path) -> float:
    """The speed at which the whole log's event time passes in about PACED_S seconds of wall time."""
    ts = pq.read_table(event_log, columns=["ts"]).column("ts")
    return (ts[-1].as_py() - ts[0].as_py()) / 1000 / PACED_S


@pytest.mark.parametrize("pace", ["max-speed", "paced"])
def test_replay_speed_does_not_change_the_training_table(
    pace: str, event_log: Path, reference: Outputs, kafka_bootstrap: str, topic_name, tmp_path: Path
) -> None:
    """The same world through Kafka at full speed, paced, and from Parquet yields identical outputs: labels
    run on event time, and the end-of-partition markers let a tailing flow close every window."""
    topics = _topics(kafka_bootstrap, topic_name)
    speed = None if pace == "max-speed" else _replay_speed(event_log)
    with running_flow(kafka_bootstrap, topics, tmp_path / "flow", follow=True) as flow:
        started = time.monotonic()
        report = replay_events(event_log, kafka_bootstrap, topic=topics.events, speed=speed, progress=False)
        replay_s = time.monotonic() - started
        assert report.markers == 4
        if speed is not None:  # really paced: the flow consumed while the replay trickled in
            assert replay_s >= PACED_S * 0.9, replay_s
        training = consume_all(kafka_bootstrap, topics.training, len(reference.training), timeout_s=60)
        labels = consume_all(kafka_bootstrap, topics.labels, len(reference.labels), timeout_s=30)
        decisions = consume_all(kafka_bootstrap, topics.decisions, len(reference.decisions), timeout_s=30)
        dead = consume_all(kafka_bootstrap, topics.deadletter, 0, timeout_s=10)
        assert flow.poll() is None, "a tailing flow must keep running after the end markers"

    _assert_same_table(reference.training, _rows_by_id(training, "click_id"), "click_id")
    _assert_same_table(reference.labels, _rows_by_id(labels, "label_id"), "label_id")
    _assert_same_table(reference.decisions, _rows_by_id(decisions, "decision_id", "user_id"), "decision_id")
    assert reference.dead == 0 and dead == []


def test_every_request_gets_one_valid_decision_on_the_topic(
    event_log: Path, reference: Outputs, kafka_bootstrap: str, topic_name, tmp_path: Path
) -> None:
    """Replay, then the flow to the end of the topic: giftlive.decisions holds exactly one decision per
    impression and click, with unique ids, rooms live at the request, caps respected, 0 < propensity <= 1."""
    topics = _topics(kafka_bootstrap, topic_name)
    replay_events(event_log, kafka_bootstrap, topic=topics.events, progress=False)
    with running_flow(kafka_bootstrap, topics, tmp_path / "flow", follow=False) as flow:
        assert flow.wait(FLOW_EXIT_TIMEOUT_S) == 0
    records = consume_all(kafka_bootstrap, topics.decisions, len(reference.decisions), timeout_s=30)
    decisions = [orjson.loads(record.value) for record in records]
    audit = audit_decisions(decisions, event_log, NAMED_POLICIES[DEFAULT_POLICY].config)  # the CLI's
    assert audit.ok, audit.problems
    assert audit.requests == len(decisions) > 5_000
    served = [d for d in decisions if d["live_id"] is not None]
    assert len(served) > 0.9 * len(decisions)
    assert any(d["explored"] for d in served) and any(d["cold_start"] for d in served)


def test_a_tailing_flow_closes_the_last_label_windows_at_the_end_markers(
    event_log: Path, reference: Outputs, kafka_bootstrap: str, topic_name, tmp_path: Path
) -> None:
    """Without markers the clicks of the log's last hour keep open windows forever (no later event moves the
    watermark past them); what the flow did emit is already final. One marker per partition closes them."""
    topics = _topics(kafka_bootstrap, topic_name)
    with running_flow(kafka_bootstrap, topics, tmp_path / "flow", follow=True):
        report = replay_events(
            event_log, kafka_bootstrap, topic=topics.events, progress=False, end_markers=False
        )
        assert report.markers == 0
        with pytest.raises(AssertionError, match=r"read [\d,]+ of"):
            consume_all(kafka_bootstrap, topics.training, len(reference.training), timeout_s=3)
        early = _rows_by_id(consume_all(kafka_bootstrap, topics.training, 1, timeout_s=10), "click_id")
        assert 0 < len(early) < len(reference.training)
        _assert_same_table(reference.training, early, "click_id", subset=True)

        producer = Producer({"bootstrap.servers": kafka_bootstrap})
        for partition in range(4):
            producer.produce(topics.events, b"", partition=partition, headers=END_MARKER_HEADERS)
        assert producer.flush(10) == 0
        training = consume_all(kafka_bootstrap, topics.training, len(reference.training), timeout_s=30)
    _assert_same_table(reference.training, _rows_by_id(training, "click_id"), "click_id")


def test_bad_records_go_to_the_dead_letter_topic_and_good_ones_still_flow(
    kafka_bootstrap: str, topic_name, tmp_path: Path
) -> None:
    """Undecodable, unknown-type and invalid events are dead-lettered with their reason and exact bytes;
    the good events around them still produce training rows and labels (follow off: the flow stops at the
    end of the topic)."""
    topics = _topics(kafka_bootstrap, topic_name)
    t0 = 1_746_374_400_000
    room = dict(streamer_id=5, live_id=1)
    good = [
        dict(id="rs1", type="room_start", ts=t0, live_type=1, category="game", **room),
        dict(id="c1", type="click", ts=t0 + 1_000, user_id=7, **room),
        dict(id="g1", type="gift", ts=t0 + 2_000, user_id=7, amount=3.0, **room),
        dict(id="c2", type="click", ts=t0 + 3_000, user_id=8, **room),
    ]
    bad = {  # raw value -> what its dead-letter reason must say
        b"not json at all": "not JSON",
        orjson.dumps(dict(v=1, id="x1", type="teleport", ts=t0 + 1_500, user_id=7, **room)): (
            "unknown event type 'teleport'"
        ),
        orjson.dumps(dict(v=1, id="g2", type="gift", ts=t0 + 2_500, user_id=7, amount=-4.0, **room)): (
            "'amount' must be a finite number >= 0"
        ),
    }
    producer = Producer({"bootstrap.servers": kafka_bootstrap, "linger.ms": 0})
    for event in good[:2]:
        producer.produce(topics.events, encode(event), kafka_key(event))
    for raw in bad:
        producer.produce(topics.events, raw, b"u7")  # amid user 7's events, in their partition
    for event in good[2:]:
        producer.produce(topics.events, encode(event), kafka_key(event))
    assert producer.flush(10) == 0

    with running_flow(kafka_bootstrap, topics, tmp_path / "flow", follow=False) as flow:
        assert flow.wait(FLOW_EXIT_TIMEOUT_S) == 0

    dead = consume_all(kafka_bootstrap, topics.deadletter, len(bad), timeout_s=10)
    assert sorted(r.value for r in dead) == sorted(bad)
    for record in dead:
        headers = dict(record.headers)
        assert bad[record.value].encode() in headers["reason"], headers
        assert headers["source"].startswith(b"partition "), headers
        assert record.key == b"u7"
    training = _rows_by_id(consume_all(kafka_bootstrap, topics.training, 2, timeout_s=10), "click_id")
    assert set(training) == {"c1", "c2"}
    assert training["c1"]["label_amount"] == 3.0 and training["c1"]["label_count"] == 1
    assert training["c2"]["label_amount"] == 0.0 and training["c2"]["label_count"] == 0
    labels = _rows_by_id(consume_all(kafka_bootstrap, topics.labels, 2, timeout_s=10), "label_id")
    assert {"c1@final", "c2@final"} <= labels.keys()
    # The Parquet copy (GIFTLIVE_OUT) says the same.
    files = tmp_path / "flow"
    assert sorted(pq.read_table(files / "deadletter.parquet").column("raw").to_pylist()) == sorted(bad)
    assert sorted(pq.read_table(files / "training.parquet").column("click_id").to_pylist()) == ["c1", "c2"]


def test_a_record_too_big_to_forward_is_dead_lettered_cut_short_not_a_crash(
    kafka_bootstrap: str, topic_name, tmp_path: Path
) -> None:
    """A 1 MiB record on the events topic once crash-looped the flow: its dead letter carried the raw bytes
    and the sink's producer refuses messages over 1,000,000 bytes. Now the dead letter keeps the first
    64 KiB and says how big the record was."""
    topics = _topics(kafka_bootstrap, topic_name)
    t0 = 1_746_374_400_000
    room = dict(streamer_id=5, live_id=1)
    clicks = [dict(id=f"c{i}", type="click", ts=t0 + 1_000 * i, user_id=7, **room) for i in (1, 2)]
    huge = b"{" + b"x" * (1 << 20)
    producer = Producer(
        {"bootstrap.servers": kafka_bootstrap, "linger.ms": 0, "message.max.bytes": 4_000_000}
    )
    producer.produce(topics.events, encode(clicks[0]), kafka_key(clicks[0]))
    producer.produce(topics.events, huge, b"u7")
    producer.produce(topics.events, encode(clicks[1]), kafka_key(clicks[1]))
    assert producer.flush(10) == 0

    with running_flow(kafka_bootstrap, topics, tmp_path / "flow", follow=False) as flow:
        assert flow.wait(FLOW_EXIT_TIMEOUT_S) == 0

    (dead,) = consume_all(kafka_bootstrap, topics.deadletter, 1, timeout_s=10)
    headers = dict(dead.headers)
    assert dead.value == huge[:DEAD_LETTER_RAW_BYTES] and headers["raw-size"] == str(len(huge)).encode()
    assert b"not JSON" in headers["reason"] and headers["source"].startswith(b"partition ")
    training = _rows_by_id(consume_all(kafka_bootstrap, topics.training, 2, timeout_s=10), "click_id")
    assert set(training) == {"c1", "c2"}
    (row,) = pq.read_table(tmp_path / "flow" / "deadletter.parquet").to_pylist()
    assert len(row["raw"]) == DEAD_LETTER_RAW_BYTES and row["raw_size"] == len(huge)

"""Replay a canonical Parquet event log into Kafka in event-time order, as fast as possible or paced.

Rerunnable by construction: ids and keys come from the log, so a second run produces the same records to the
same partitions and consumers drop the duplicates by id. Paced mode (``speed=X``) is honest: event time
advances X times faster than wall time *including* idle gaps (nights, quiet hours), so a 21-day log at
speed 1000 takes about 30 minutes whatever its density. Use max speed to skip gaps.

Once every event is delivered, the replay writes one end-of-partition control record to every partition of
the topic (empty value, no key, header ``giftlive-control: end-of-partition``): a flow that tails the topic
then knows each partition is finished and closes its pending label windows instead of waiting for event
time that will never come. Anything else that reads the topic must skip records carrying that header.
A flow that has read the markers treats the topic as finished: events replayed into it afterwards are late.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TextIO

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
from confluent_kafka import KafkaError, KafkaException, Producer

from giftlive.config import DEFAULT_PARTITIONS, EVENTS_TOPIC
from giftlive.errors import UserError
from giftlive.events import COLUMNS, CONTROL_HEADER, END_OF_PARTITION, EventType, encode, kafka_key
from replay.arrow_encode import encode_batch
from replay.event_log import open_event_log, resolve_event_log
from replay.kafka_topics import client_config, ensure_topics

READ_BATCH_ROWS = 65_536
_POLL_EVERY = 1024  # produce() calls between poll(0)/clock checks; a power of two
_WIRE_NAMES = tuple(t.wire_name for t in EventType)  # index = EventType value
FLUSH_TIMEOUT_S = 60.0
END_MARKER_HEADERS = [(CONTROL_HEADER, END_OF_PARTITION.encode())]


def producer_config(bootstrap: str) -> dict[str, Any]:
    """Throughput-oriented producer settings, shared with the benchmark's bare loop so the comparison is fair.

    Only failed deliveries call back (``delivery.report.only.error``): a callback per record would cost more
    than the encoding. ``delivered = produced - failed`` holds once ``flush`` returns 0 outstanding.
    """
    return {
        "bootstrap.servers": bootstrap,
        "linger.ms": 20,
        "batch.size": 1_000_000,
        "batch.num.messages": 10_000,
        "queue.buffering.max.messages": 1_000_000,
        "queue.buffering.max.kbytes": 1_048_576,
        "acks": "all",
        "delivery.report.only.error": True,
        "log_level": 3,
    }


@dataclass
class ReplayReport:
    """What a replay did; ``delivered == sent`` on success (failures raise). ``sent`` and ``delivered``
    count events only; ``markers`` counts the end-of-partition control records written after them."""

    source: Path
    topic: str
    bootstrap: str
    sent: int = 0
    delivered: int = 0
    markers: int = 0
    by_type: dict[str, int] = field(default_factory=dict)
    first_ts: int | None = None
    last_ts: int | None = None
    wall_s: float = 0.0

    @property
    def events_per_s(self) -> float:
        return self.sent / self.wall_s if self.wall_s > 0 else 0.0

    def summary(self) -> str:
        types = ", ".join(f"{k} {v:,}" for k, v in self.by_type.items() if v)
        span = f"{iso_ms(self.first_ts)} .. {iso_ms(self.last_ts)}" if self.first_ts is not None else "empty"
        markers = f"; {self.markers} end-of-partition markers" if self.markers else ""
        return (
            f"replayed {self.delivered:,} events to {self.topic} at {self.bootstrap} in {self.wall_s:.1f} s "
            f"({self.events_per_s:,.0f} events/s); event time {span}; {types}{markers}"
        )


def iso_ms(ts_ms: int | None) -> str:
    """Epoch milliseconds as UTC ISO-8601 with a Z, the one time format users see."""
    if ts_ms is None:
        return "-"
    return (
        datetime.fromtimestamp(ts_ms / 1000, tz=UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    )


def _last_ts(log: pq.ParquetFile) -> int | None:
    """Max event time from row-group statistics (no data read), for the progress ETA; None if absent."""
    meta = log.metadata
    if meta.num_row_groups == 0:
        return None
    column = meta.schema.to_arrow_schema().get_field_index("ts")
    stats = meta.row_group(meta.num_row_groups - 1).column(column).statistics
    return int(stats.max) if stats is not None and stats.has_min_max else None


@dataclass
class _Encoded:
    """One batch ready to send: event times, Kafka values and keys in log order, and counts by type."""

    times: np.ndarray
    values: list[bytes]
    keys: list[bytes]
    counts: np.ndarray


def _encode(batch: pa.RecordBatch, path: Path) -> _Encoded:
    types = batch.column("type").to_numpy()
    if int(types.min()) < 0 or int(types.max()) >= len(_WIRE_NAMES):
        raise UserError(f"event log {path} has an unknown event type code in column 'type'")
    encoded = encode_batch(batch)
    if encoded is None:  # a string needing JSON escaping: the reference encoder, row by row
        rows = batch.to_pylist()
        encoded = [encode(r) for r in rows], [kafka_key(r) for r in rows]
    counts = np.bincount(types, minlength=len(_WIRE_NAMES))
    return _Encoded(batch.column("ts").to_numpy(), encoded[0], encoded[1], counts)


def _encoded(log: pq.ParquetFile, path: Path) -> Iterator[_Encoded]:
    """Encoded batches in log order, checking event-time order on the way.

    Decoding and encoding run one batch ahead on a helper thread: Parquet and Arrow kernels release the
    GIL, so they overlap with the produce loop on the main thread.
    """
    source = log.iter_batches(batch_size=READ_BATCH_ROWS, columns=list(COLUMNS))

    def prepare_next() -> _Encoded | None:
        for batch in source:
            if batch.num_rows:
                return _encode(batch, path)
        return None

    previous = -(2**63)
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="replay-encode") as pool:
        pending = pool.submit(prepare_next)
        while (ready := pending.result()) is not None:
            pending = pool.submit(prepare_next)
            ts = ready.times
            if ts[0] < previous or (len(ts) > 1 and bool((ts[1:] < ts[:-1]).any())):
                raise UserError(
                    f"event log {path} is not in event-time order; rebuild it with `giftlive data convert`"
                )
            previous = int(ts[-1])
            yield ready


class _Progress:
    """One status line on stderr about once a second: count, rate, event-time position, percentage, ETA."""

    def __init__(self, total: int, last_ts: int | None, speed: float | None, out: TextIO | None) -> None:
        self.total, self.last_ts, self.speed, self.out = total, last_ts, speed, out
        self.start = time.monotonic()
        self.next_at = self.start + 1.0
        self.tty = bool(out is not None and out.isatty())

    def maybe(self, sent: int, ts: int | None, force: bool = False) -> None:
        now = time.monotonic()
        if self.out is None or (now < self.next_at and not force):
            return
        self.next_at = now + 1.0
        elapsed = max(now - self.start, 1e-9)
        rate = sent / elapsed
        pct = 100.0 * sent / self.total if self.total else 100.0
        if self.speed is not None and ts is not None and self.last_ts is not None:
            eta_s = max(0.0, (self.last_ts - ts) / 1000 / self.speed)
        else:
            eta_s = (self.total - sent) / rate if rate > 0 else 0.0
        line = (
            f"replay: {sent:,}/{self.total:,} events ({pct:5.1f}%)  {rate:,.0f} events/s  "
            f"event time {iso_ms(ts)}  ETA {_duration(eta_s)}"
        )
        self.out.write(("\r" + line + "\x1b[K") if self.tty else line + "\n")
        self.out.flush()

    def done(self) -> None:
        if self.out is not None and self.tty:
            self.out.write("\n")
            self.out.flush()


def _duration(seconds: float) -> str:
    seconds = int(round(seconds))
    return f"{seconds // 3600}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"


def replay_events(
    event_log: Path,
    bootstrap: str,
    topic: str = EVENTS_TOPIC,
    speed: float | None = None,
    partitions: int = DEFAULT_PARTITIONS,
    progress: bool = True,
    end_markers: bool = True,
    client: dict[str, str] | None = None,
) -> ReplayReport:
    """Produce every event of ``event_log`` (a .parquet log or a KuaiLive directory) to ``topic``.

    ``speed=None`` is max speed; ``speed=X`` keeps event-time elapsed / X ~= wall time elapsed. Missing topics
    are created with ``partitions``. With ``end_markers`` (the default), once every event is delivered one
    end-of-partition control record goes to every partition of the topic (see the module docstring).
    Raises UserError if any record is not delivered.
    """
    if speed is not None and not speed > 0:
        raise UserError(f"--speed must be > 0, got {speed}")
    path = resolve_event_log(Path(event_log))
    log = open_event_log(path)
    ensure_topics(bootstrap, [topic], partitions, client=client)

    report = ReplayReport(source=path, topic=topic, bootstrap=bootstrap)
    failures: list[KafkaError] = []
    failed = 0

    def on_delivery(error: KafkaError | None, _msg: object) -> None:
        nonlocal failed
        if error is not None:
            failed += 1
            if len(failures) < 5:
                failures.append(error)

    config = producer_config(bootstrap)
    if speed is not None:
        config["linger.ms"] = 5  # a paced replay is a trickle: keep records close to their event time
    producer = Producer({**client_config(bootstrap, client, **config), "on_delivery": on_delivery})
    counts = np.zeros(len(_WIRE_NAMES), dtype=np.int64)
    status = _Progress(log.metadata.num_rows, _last_ts(log), speed, sys.stderr if progress else None)
    produce, poll = producer.produce, producer.poll
    sent, ts = 0, None
    t_wall0 = time.monotonic()
    cleared_ts = -(2**63)  # paced mode: events up to this event time are due now
    try:
        for chunk in _encoded(log, path):
            counts += chunk.counts
            if report.first_ts is None:
                report.first_ts = int(chunk.times[0])
            if speed is None:
                sent = _send_all(produce, poll, topic, chunk, sent, status)
            else:
                sent, cleared_ts = _send_paced(
                    produce, poll, topic, chunk, sent, status, speed, t_wall0, report.first_ts, cleared_ts
                )
            ts = report.last_ts = int(chunk.times[-1])
        status.maybe(sent, ts, force=True)
        remaining = producer.flush(FLUSH_TIMEOUT_S)
    except KafkaException as exc:
        raise UserError(f"producing to {topic} at {bootstrap} failed: {exc.args[0].str()}") from None
    finally:
        status.done()
    report.wall_s = time.monotonic() - t_wall0
    report.sent = sent
    report.delivered = sent - failed - remaining
    report.by_type = {label: int(n) for label, n in zip(_WIRE_NAMES, counts.tolist(), strict=True)}
    if remaining:
        raise UserError(
            f"{remaining:,} of {sent:,} events were still undelivered to {topic} at {bootstrap} after "
            f"{FLUSH_TIMEOUT_S:g} s; is the broker alive? Rerunning is safe (ids are deterministic)"
        )
    if failed:
        reasons = "; ".join(sorted({e.str() for e in failures}))
        raise UserError(
            f"{failed:,} of {sent:,} events were not delivered to {topic} at {bootstrap}: {reasons}. "
            "Rerunning is safe (ids are deterministic)"
        )
    if end_markers:
        report.markers = _send_end_markers(producer, topic, bootstrap, failures, lambda: failed)
        report.wall_s = time.monotonic() - t_wall0
    return report


def _send_end_markers(
    producer: Producer, topic: str, bootstrap: str, failures: list[KafkaError], failed: Callable[[], int]
) -> int:
    """One end-of-partition control record to every partition of ``topic``, after all events are delivered
    (so each marker is the last record of its partition); returns how many were written."""
    try:
        meta = producer.list_topics(topic, timeout=10).topics.get(topic)
    except KafkaException as exc:
        raise UserError(
            f"cannot read the partitions of {topic} at {bootstrap}: {exc.args[0].str()}"
        ) from None
    if meta is None or meta.error is not None or not meta.partitions:
        raise UserError(f"topic {topic} vanished from {bootstrap} during the replay; no end markers written")
    before = failed()
    try:
        for partition in sorted(meta.partitions):
            producer.produce(topic, value=b"", key=None, partition=partition, headers=END_MARKER_HEADERS)
        remaining = producer.flush(FLUSH_TIMEOUT_S)
    except KafkaException as exc:
        raise UserError(
            f"writing end markers to {topic} at {bootstrap} failed: {exc.args[0].str()}"
        ) from None
    lost = failed() - before + remaining
    if lost:
        reasons = "; ".join(sorted({e.str() for e in failures})) or "still undelivered at the flush timeout"
        raise UserError(
            f"{lost} of {len(meta.partitions)} end-of-partition markers were not delivered to {topic} at "
            f"{bootstrap}: {reasons}. Every event was delivered, but a tailing flow keeps the last label "
            "windows open until each partition has its marker"
        )
    return len(meta.partitions)


def _produce_blocking(produce: Any, poll: Any, topic: str, value: bytes, key: bytes) -> None:
    """produce() after the local queue was full: serve deliveries until there is room."""
    while True:
        poll(0.05)
        try:
            produce(topic, value, key)
            return
        except BufferError:
            continue


def _send_all(produce: Any, poll: Any, topic: str, chunk: _Encoded, sent: int, status: _Progress) -> int:
    """The max-speed loop: as little Python per record as possible."""
    base = sent
    for value, key in zip(chunk.values, chunk.keys, strict=True):
        try:
            produce(topic, value, key)
        except BufferError:
            _produce_blocking(produce, poll, topic, value, key)
        sent += 1
        if not sent & (_POLL_EVERY - 1):
            poll(0)
            status.maybe(sent, int(chunk.times[sent - base - 1]))
    return sent


def _send_paced(
    produce: Any,
    poll: Any,
    topic: str,
    chunk: _Encoded,
    sent: int,
    status: _Progress,
    speed: float,
    t_wall0: float,
    first_ts: int,
    cleared_ts: int,
) -> tuple[int, int]:
    """Send each record once its event time is due at ``speed``; returns (sent, event time due now)."""
    for ts, value, key in zip(chunk.times.tolist(), chunk.values, chunk.keys, strict=True):
        if ts > cleared_ts:
            cleared_ts = _wait_until_due(ts, first_ts, t_wall0, speed, poll, status, sent)
        try:
            produce(topic, value, key)
        except BufferError:
            _produce_blocking(produce, poll, topic, value, key)
        sent += 1
        if not sent & (_POLL_EVERY - 1):
            poll(0)
            status.maybe(sent, ts)
    return sent, cleared_ts


def _wait_until_due(
    ts: int, first_ts: int, t_wall0: float, speed: float, poll: Any, status: _Progress, sent: int
) -> int:
    """Sleep (serving delivery callbacks) until event time ``ts`` is due; return the event time due now."""
    while True:
        wall = time.monotonic() - t_wall0
        due_ts = first_ts + int(wall * speed * 1000)
        if ts <= due_ts:
            return due_ts
        poll(min((ts - due_ts) / 1000 / speed, 0.2))
        status.maybe(sent, due_ts)

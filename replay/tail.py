"""Print a topic's records as they arrive: events and other JSON records one readable line each, or raw JSON.

The tail reads by assignment (every partition, no consumer group join, no commits), so it never disturbs the
flow's consumer groups and starts immediately; the group id is unique only because librdkafka requires one.

Control records (header ``giftlive-control``, e.g. the end-of-partition marker a replay writes after its last
event) are not data: the readable output shows them as one ``control ...`` line, ``--json`` skips them.
"""

from __future__ import annotations

import sys
import time
import uuid
from datetime import UTC, datetime
from typing import Any, TextIO

import orjson
from confluent_kafka import OFFSET_BEGINNING, OFFSET_END, Consumer, KafkaError, KafkaException, TopicPartition

from giftlive.errors import UserError
from giftlive.events import TYPE_BY_NAME, control_marker
from replay.kafka_topics import check_reachable, client_config

_EVENT_FIELDS = ("user_id", "streamer_id", "live_id")
_SHORT = {"user_id": "user", "streamer_id": "streamer", "live_id": "live"}


def _iso(ts: Any) -> str:
    if type(ts) is not int:
        return str(ts)
    return datetime.fromtimestamp(ts / 1000, tz=UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def format_record(value: bytes | None, as_json: bool = False) -> str:
    """One line for one record value: an event, any other JSON object, or the raw text as a last resort."""
    if value is None:
        return "(null value)"
    if as_json:
        return value.decode("utf-8", errors="replace").rstrip("\n")
    try:
        record = orjson.loads(value)
    except orjson.JSONDecodeError:
        return "raw " + value.decode("utf-8", errors="replace")
    if not isinstance(record, dict):
        return orjson.dumps(record).decode()
    if record.get("type") in TYPE_BY_NAME and "ts" in record:
        return _format_event(record)
    if "decision_id" in record and "ts" in record:
        return _format_decision(record)
    return " ".join(f"{k}={_scalar(k, v)}" for k, v in record.items())


def format_control(marker: str, partition: int, offset: int) -> str:
    """``control end-of-partition partition=2 offset=6410``: a marker, never mistaken for a record."""
    return f"control {marker} partition={partition} offset={offset}"


def _format_event(record: dict[str, Any]) -> str:
    """``2025-05-01T00:00:01.000Z gift        user=7 streamer=3 live=17 amount=5.0 id=g12``."""
    parts = [_iso(record["ts"]), f"{record['type']:<10}"]
    parts += [f"{_SHORT[name]}={record[name]}" for name in _EVENT_FIELDS if record.get(name) is not None]
    if record.get("amount") is not None:
        parts.append(f"amount={record['amount']}")
    if record.get("watch_ms") is not None:
        parts.append(f"watch={record['watch_ms'] / 1000:.1f}s")
    for name in ("live_type", "category"):
        if record.get(name) is not None:
            parts.append(f"{name}={record[name]}")
    parts.append(f"id={record.get('id')}")
    return " ".join(parts)


def _format_decision(d: dict[str, Any]) -> str:
    """``2025-05-04T08:00:01.000Z decision   user=7 <- live=17 streamer=3 p=0.120 score=0.41 candidates=62
    load=12 [explored, cold-start] id=n42@thompson-capped.v2``."""
    parts = [_iso(d["ts"]), "decision  ", f"user={d.get('user_id')}"]
    if d.get("live_id") is None:
        parts.append("<- no room (every candidate capped)")
    else:
        parts += [f"<- live={d['live_id']}", f"streamer={d.get('streamer_id')}"]
        if isinstance(d.get("score"), float):
            parts.append(f"score={d['score']:.3g}")
    if isinstance(d.get("propensity"), float):
        parts.append(f"p={d['propensity']:.3f}")
    parts += [f"candidates={d.get('candidates')}", f"load={d.get('load')}"]
    capped = [
        f"{n} {what}"
        for what, n in (("at capacity", d.get("capacity_capped")), ("freq-capped", d.get("frequency_capped")))
        if n
    ]
    flags = [name for name in ("explored", "cold_start") if d.get(name)] + capped
    if flags:
        parts.append("[" + ", ".join(flags).replace("_", "-") + "]")
    parts.append(f"on={d.get('request_type')} id={d['decision_id']}")
    return " ".join(parts)


def _scalar(key: str, value: Any) -> str:
    """Readable value: nested structures as compact JSON, epoch-ms times (``ts``/``*_ts``) also as UTC ISO."""
    if isinstance(value, dict | list):
        return orjson.dumps(value).decode()
    if (key == "ts" or key.endswith("_ts")) and type(value) is int:
        return _iso(value)
    return str(value)


def tail(
    topic: str,
    bootstrap: str,
    from_beginning: bool = False,
    limit: int | None = None,
    as_json: bool = False,
    timeout_s: float | None = None,
    out: TextIO | None = None,
    client: dict[str, str] | None = None,
) -> int:
    """Print records of ``topic`` until ``limit`` records, ``timeout_s`` idle seconds, or Ctrl-C.

    A topic that does not exist is a UserError. Returns the number of records printed. ``out`` defaults to
    the current ``sys.stdout``; ``client`` holds the user's Kafka client settings.
    """
    out = sys.stdout if out is None else out
    check_reachable(bootstrap, timeout_s=10.0, client=client)
    consumer = Consumer(
        client_config(
            bootstrap,
            client,
            **{
                "group.id": f"giftlive-tail-{uuid.uuid4().hex[:12]}",
                "enable.auto.commit": False,
                "enable.auto.offset.store": False,
                "fetch.wait.max.ms": 50,
                "allow.auto.create.topics": False,
                "log_level": 3,
            },
        )
    )
    printed = 0
    idle_since = time.monotonic()
    try:
        partitions = _partitions(consumer, topic, bootstrap)
        if from_beginning:
            consumer.assign([TopicPartition(topic, p, OFFSET_BEGINNING) for p in partitions])
            not_before: dict[int, int] = {}
        else:
            not_before = _assign_from_now(consumer, topic, partitions)
        while limit is None or printed < limit:
            want = 500 if limit is None else min(500, limit - printed)
            messages = consumer.consume(num_messages=want, timeout=0.2)
            lines = []
            for msg in messages:
                error = msg.error()
                if error is not None:
                    if error.code() == KafkaError._PARTITION_EOF:
                        continue
                    raise UserError(f"reading {topic} at {bootstrap} failed: {error.str()}")
                if not_before and msg.timestamp()[1] < not_before.get(msg.partition(), -1):
                    continue  # older than the tail: only reached because the broker's end offset was wrong
                marker = control_marker(msg.headers())
                if marker is None:
                    lines.append(format_record(msg.value(), as_json))
                elif not as_json:
                    lines.append(format_control(marker, msg.partition(), msg.offset()))
            if lines:
                out.write("\n".join(lines) + "\n")
                out.flush()
                printed += len(lines)
                idle_since = time.monotonic()
            elif timeout_s is not None and time.monotonic() - idle_since >= timeout_s:
                break
    except KeyboardInterrupt:
        pass  # Ctrl-C is how a tail normally ends
    except KafkaException as exc:
        raise UserError(f"reading {topic} at {bootstrap} failed: {exc.args[0].str()}") from None
    finally:
        consumer.close()
    return printed


def _assign_from_now(consumer: Consumer, topic: str, partitions: list[int]) -> dict[int, int]:
    """Start each partition at the first record stamped from now on; returns partition -> now (epoch ms).

    Not OFFSET_END: Tansu reports a wrong end offset after batched produce, and answers a time lookup past
    its last record with offset 0 instead of the end. So the lookup is only a head start, and the caller
    also drops records stamped before now (exact on one machine; off by the clock skew across machines).
    """
    now_ms = int(time.time() * 1000)
    found = consumer.offsets_for_times([TopicPartition(topic, p, now_ms) for p in partitions], timeout=10)
    consumer.assign(
        [TopicPartition(topic, tp.partition, tp.offset if tp.offset >= 0 else OFFSET_END) for tp in found]
    )
    return {p: now_ms for p in partitions}


def _partitions(consumer: Consumer, topic: str, bootstrap: str) -> list[int]:
    """Partition ids of ``topic``; UserError if it does not exist (every topic is created explicitly, so a
    missing one is a wrong name or a step not run yet, not something to wait for)."""
    meta = consumer.list_topics(timeout=10).topics.get(topic)  # all topics: naming one could auto-create it
    if meta is None or meta.error is not None or not meta.partitions:
        raise UserError(
            f"topic {topic!r} does not exist at {bootstrap}; check the name, or create it: `giftlive replay` "
            "creates the events topic, `giftlive run --bootstrap` the output topics"
        )
    return sorted(meta.partitions)

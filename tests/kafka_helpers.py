"""Read a topic back in tests: by counting records, never by watermarks (Tansu's are wrong after batching)."""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass

from confluent_kafka import OFFSET_BEGINNING, Consumer, KafkaError, TopicPartition

from giftlive.events import CONTROL_HEADER


@dataclass(frozen=True)
class Record:
    partition: int
    offset: int
    key: bytes | None
    value: bytes
    headers: tuple[tuple[str, bytes], ...] = ()

    @property
    def control(self) -> str | None:
        """The control marker (e.g. ``end-of-partition``) if this is a control record, else None."""
        for name, value in self.headers:
            if name == CONTROL_HEADER:
                return value.decode()
        return None


def consume_all(
    bootstrap: str, topic: str, expected: int, timeout_s: float = 60.0, controls: bool = False
) -> list[Record]:
    """Every record of ``topic`` from the start, once ``expected`` have arrived; AssertionError on timeout.

    Control records (the replay's end-of-partition markers) are data for no one but the flow: they are
    dropped and not counted unless ``controls`` is set. Keeps reading briefly after reaching the count
    (until every partition reports EOF) so extra records show up as a wrong count instead of being silently
    missed.
    """
    consumer = Consumer(
        {
            "bootstrap.servers": bootstrap,
            "group.id": f"test-read-{uuid.uuid4().hex}",
            "enable.auto.commit": False,
            "enable.partition.eof": True,
            "fetch.wait.max.ms": 20,
        }
    )
    try:
        partitions = consumer.list_topics(topic, timeout=10).topics[topic].partitions
        consumer.assign([TopicPartition(topic, p, OFFSET_BEGINNING) for p in partitions])
        records: list[Record] = []
        at_eof: set[int] = set()
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            batch = consumer.consume(num_messages=10_000, timeout=0.2)
            for msg in batch:
                error = msg.error()
                if error is not None:
                    assert error.code() == KafkaError._PARTITION_EOF, error.str()
                    at_eof.add(msg.partition())
                    continue
                at_eof.discard(msg.partition())
                record = Record(
                    msg.partition(), msg.offset(), msg.key(), msg.value(), tuple(msg.headers() or ())
                )
                if controls or record.control is None:
                    records.append(record)
            if len(records) >= expected and len(at_eof) == len(partitions):
                return records
        raise AssertionError(f"read {len(records):,} of {expected:,} records from {topic} in {timeout_s} s")
    finally:
        consumer.close()

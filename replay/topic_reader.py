"""Read a whole topic back, to count or check what a run wrote. Never trusts end offsets alone (Tansu's are
wrong after batched produce): it reads to end of every partition, then keeps reading until ``expected``
records are seen or nothing new arrives for ``settle_s``. Control records (end-of-partition markers) are
skipped."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable

from confluent_kafka import OFFSET_BEGINNING, Consumer, KafkaError, TopicPartition

from giftlive.errors import UserError
from giftlive.events import control_marker
from replay.kafka_topics import client_config


def read_topic(
    bootstrap: str,
    topic: str,
    expected: int | None = None,
    settle_s: float = 5.0,
    on_value: Callable[[bytes], None] | None = None,
    client: dict[str, str] | None = None,
) -> int:
    """Records of ``topic`` from the beginning; each value goes to ``on_value`` if given."""
    consumer = Consumer(
        client_config(
            bootstrap,
            client,
            **{
                "group.id": f"giftlive-read-{uuid.uuid4().hex[:8]}",  # assign() only; never joins or commits
                "enable.auto.commit": False,
                "enable.partition.eof": True,
                "fetch.wait.max.ms": 20,
                "allow.auto.create.topics": False,
                "log_level": 3,
            },
        )
    )
    try:
        meta = consumer.list_topics(timeout=10).topics.get(topic)  # naming it could auto-create it
        if meta is None or meta.error is not None or not meta.partitions:
            raise UserError(f"topic {topic!r} does not exist at {bootstrap}")
        parts = [TopicPartition(topic, p, OFFSET_BEGINNING) for p in sorted(meta.partitions)]
        consumer.assign(parts)
        ended: set[int] = set()
        seen = 0
        last_new = time.monotonic()
        while len(ended) < len(parts) or (
            expected is not None and seen < expected and time.monotonic() - last_new < settle_s
        ):
            for msg in consumer.consume(10_000, 0.2):
                error = msg.error()
                if error is None:
                    last_new = time.monotonic()
                    if control_marker(msg.headers()) is not None:
                        continue
                    seen += 1
                    if on_value is not None:
                        on_value(msg.value())
                elif error.code() == KafkaError._PARTITION_EOF:
                    ended.add(msg.partition())
                else:
                    raise UserError(f"reading {topic} at {bootstrap} failed: {error.str()}")
    finally:
        consumer.close()
    return seen

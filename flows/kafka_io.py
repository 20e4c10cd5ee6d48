"""Broker-mode edges: Kafka messages to raw records, and output records to Kafka messages."""

from __future__ import annotations

from typing import Any

import orjson
from bytewax.connectors.kafka import KafkaError, KafkaSinkMessage, KafkaSourceMessage
from confluent_kafka.admin import AdminClient

from giftlive.errors import UserError
from giftlive.stages.decode import RawRecord, control_marker


def raw_from_kafka(item: KafkaSourceMessage | KafkaError) -> RawRecord:
    """A consumed message (or a consumer error about one) as a raw record for decoding."""
    if isinstance(item, KafkaError):
        msg = item.msg
        offset = -1 if msg.offset is None else msg.offset
        return RawRecord(msg.partition or 0, offset, msg.key, msg.value, f"error:{item.err}")
    return RawRecord(item.partition, item.offset, item.key, item.value, control_marker(item.headers))


def partition_count(bootstrap: str, topic: str) -> int:
    """How many partitions feed the flow: each is a sender whose watermark the stages wait for."""
    client = AdminClient({"bootstrap.servers": bootstrap})
    try:
        meta = client.list_topics(topic, timeout=10)
    except Exception as exc:  # noqa: BLE001 - any client failure means the same to the user
        raise UserError(f"cannot read metadata of topic {topic!r} at {bootstrap}: {exc}") from None
    info = meta.topics.get(topic)
    if info is None or info.error is not None or not info.partitions:
        raise UserError(f"topic {topic!r} does not exist at {bootstrap}; replay events into it first")
    return len(info.partitions)


def label_message(record: dict[str, Any]) -> KafkaSinkMessage:
    return KafkaSinkMessage(key=record["label_id"].encode(), value=orjson.dumps(record))


def training_message(record: dict[str, Any]) -> KafkaSinkMessage:
    return KafkaSinkMessage(key=record["click_id"].encode(), value=orjson.dumps(record))


def decision_message(record: dict[str, Any]) -> KafkaSinkMessage:
    """Keyed by user, so one user's decisions stay in order within a partition."""
    return KafkaSinkMessage(key=str(record["user_id"]).encode(), value=orjson.dumps(record))


def prediction_message(record: dict[str, Any]) -> KafkaSinkMessage:
    return KafkaSinkMessage(key=record["click_id"].encode(), value=orjson.dumps(record))


def deadletter_message(record: dict[str, Any]) -> KafkaSinkMessage:
    """The raw bytes as they came, with the reason and origin in headers."""
    headers = [("reason", record["reason"].encode()), ("source", record["source"].encode())]
    return KafkaSinkMessage(key=record["key"], value=record["raw"], headers=headers)

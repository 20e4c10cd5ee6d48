"""The GiftLive dataflow. Only the source and the sinks differ between broker and embedded mode:

events ─ decode ─┬─ dead letters
                 └─ streamer stage (by streamer shard) ─ user stage (by user shard) ─┬─ training rows
                          │ room events                     │ requests               └─ label stage (by
                          │                                 │                    label shard) ─ labels
                          └──────────────────────────────── decision stage ─────────────────┘ labels
                                                              └─ decisions

Every stage also sends dead letters; the decision stage learns from the label shards' corrected labels.
"""

from __future__ import annotations

from functools import partial
from typing import Any, TextIO

import bytewax.operators as op
from bytewax.connectors.kafka import KafkaError, KafkaSink, KafkaSinkMessage, KafkaSourceMessage
from bytewax.dataflow import Dataflow, Stream
from bytewax.inputs import Source

from flows.kafka_source import WatchedKafkaSource
from flows.metrics import FlowMetrics
from flows.outputs import OUTPUT_BY_KIND, Output
from flows.parquet_io import ParquetEventSource, ParquetSink
from flows.progress import Progress
from flows.settings import FlowSettings
from flows.stage_logic import builder, decode_builder
from flows.stages.decode import PartitionClock, RawRecord, decode_batch
from flows.stages.factory import StageFactory
from flows.stages.protocol import decode_key, is_decision_key, is_output
from giftlive.errors import UserError
from giftlive.events import END_OF_PARTITION, control_marker
from giftlive.stream_time import IDLE_WATERMARK
from replay.broker_watch import BrokerWatch
from replay.kafka_topics import admin


def build_flow(
    settings: FlowSettings,
    source: Source | None = None,
    senders: int | None = None,
    sinks: dict[str, Any] | None = None,
    progress: TextIO | None = None,
    metrics: FlowMetrics | None = None,
) -> Dataflow:
    """The dataflow for ``settings``; tests pass their own ``source`` (raw records), ``senders`` and ``sinks``
    (one per output kind of flows/outputs.py, each taking records) to run it in memory."""
    flow = Dataflow("giftlive")
    watch = _watch(settings) if settings.bootstrap is not None else None  # the source's and sinks' broker
    from_kafka = source is None and settings.events_path is None
    total = None
    if source is None:
        if settings.events_path is not None:
            source, senders = ParquetEventSource(settings.events_path, settings.batch_size), 1
            total = source.rows
        else:
            assert settings.bootstrap is not None
            source = WatchedKafkaSource(
                [settings.bootstrap],
                [settings.events_topic],
                watch=watch,
                idle_after_s=settings.idle_after_s if settings.follow else None,
                tail=settings.follow,
                add_config={**_NO_AUTO_CREATE, **settings.kafka_config},
                batch_size=settings.batch_size,
                raise_on_errors=False,
            )
            senders = partition_count(settings.bootstrap, settings.events_topic, settings.kafka_config)
    if senders is None:
        raise ValueError("a custom source needs its number of senders (partitions)")
    raw = op.input("events", flow, source)
    if from_kafka:
        raw = op.map("from_kafka", raw, raw_from_kafka)
    reporter = Progress(progress, total) if progress is not None else None
    decode = partial(_decode, settings, reporter, metrics)
    by_partition = op.key_on("partition", raw, _partition_key)
    decoded = op.map(
        "decode_out",
        op.stateful_batch("decode", by_partition, decode_builder(decode, settings.snapshots)),
        _value,
    )
    to_streamers = _records(flow, "decoded", decoded, sinks_out := {})
    decide = settings.decisions
    stages = StageFactory(settings, senders)
    from_streamers = op.stateful_batch(
        "streamer_stage", to_streamers, builder(stages.streamer, settings.snapshots, metrics)
    )
    streamed = _records(flow, "streamed", op.map("streamer_out", from_streamers, _value), sinks_out)
    to_users, rooms = _split_decider("streamed", streamed, decide)
    from_users = op.stateful_batch("user_stage", to_users, builder(stages.user, settings.snapshots, metrics))
    labelled = _records(flow, "labelled", op.map("user_out", from_users, _value), sinks_out)
    to_corrector, requests = _split_decider("labelled", labelled, decide)
    from_corrector = op.stateful_batch(
        "label_stage", to_corrector, builder(stages.label, settings.snapshots, metrics)
    )
    labels = _records(flow, "corrected", op.map("corrector_out", from_corrector, _value), sinks_out)
    if decide:
        from_decider = op.stateful_batch(
            "decision_stage",
            op.merge("to_decider", rooms, requests, labels),
            builder(stages.decision, settings.snapshots, metrics),
        )
        _records(flow, "decided", op.map("decider_out", from_decider, _value), sinks_out)
    for output in settings.outputs:
        stream = op.merge(f"all_{output.name}", *sinks_out[output.kind])
        if metrics is not None:
            stream = op.inspect(f"{output.name}_metrics", stream, partial(_wrote, metrics))
        _sink(output, stream, settings, sinks, watch)
    return flow


def _partition_key(record: RawRecord) -> str:
    return decode_key(record.partition)


def _decode(
    settings: FlowSettings,
    progress: Progress | None,
    metrics: FlowMetrics | None,
    batch: list[RawRecord],
    clocks: dict[int, PartitionClock],
) -> list[tuple[str, Any]]:
    items = decode_batch(batch, settings.shards, settings.lateness_ms, settings.decisions, clocks)
    if progress is not None or metrics is not None:
        packets = [p for key, p in items if not is_output(key)]
        marks = [p.watermark for p in packets if p.watermark < IDLE_WATERMARK]  # real event times only
        if progress is not None:
            progress.add(len(batch), max(marks) + settings.lateness_ms if marks else None)
        if metrics is not None:
            events = [event for p in packets for event in p.events]
            read = sum(record.control != END_OF_PARTITION for record in batch)
            metrics.read(read, events, max(marks) if marks else None)
    return items


def _wrote(metrics: FlowMetrics, _step: str, item: tuple[str, list[dict[str, Any]]]) -> None:
    metrics.wrote(item[0], item[1])


def _value(keyed: tuple[str, Any]) -> Any:
    return keyed[1]


def _records(flow: Dataflow, name: str, items: Stream, collected: dict[str, list[Stream]]) -> Stream:
    """Split off the output records (dead letters, labels, training rows, decisions); return the packets."""
    records = op.branch(f"{name}_records", items, lambda kv: is_output(kv[0]))
    for output in OUTPUT_BY_KIND.values():
        chosen = op.filter(f"{name}_{output.name}", records.trues, partial(_is_kind, output.kind))
        collected.setdefault(output.kind, []).append(chosen)
    return records.falses


def _is_kind(kind: str, item: tuple[str, Any]) -> bool:
    return item[0] == kind


def _split_decider(name: str, packets: Stream, decisions: bool) -> tuple[Stream, Stream | None]:
    """(packets for the next keyed stage, packets for the decision stage; None without decisions)."""
    if not decisions:
        return packets, None
    split = op.branch(f"{name}_to_decider", packets, lambda kv: is_decision_key(kv[0]))
    return split.falses, split.trues


def _sink(
    output: Output,
    stream: Stream,
    settings: FlowSettings,
    sinks: dict[str, Any] | None,
    watch: BrokerWatch | None,
) -> None:
    """Items here are ``(kind, [records])``: lists travel through the dataflow, records only at the edges."""
    name = output.name
    if sinks is not None:
        op.output(f"{name}_out", op.flat_map(f"{name}_records", stream, _value), sinks[output.kind])
        return
    if settings.out_dir is not None:
        op.output(f"{name}_file", stream, ParquetSink(settings.out_dir / output.file, output.schema))
    if watch is not None and settings.events_path is None:
        messages = op.flat_map(f"{name}_messages", stream, partial(_messages, output))
        config = {**_NO_AUTO_CREATE, **settings.kafka_config, **watch.producer_settings()}
        sink = KafkaSink([settings.bootstrap], settings.topic(output), add_config=config)
        op.output(f"{name}_kafka", messages, sink)


def _messages(output: Output, item: tuple[str, list[dict[str, Any]]]) -> list[Any]:
    return [to_message(output, record) for record in item[1]]


# --- the Kafka edges (broker mode) ---------------------------------------------------------------------

# Topics are created explicitly (giftlive replay, the runner); a client must never create one by naming it.
_NO_AUTO_CREATE = {"allow.auto.create.topics": "false"}


def raw_from_kafka(item: KafkaSourceMessage | KafkaError) -> RawRecord:
    """A consumed message (or a consumer error about one) as a raw record for decoding."""
    if isinstance(item, KafkaError):
        msg = item.msg
        offset = -1 if msg.offset is None else msg.offset
        return RawRecord(msg.partition or 0, offset, msg.key, msg.value, f"error:{item.err}")
    return RawRecord(item.partition, item.offset, item.key, item.value, control_marker(item.headers))


def _watch(settings: FlowSettings) -> BrokerWatch:
    assert settings.bootstrap is not None
    return BrokerWatch(settings.bootstrap, settings.kafka_config, settings.broker_timeout_s)


def partition_count(bootstrap: str, topic: str, client: dict[str, str] | None = None) -> int:
    """How many partitions feed the flow: each is a sender whose watermark the stages wait for."""
    try:  # all topics: naming one lets a broker auto-create it
        meta = admin(bootstrap, client).list_topics(timeout=10)
    except Exception as exc:  # noqa: BLE001 - any client failure means the same to the user
        raise UserError(f"cannot read metadata of topic {topic!r} at {bootstrap}: {exc}") from None
    info = meta.topics.get(topic)
    if info is None or info.error is not None or not info.partitions:
        raise UserError(f"topic {topic!r} does not exist at {bootstrap}; replay events into it first")
    return len(info.partitions)


def to_message(output: Output, record: dict[str, Any]) -> KafkaSinkMessage:
    """An output record as the Kafka message of its topic (flows/outputs.py says key, value and headers)."""
    return KafkaSinkMessage(
        key=output.key(record), value=output.value(record), headers=output.headers(record)
    )

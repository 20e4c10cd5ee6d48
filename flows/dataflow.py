"""The GiftLive dataflow. Only the source and the sinks differ between broker and embedded mode:

events ─ decode ─┬─ dead letters
                 └─ streamer stage (by streamer shard) ─ user stage (by user shard) ─┬─ training rows
                          │ room events                     │ requests               └─ label stage ─ labels
                          └──────────────────────────────── decision stage ─────────────────┘ labels
                                                              └─ decisions

Every stage also sends dead letters; the decision stage learns from the label stage's corrected labels.
"""

from __future__ import annotations

from functools import partial
from typing import Any, TextIO

import bytewax.operators as op
from bytewax.connectors.kafka import KafkaSink, KafkaSource
from bytewax.dataflow import Dataflow, Stream
from bytewax.inputs import Source

from flows.kafka_io import (
    deadletter_message,
    decision_message,
    label_message,
    partition_count,
    prediction_message,
    raw_from_kafka,
    training_message,
)
from flows.parquet_io import OUTPUT_FILES, ParquetEventSource, ParquetSink
from flows.progress import Progress
from flows.settings import FlowSettings
from flows.stage_factory import StageFactory
from flows.stage_logic import builder
from giftlive.stages import DEAD_LETTER, DECISION, DECISION_STAGE_KEY, LABEL, PREDICTION, TRAINING
from giftlive.stages.decode import decode_batch
from giftlive.stream_time import END_OF_TIME


def build_flow(
    settings: FlowSettings,
    source: Source | None = None,
    senders: int | None = None,
    sinks: dict[str, Any] | None = None,
    progress: TextIO | None = None,
) -> Dataflow:
    """The dataflow for ``settings``; tests pass their own ``source`` (raw records), ``senders`` and ``sinks``
    (one per LABEL / TRAINING / DEAD_LETTER / DECISION, each taking records) to run it in memory."""
    flow = Dataflow("giftlive")
    from_kafka = source is None and settings.events_path is None
    total = None
    if source is None:
        if settings.events_path is not None:
            source, senders = ParquetEventSource(settings.events_path, settings.batch_size), 1
            total = source.rows
        else:
            assert settings.bootstrap is not None
            source = KafkaSource(
                [settings.bootstrap],
                [settings.events_topic],
                tail=settings.follow,
                batch_size=settings.batch_size,
                raise_on_errors=False,
            )
            senders = partition_count(settings.bootstrap, settings.events_topic)
    if senders is None:
        raise ValueError("a custom source needs its number of senders (partitions)")
    raw = op.input("events", flow, source)
    convert = raw_from_kafka if from_kafka else None
    reporter = Progress(progress, total) if progress is not None else None
    decoded = op.flat_map_batch(
        "decode",
        raw,
        partial(_decode, convert, settings.shards, settings.lateness_ms, settings.decisions, reporter),
    )
    to_streamers = _records(flow, "decoded", decoded, sinks_out := {})
    decide, online = settings.decisions, settings.online_model
    stages = StageFactory(settings, senders)
    from_streamers = op.stateful_batch(
        "streamer_stage", to_streamers, builder(stages.streamer, settings.snapshots)
    )
    streamed = _records(flow, "streamed", op.map("streamer_out", from_streamers, _value), sinks_out)
    to_users, rooms = _split_decider("streamed", streamed, decide)
    from_users = op.stateful_batch("user_stage", to_users, builder(stages.user, settings.snapshots))
    labelled = _records(flow, "labelled", op.map("user_out", from_users, _value), sinks_out)
    to_corrector, requests = _split_decider("labelled", labelled, decide)
    from_corrector = op.stateful_batch("label_stage", to_corrector, builder(stages.label, settings.snapshots))
    labels = _records(flow, "corrected", op.map("corrector_out", from_corrector, _value), sinks_out)
    if decide:
        from_decider = op.stateful_batch(
            "decision_stage",
            op.merge("to_decider", rooms, requests, labels),
            builder(stages.decision, settings.snapshots),
        )
        _records(flow, "decided", op.map("decider_out", from_decider, _value), sinks_out)
    if not decide:
        del sinks_out[DECISION]
    if not online:
        del sinks_out[PREDICTION]
    outputs = {kind: op.merge(f"all_{kind[1:]}", *streams) for kind, streams in sinks_out.items()}
    for kind, stream in outputs.items():
        _sink(kind, stream, settings, sinks)
    return flow


def _decode(
    convert: Any, shards: int, lateness_ms: int, decisions: bool, progress: Progress | None, batch: list
) -> list[tuple[str, Any]]:
    if convert is not None:
        batch = [convert(item) for item in batch]
    items = decode_batch(batch, shards, lateness_ms, decisions)
    if progress is not None:
        marks = [p.watermark for key, p in items if key[0] != "!" and p.watermark < END_OF_TIME]
        progress.add(len(batch), max(marks) + lateness_ms if marks else None)
    return items


def _value(keyed: tuple[str, Any]) -> Any:
    return keyed[1]


def _records(flow: Dataflow, name: str, items: Stream, collected: dict[str, list[Stream]]) -> Stream:
    """Split off the output records (dead letters, labels, training rows, decisions); return the packets."""
    records = op.branch(f"{name}_records", items, lambda kv: kv[0].startswith("!"))
    for kind in (DEAD_LETTER, LABEL, TRAINING, DECISION, PREDICTION):
        chosen = op.filter(f"{name}_{kind[1:]}", records.trues, partial(_is_kind, kind))
        collected.setdefault(kind, []).append(chosen)
    return records.falses


def _is_kind(kind: str, item: tuple[str, Any]) -> bool:
    return item[0] == kind


def _split_decider(name: str, packets: Stream, decisions: bool) -> tuple[Stream, Stream | None]:
    """(packets for the next keyed stage, packets for the decision stage; None without decisions)."""
    if not decisions:
        return packets, None
    split = op.branch(f"{name}_to_decider", packets, partial(_is_kind, DECISION_STAGE_KEY))
    return split.falses, split.trues


_FILES = {
    DEAD_LETTER: "deadletter.parquet",
    LABEL: "labels.parquet",
    TRAINING: "training.parquet",
    DECISION: "decisions.parquet",
    PREDICTION: "predictions.parquet",
}
_MESSAGES = {
    DEAD_LETTER: deadletter_message,
    LABEL: label_message,
    TRAINING: training_message,
    DECISION: decision_message,
    PREDICTION: prediction_message,
}


def _sink(kind: str, stream: Stream, settings: FlowSettings, sinks: dict[str, Any] | None) -> None:
    """Items here are ``(kind, [records])``: lists travel through the dataflow, records only at the edges."""
    name = kind[1:]
    if sinks is not None:
        op.output(f"{name}_out", op.flat_map(f"{name}_records", stream, _value), sinks[kind])
        return
    if settings.out_dir is not None:
        file_name = _FILES[kind]
        op.output(f"{name}_file", stream, ParquetSink(settings.out_dir / file_name, OUTPUT_FILES[file_name]))
    if settings.bootstrap is not None and settings.events_path is None:
        topic = {
            DEAD_LETTER: settings.deadletter_topic,
            LABEL: settings.labels_topic,
            TRAINING: settings.training_topic,
            DECISION: settings.decisions_topic,
            PREDICTION: settings.predictions_topic,
        }[kind]
        messages = op.flat_map(f"{name}_messages", stream, partial(_messages, _MESSAGES[kind]))
        op.output(f"{name}_kafka", messages, KafkaSink([settings.bootstrap], topic))


def _messages(to_message: Any, item: tuple[str, list[dict[str, Any]]]) -> list[Any]:
    return [to_message(record) for record in item[1]]

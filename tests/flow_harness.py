"""Run the real GiftLive dataflow in memory (bytewax.testing) over hand-built events; collect its outputs."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
from bytewax.outputs import DynamicSink, StatelessSinkPartition
from bytewax.testing import TestingSource, run_main

from flows.dataflow import build_flow
from flows.outputs import OUTPUTS, output_files
from flows.settings import FlowSettings
from flows.stages.decode import RawRecord
from flows.stages.protocol import DEAD_LETTER, DECISION, LABEL, PREDICTION, TRAINING
from giftlive.events import END_OF_PARTITION, encode, kafka_key


class _Collect(StatelessSinkPartition[Any]):
    def __init__(self, into: list[Any]) -> None:
        self._into = into

    def write_batch(self, items: list[Any]) -> None:
        self._into.extend(items)


class CollectSink(DynamicSink[Any]):
    def __init__(self) -> None:
        self.items: list[Any] = []

    def build(self, step_id: str, worker_index: int, worker_count: int) -> _Collect:
        return _Collect(self.items)


@dataclass
class FlowOutput:
    training: list[dict[str, Any]] = field(default_factory=list)
    labels: list[dict[str, Any]] = field(default_factory=list)
    dead: list[dict[str, Any]] = field(default_factory=list)
    decisions: list[dict[str, Any]] = field(default_factory=list)
    predictions: list[dict[str, Any]] = field(default_factory=list)

    def training_by_click(self) -> dict[str, dict[str, Any]]:
        return {row["click_id"]: row for row in self.training}

    def label(self, label_id: str) -> dict[str, Any]:
        (found,) = [label for label in self.labels if label["label_id"] == label_id]
        return found


def raw_records(events: list[dict[str, Any] | bytes], partitions: int = 1) -> list[RawRecord]:
    """Events (dicts, encoded with the schema) or raw bytes, spread over partitions by their Kafka key,
    in list order within each partition, each partition closed by an end-of-partition marker."""
    records: list[RawRecord] = []
    for i, event in enumerate(events):
        if isinstance(event, bytes):
            records.append(RawRecord(i % partitions, i, None, event))
            continue
        key = kafka_key(event)
        records.append(RawRecord(sum(key) % partitions, i, key, encode(event)))
    records.extend(RawRecord(p, len(events), None, None, END_OF_PARTITION) for p in range(partitions))
    return records


def run_flow(
    events: list[dict[str, Any] | bytes], partitions: int = 1, batch_size: int = 3, **settings: Any
) -> FlowOutput:
    """The dataflow over ``events`` with small source batches (so watermarks move many times)."""
    sinks = {kind: CollectSink() for kind in (DEAD_LETTER, LABEL, TRAINING, DECISION, PREDICTION)}
    config = FlowSettings(events_path=Path("in-memory"), out_dir=Path("unused"), **settings)
    source = TestingSource(raw_records(events, partitions), batch_size=batch_size)
    run_main(build_flow(config, source=source, senders=partitions, sinks=sinks))
    return FlowOutput(
        sinks[TRAINING].items,
        sinks[LABEL].items,
        sinks[DEAD_LETTER].items,
        sinks[DECISION].items,
        sinks[PREDICTION].items,
    )


def output_topic_flags(prefix: str) -> list[str]:
    """`giftlive run` flags sending every output to its own topic ``<prefix>.<output name>``."""
    return [f"--{output.name}-topic={prefix}.{output.name}" for output in OUTPUTS]


def output_rows(out_dir: Path) -> dict[str, list[str]]:
    """Every output file's rows, each as a sorted repr, sorted: equal for equal outputs in any order."""
    return {
        name: sorted(repr(sorted(row.items())) for row in pq.read_table(path).to_pylist())
        for name, path in output_files(out_dir).items()
    }

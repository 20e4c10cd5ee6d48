"""The one table of the flow's outputs: for each, its kind in the flow, default topic, Parquet file, Arrow
schema and Kafka key. Topics, files, settings, CLI flags, sinks and the demo's topic/file check are derived
from it; adding an output is one row here (and a stage that emits its kind)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson
import pyarrow as pa

from allocator.records import DECISION_SCHEMA
from estimation.records import PREDICTION_SCHEMA
from features.columns import TRAINING_SCHEMA
from flows.stages.protocol import DEAD_LETTER, DECISION, LABEL, PREDICTION, TRAINING
from labels.records import LABEL_SCHEMA

DEADLETTER_SCHEMA = pa.schema(
    [
        pa.field("reason", pa.string(), nullable=False),
        pa.field("source", pa.string(), nullable=False),
        pa.field("key", pa.binary()),
        pa.field("raw", pa.binary()),  # the first DEAD_LETTER_RAW_BYTES of the value
        pa.field("raw_size", pa.int64()),  # the value's size as it came
    ]
)


@dataclass(frozen=True)
class Output:
    name: str  # also the CLI flag --<name>-topic and the variable GIFTLIVE_<NAME>_TOPIC
    kind: str  # the key of its items in the flow (flows.stages.protocol)
    topic: str  # default topic
    file: str  # Parquet file in the output folder
    schema: pa.Schema
    key: Callable[[dict[str, Any]], bytes | None]  # Kafka key of a record
    id_field: str | None  # the record's deterministic id: consumers drop duplicates by it
    needs: str | None = None  # the FlowSettings switch that must be on for it: "decisions" or "online_model"
    description: str = ""

    def value(self, record: dict[str, Any]) -> bytes | None:
        """The Kafka value: the record as JSON; a dead letter carries its raw bytes as they came (cut short
        beyond flows.stages.protocol.DEAD_LETTER_RAW_BYTES)."""
        return record["raw"] if self.kind == DEAD_LETTER else orjson.dumps(record)

    def headers(self, record: dict[str, Any]) -> list[tuple[str, bytes]]:
        """A dead letter's reason, origin and original size ride in headers; other records have none."""
        if self.kind != DEAD_LETTER:
            return []
        headers = [("reason", record["reason"].encode()), ("source", record["source"].encode())]
        if record["raw_size"] is not None:
            headers.append(("raw-size", str(record["raw_size"]).encode()))
        return headers


def _field(name: str) -> Callable[[dict[str, Any]], bytes]:
    return lambda record: str(record[name]).encode()


OUTPUTS: tuple[Output, ...] = (
    Output(
        "decisions",
        DECISION,
        "giftlive.decisions",
        "decisions.parquet",
        DECISION_SCHEMA,
        _field("user_id"),  # by user: one user's decisions stay in order within a partition
        "decision_id",
        needs="decisions",
        description="one per impression or click (an allocation request): the room chosen for the user "
        "among the live rooms, its exact propensity, the caps hit, the streamer's load",
    ),
    Output(
        "predictions",
        PREDICTION,
        "giftlive.predictions",
        "predictions.parquet",
        PREDICTION_SCHEMA,
        _field("click_id"),
        "click_id",
        needs="online_model",
        description="the online gift model's P(gift), amount and value for each click, made before any of "
        "that click's labels was learned",
    ),
    Output(
        "training",
        TRAINING,
        "giftlive.training",
        "training.parquet",
        TRAINING_SCHEMA,
        _field("click_id"),
        "click_id",
        description="one row per valid click: ids, features from strictly before the click, final label",
    ),
    Output(
        "labels",
        LABEL,
        "giftlive.labels",
        "labels.parquet",
        LABEL_SCHEMA,
        _field("label_id"),
        "label_id",
        description="provisional labels (<click>@60s, <click>@leave) with survival-corrected gift "
        "probability, final labels (<click>@final) and orphan gifts (<gift>@orphan)",
    ),
    Output(
        "deadletter",
        DEAD_LETTER,
        "giftlive.deadletter",
        "deadletter.parquet",
        DEADLETTER_SCHEMA,
        lambda record: record["key"],
        None,  # a dead letter has no id of its own
        description="every record that failed the schema (or came too late), with reason and raw bytes "
        "(the first 64 KiB, and the original size)",
    ),
)
OUTPUT_BY_KIND = {output.kind: output for output in OUTPUTS}
OUTPUT_BY_NAME = {output.name: output for output in OUTPUTS}


def outputs_of(decisions: bool, online_model: bool) -> tuple[Output, ...]:
    """The outputs a flow with these switches writes."""
    on = {"decisions": decisions, "online_model": online_model, None: True}
    return tuple(output for output in OUTPUTS if on[output.needs])


def output_files(out_dir: Path) -> dict[str, Path]:
    """Output name -> its Parquet file in ``out_dir``."""
    return {output.name: out_dir / output.file for output in OUTPUTS}

"""What a broker-mode run left on its output topics, read back: record counts beside the Parquet copies, and
the decision summary computed from the decisions topic itself (what its consumers see)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import orjson
import pyarrow as pa
import pyarrow.parquet as pq

from allocator.records import DECISION_SCHEMA
from evaluation.decision_summary import DecisionSummary
from giftlive.config import (
    DEADLETTER_TOPIC,
    DECISIONS_TOPIC,
    LABELS_TOPIC,
    PREDICTIONS_TOPIC,
    TRAINING_TOPIC,
)
from replay.topic_reader import read_topic

CHUNK = 65_536  # decisions decoded and tallied at a time

FILE_OF_TOPIC = {  # default topic -> its Parquet copy
    DECISIONS_TOPIC: "decisions.parquet",
    LABELS_TOPIC: "labels.parquet",
    TRAINING_TOPIC: "training.parquet",
    DEADLETTER_TOPIC: "deadletter.parquet",
    PREDICTIONS_TOPIC: "predictions.parquet",
}


@dataclass(frozen=True)
class TopicOutputs:
    records: dict[str, int]  # topic -> records read back
    rows: dict[str, int]  # topic -> rows of its Parquet copy
    decisions: DecisionSummary  # computed from the decisions topic's records

    @property
    def agree(self) -> bool:
        return self.records == self.rows

    def summary(self) -> str:
        pairs = []
        for topic, n in self.records.items():
            same = "=" if n == self.rows[topic] else "!="
            pairs.append(f"{topic} {n:,} {same} {FILE_OF_TOPIC[topic]} {self.rows[topic]:,}")
        verdict = "agree" if self.agree else "DISAGREE"
        lines = [f"  topics vs files    {verdict}: " + "; ".join(pairs)]
        lines += [
            f"{line}   (from the topic)" if i == 0 else line for i, line in enumerate(self.decisions.lines())
        ]
        return "\n".join(lines)


def read_outputs(bootstrap: str, files: Path, topics: list[str]) -> TopicOutputs:
    """Read every topic in ``topics`` (default names, see FILE_OF_TOPIC) to its end; decode the decisions."""
    records: dict[str, int] = {}
    rows: dict[str, int] = {}
    summary = DecisionSummary()
    pending: list[dict] = []

    def tally(value: bytes | None = None) -> None:
        if value is not None:
            pending.append(orjson.loads(value))
        if pending and (value is None or len(pending) >= CHUNK):
            summary.add(pa.Table.from_pylist(pending, DECISION_SCHEMA))
            pending.clear()

    for topic in topics:
        rows[topic] = pq.read_metadata(files / FILE_OF_TOPIC[topic]).num_rows
        on_value = tally if topic == DECISIONS_TOPIC else None
        records[topic] = read_topic(bootstrap, topic, rows[topic], on_value=on_value)
    tally()
    return TopicOutputs(records, rows, summary)

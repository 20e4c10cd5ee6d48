"""What a broker-mode run left on its output topics, read back: record counts beside the Parquet copies, and
the decision summary computed from the decisions topic itself (what its consumers see)."""

from __future__ import annotations

from dataclasses import dataclass

import orjson
import pyarrow as pa
import pyarrow.parquet as pq

from evaluation.decision_summary import DecisionSummary
from flows.outputs import OUTPUT_BY_NAME
from flows.settings import FlowSettings
from flows.stages.protocol import DECISION
from replay.topic_reader import read_topic

CHUNK = 65_536  # decisions decoded and tallied at a time


@dataclass(frozen=True)
class TopicOutputs:
    records: dict[str, int]  # output name -> records read back from its topic
    rows: dict[str, int]  # output name -> rows of its Parquet copy
    topics: dict[str, str]  # output name -> its topic
    decisions: DecisionSummary  # computed from the decisions topic's records

    @property
    def agree(self) -> bool:
        return self.records == self.rows

    def summary(self) -> str:
        pairs = []
        for name, n in self.records.items():
            same = "=" if n == self.rows[name] else "!="
            pairs.append(f"{self.topics[name]} {n:,} {same} {OUTPUT_BY_NAME[name].file} {self.rows[name]:,}")
        verdict = "agree" if self.agree else "DISAGREE"
        lines = [f"  topics vs files    {verdict}: " + "; ".join(pairs)]
        lines += [
            f"{line}   (from the topic)" if i == 0 else line for i, line in enumerate(self.decisions.lines())
        ]
        return "\n".join(lines)


def read_outputs(settings: FlowSettings) -> TopicOutputs:
    """Read every output topic of a finished broker-mode run with ``--out`` to its end (as many records as
    its Parquet copy has rows: a topic's end cannot be trusted to a watermark); decode the decisions."""
    assert settings.bootstrap is not None and settings.out_dir is not None
    records: dict[str, int] = {}
    rows: dict[str, int] = {}
    topics: dict[str, str] = {}
    summary = DecisionSummary()
    pending: list[dict] = []

    def tally(value: bytes | None = None) -> None:
        if value is not None:
            pending.append(orjson.loads(value))
        if pending and (value is None or len(pending) >= CHUNK):
            summary.add(pa.Table.from_pylist(pending, OUTPUT_BY_NAME["decisions"].schema))
            pending.clear()

    for output in settings.outputs:
        name, topic = output.name, settings.topic(output)
        topics[name] = topic
        rows[name] = pq.read_metadata(settings.out_dir / output.file).num_rows
        on_value = tally if output.kind == DECISION else None
        records[name] = read_topic(
            settings.bootstrap, topic, rows[name], on_value=on_value, client=settings.kafka_config
        )
    tally()
    return TopicOutputs(records, rows, topics, summary)

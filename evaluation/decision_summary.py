"""What the allocator decided, in numbers: requests, rooms served, exploration and cold-start shares, cap hits
and how concentrated the exposure is across streamers. Tallied from decision records in Arrow batches (the
Parquet copy or the topic), so the demo's summary can be checked against the topic's contents and memory
stays flat however many decisions there are."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from evaluation.concentration import gini, top_share


@dataclass
class DecisionSummary:
    decisions: int = 0
    by_request: Counter[str] = field(default_factory=Counter)  # impression / click -> decisions
    served: int = 0  # decisions with a room
    cold_start: int = 0  # served rooms of cold-start streamers
    explored: int = 0  # served by the exploration floor
    capacity_hits: int = 0  # decisions where the capacity cap removed at least one candidate
    frequency_hits: int = 0  # ... the per-user frequency cap
    propensity_sum: float = 0.0
    candidates_sum: float = 0.0
    per_streamer: Counter[int] = field(default_factory=Counter)  # decisions per served streamer

    def add(self, batch: pa.Table | pa.RecordBatch) -> None:
        """Tally a batch of decision records (allocator/records.py DECISION_SCHEMA)."""
        self.decisions += batch.num_rows
        for kind, n in zip(*_value_counts(batch["request_type"]), strict=True):
            self.by_request[kind] += n
        self.propensity_sum += pc.sum(batch["propensity"]).as_py() or 0.0
        self.candidates_sum += pc.sum(batch["candidates"]).as_py() or 0
        self.capacity_hits += _count(pc.greater(batch["capacity_capped"], 0))
        self.frequency_hits += _count(pc.greater(batch["frequency_capped"], 0))
        served = pc.is_valid(batch["live_id"])
        self.served += _count(served)
        self.cold_start += _count(pc.and_(served, batch["cold_start"]))
        self.explored += _count(pc.and_(served, batch["explored"]))
        streamers = pc.filter(batch["streamer_id"], served).to_numpy(zero_copy_only=False)
        ids, counts = np.unique(streamers, return_counts=True)
        self.per_streamer.update(dict(zip(ids.tolist(), counts.tolist(), strict=True)))

    def lines(self) -> list[str]:
        n, served = max(self.decisions, 1), max(self.served, 1)
        exposure = np.array(list(self.per_streamer.values()), dtype=float)
        by = ", ".join(f"{count:,} {kind}s" for kind, count in sorted(self.by_request.items()))
        return [
            f"  decisions          {self.decisions:,} ({by}); {self.served:,} served a room, "
            f"{self.decisions - self.served:,} found every candidate capped",
            f"  exploration        cold-start streamers got {self.cold_start / served:.1%} of rooms served "
            f"({self.explored / served:.1%} by the exploration floor)",
            f"  caps               capacity cap hit in {self.capacity_hits:,} decisions, frequency cap in "
            f"{self.frequency_hits:,}",
            f"  exposure           {len(self.per_streamer):,} streamers served, Gini {gini(exposure):.2f}, "
            f"top 1% of them got {top_share(exposure, 0.01):.1%}; mean propensity "
            f"{self.propensity_sum / n:.3f}, {self.candidates_sum / n:.0f} candidates per request",
        ]


def summarise_decisions(batches: Iterable[pa.Table | pa.RecordBatch]) -> DecisionSummary:
    summary = DecisionSummary()
    for batch in batches:
        summary.add(batch)
    return summary


def _count(mask: pa.Array | pa.ChunkedArray) -> int:
    return int(pc.sum(mask).as_py() or 0)


def _value_counts(column: pa.Array | pa.ChunkedArray) -> tuple[list[str], list[int]]:
    counts = pc.value_counts(column)
    return counts.field("values").to_pylist(), counts.field("counts").to_pylist()

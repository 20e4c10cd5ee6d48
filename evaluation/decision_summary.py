"""What the allocator decided, in numbers: requests, rooms served, exploration and cold-start shares, cap hits
and how concentrated the exposure is across streamers. Computed from decision records (the Parquet copy or
the topic), so the demo's summary can be checked against the topic's contents."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np

from evaluation.concentration import gini, top_share


@dataclass(frozen=True)
class DecisionSummary:
    decisions: int
    by_request: dict[str, int]  # impression / click -> decisions
    served: int  # decisions with a room
    cold_start: int  # served rooms of cold-start streamers
    explored: int  # served by the exploration floor
    capacity_hits: int  # decisions where the capacity cap removed at least one candidate
    frequency_hits: int  # ... the per-user frequency cap
    streamers: int  # distinct streamers served
    exposure_gini: float  # Gini of decisions per served streamer
    top1_share: float  # share of decisions going to the top 1 % of served streamers
    mean_propensity: float
    mean_candidates: float

    def lines(self) -> list[str]:
        served = max(self.served, 1)
        by = ", ".join(f"{n:,} {kind}s" for kind, n in sorted(self.by_request.items()))
        return [
            f"  decisions          {self.decisions:,} ({by}); {self.served:,} served a room, "
            f"{self.decisions - self.served:,} found every candidate capped",
            f"  exploration        cold-start streamers got {self.cold_start / served:.1%} of rooms served "
            f"({self.explored / served:.1%} by the exploration floor)",
            f"  caps               capacity cap hit in {self.capacity_hits:,} decisions, frequency cap in "
            f"{self.frequency_hits:,}",
            f"  exposure           {self.streamers:,} streamers served, Gini {self.exposure_gini:.2f}, "
            f"top 1% of them got {self.top1_share:.1%}; mean propensity {self.mean_propensity:.3f}, "
            f"{self.mean_candidates:.0f} candidates per request",
        ]


def summarise_decisions(records: Iterable[dict[str, Any]]) -> DecisionSummary:
    by_request: Counter[str] = Counter()
    per_streamer: Counter[int] = Counter()
    n = served = cold = explored = capacity = frequency = 0
    propensity = candidates = 0.0
    for d in records:
        n += 1
        by_request[d["request_type"]] += 1
        propensity += d["propensity"]
        candidates += d["candidates"]
        capacity += d["capacity_capped"] > 0
        frequency += d["frequency_capped"] > 0
        if d["live_id"] is None:
            continue
        served += 1
        cold += bool(d["cold_start"])
        explored += bool(d["explored"])
        per_streamer[d["streamer_id"]] += 1
    exposure = np.array(list(per_streamer.values()), dtype=float)
    return DecisionSummary(
        decisions=n,
        by_request=dict(by_request),
        served=served,
        cold_start=cold,
        explored=explored,
        capacity_hits=capacity,
        frequency_hits=frequency,
        streamers=len(per_streamer),
        exposure_gini=gini(exposure),
        top1_share=top_share(exposure, 0.01),
        mean_propensity=propensity / n if n else 0.0,
        mean_candidates=candidates / n if n else 0.0,
    )

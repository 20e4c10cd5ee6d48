"""A short account of what a flow run wrote: training rows, labels by kind, dead letters by reason, the
early-label check (survival-corrected vs naive) and the decisions."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pyarrow.parquet as pq

from evaluation.decision_summary import summarise_decisions
from evaluation.label_correction import correction_check


def summarise_outputs(files: dict[str, Path], point: str | None = "60s", decisions: bool = True) -> str:
    """Lines describing a run's output files (output name -> path): training, labels, dead letters and
    decisions."""
    training = pq.read_table(files["training"], columns=["label_count"])
    labels = pq.read_table(files["labels"])
    dead = pq.read_table(files["deadletter"], columns=["reason"])
    kinds = Counter(labels["kind"].to_pylist())
    gifted = sum(1 for c in training["label_count"].to_pylist() if c)
    reasons = Counter(r.split(":")[0] for r in dead["reason"].to_pylist())
    top = ", ".join(f"{n:,} {reason}" for reason, n in reasons.most_common(3))
    lines = [
        f"  training rows      {training.num_rows:,} clicks, {gifted:,} with a gift in the window",
        f"  labels             {kinds.get('provisional', 0):,} provisional, {kinds.get('final', 0):,} final, "
        f"{kinds.get('orphan', 0):,} orphan gifts",
        f"  dead letters       {dead.num_rows:,}" + (f" ({top})" if top else ""),
    ]
    if point is not None and kinds.get("provisional"):
        lines.append(f"  early labels       {correction_check(labels, point).summary()}")
    decided = files["decisions"]
    if decisions and decided.exists() and pq.read_metadata(decided).num_rows:
        lines += summarise_decisions(pq.ParquetFile(decided).iter_batches(65_536)).lines()
    return "\n".join(lines)

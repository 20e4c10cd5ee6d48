"""Does the survival correction remove the bias of early labels? Compare, at one observation point,

    corrected = Σ gift_prob of the provisional labels / number of clicks whose final label has a gift
    naive     = (clicks with a gift already seen) / the same denominator   ("not yet" counted as 0)

An unbiased correction gives 1.0; the naive ratio falls short by the share of gifts that come late.
"""

from __future__ import annotations

from dataclasses import dataclass

import pyarrow as pa
import pyarrow.compute as pc


@dataclass(frozen=True)
class CorrectionCheck:
    point: str
    labels: int
    final_gifted: int
    expected_gifts: float
    seen_gifts: int

    @property
    def corrected_ratio(self) -> float:
        return self.expected_gifts / self.final_gifted if self.final_gifted else float("nan")

    @property
    def naive_ratio(self) -> float:
        return self.seen_gifts / self.final_gifted if self.final_gifted else float("nan")

    def summary(self) -> str:
        return (
            f"gift probability at {self.point} vs final gifts: survival-corrected "
            f"{self.corrected_ratio:.3f}, naive (not yet = 0) {self.naive_ratio:.3f} "
            f"({self.final_gifted:,} gifted clicks of {self.labels:,})"
        )


def correction_check(labels: pa.Table, point: str = "60s") -> CorrectionCheck:
    """The check over a labels table (labels.parquet) for the provisional point ``<click_id>@<point>``."""
    at_point = labels.filter(pc.ends_with(labels["label_id"], f"@{point}"))
    final = labels.filter(pc.equal(labels["kind"], "final"))
    clicks = set(at_point["click_id"].to_pylist())
    final = final.filter(pc.is_in(final["click_id"], pa.array(sorted(clicks), pa.string())))
    return CorrectionCheck(
        point=point,
        labels=at_point.num_rows,
        final_gifted=int(pc.sum(pc.greater(final["count"], 0)).as_py() or 0),
        expected_gifts=float(pc.sum(at_point["gift_prob"]).as_py() or 0.0),
        seen_gifts=int(pc.sum(pc.greater(at_point["count"], 0)).as_py() or 0),
    )

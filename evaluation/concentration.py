"""How concentrated revenue is: Gini coefficient and top-share of a set of non-negative totals."""

from __future__ import annotations

import numpy as np


def gini(values: np.ndarray) -> float:
    """Gini coefficient of non-negative totals (0 = equal, -> 1 = one holder has everything)."""
    x = np.sort(np.asarray(values, dtype=np.float64))
    n = x.size
    total = x.sum()
    if n == 0 or total <= 0:
        return 0.0
    ranks = np.arange(1, n + 1, dtype=np.float64)
    return float((2.0 * np.dot(ranks, x) / (n * total)) - (n + 1.0) / n)


def top_share(values: np.ndarray, fraction: float) -> float:
    """Share of the total held by the top ``fraction`` of holders (at least one holder)."""
    x = np.sort(np.asarray(values, dtype=np.float64))[::-1]
    total = x.sum()
    if x.size == 0 or total <= 0:
        return 0.0
    k = max(1, int(round(fraction * x.size)))
    return float(x[:k].sum() / total)

"""How concentrated revenue is: Gini coefficient and top-share of a set of non-negative totals, and the Gini
that the amounts alone would give."""

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


def spread_gini(holders: np.ndarray, amounts: np.ndarray, seed: int = 0, draws: int = 20) -> float:
    """The Gini of the holders' totals had each amount gone to a uniformly random one of the distinct
    ``holders`` instead of its own (mean over ``draws`` seeded assignments): the part of a revenue Gini that
    the amounts' own spread sets, whoever receives them; what lies above it is how unevenly the gifts went
    (how many to each holder, and which large ones)."""
    holders, amounts = np.asarray(holders), np.asarray(amounts, dtype=np.float64)
    count = np.unique(holders).size
    if count == 0:
        return 0.0
    rng = np.random.default_rng(seed)
    totals = (np.bincount(rng.integers(0, count, amounts.size), amounts, count) for _ in range(draws))
    return float(np.mean([gini(t[t > 0]) for t in totals]))

"""One metric suite for every model and report: ranking, classification, calibration and revenue capture.

Plain numpy, no scikit-learn. Every function takes arrays of the same length, one entry per click:
``y`` (gifted 0/1), ``p`` (predicted P(gift)), ``amount`` (realized attributed amount), ``score`` (any
predicted value to rank by). Ties in a ranking are broken by position (a stable sort), so results are
deterministic.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import numpy as np


def _rank_desc(score: np.ndarray) -> np.ndarray:
    """Indices from the highest score down; equal scores keep their input order."""
    return np.argsort(-np.asarray(score, dtype=float), kind="stable")


def _average_ranks(x: np.ndarray) -> np.ndarray:
    """1-based ranks, ties sharing their average rank."""
    x = np.asarray(x, dtype=float)
    order = np.argsort(x, kind="stable")
    ranks = np.empty(len(x))
    sorted_x = x[order]
    starts = np.flatnonzero(np.r_[True, sorted_x[1:] != sorted_x[:-1]])
    ends = np.r_[starts[1:], len(x)]
    for start, end in zip(starts, ends, strict=True):
        ranks[order[start:end]] = (start + end + 1) / 2
    return ranks


def pr_auc(y: np.ndarray, score: np.ndarray) -> float:
    """Average precision: sum over score thresholds of (recall step) x precision (tied scores as one step)."""
    y = np.asarray(y, dtype=float)
    positives = y.sum()
    if positives == 0:
        return float("nan")
    order = np.argsort(-np.asarray(score, dtype=float), kind="stable")
    s, t = np.asarray(score, dtype=float)[order], y[order]
    last_of_tie = np.r_[s[1:] != s[:-1], True]
    hits = np.cumsum(t)[last_of_tie]
    seen = (np.arange(1, len(t) + 1))[last_of_tie]
    recall_steps = np.diff(np.r_[0.0, hits]) / positives
    return float(np.sum(recall_steps * hits / seen))


def roc_auc(y: np.ndarray, score: np.ndarray) -> float:
    """P(a random gifted click scores above a random other one), ties counting one half."""
    y = np.asarray(y, dtype=bool)
    n_pos, n_neg = int(y.sum()), int((~y).sum())
    if n_pos == 0 or n_neg == 0:
        return float("nan")
    ranks = _average_ranks(score)
    return float((ranks[y].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))


def log_loss(y: np.ndarray, p: np.ndarray, eps: float = 1e-15) -> float:
    y = np.asarray(y, dtype=float)
    p = np.clip(np.asarray(p, dtype=float), eps, 1 - eps)
    return float(-np.mean(y * np.log(p) + (1 - y) * np.log(1 - p)))


def calibration_bins(y: np.ndarray, p: np.ndarray, bins: int = 10) -> list[tuple[float, float, int]]:
    """(mean predicted, observed rate, clicks) per quantile bin of the prediction (equal-count bins)."""
    y, p = np.asarray(y, dtype=float), np.asarray(p, dtype=float)
    order = np.argsort(p, kind="stable")
    return [
        (float(p[part].mean()), float(y[part].mean()), len(part))
        for part in np.array_split(order, bins)
        if len(part)
    ]


def ece(y: np.ndarray, p: np.ndarray, bins: int = 10) -> float:
    """Expected calibration error over quantile bins: sum of |observed - predicted| weighted by bin size."""
    table = calibration_bins(y, p, bins)
    total = sum(n for _, _, n in table)
    return float(sum(n * abs(rate - mean_p) for mean_p, rate, n in table) / total) if total else float("nan")


def _top(n: int, k: float) -> int:
    return max(1, math.ceil(k * n))


def revcap(amount: np.ndarray, score: np.ndarray, k: float = 0.01) -> float:
    """Share of the total amount in the top ``k`` (fraction) of clicks ranked by ``score``."""
    amount = np.asarray(amount, dtype=float)
    total = amount.sum()
    if total <= 0:
        return float("nan")
    return float(amount[_rank_desc(score)[: _top(len(amount), k)]].sum() / total)


def revcap_oracle(amount: np.ndarray, k: float = 0.01) -> float:
    """RevCap@k of ranking by the realized amount itself: the best any model can do."""
    return revcap(amount, amount, k)


def nrevcap(amount: np.ndarray, score: np.ndarray, k: float = 0.01) -> float:
    return revcap(amount, score, k) / revcap_oracle(amount, k)


def topk_capture(amount: np.ndarray, score: np.ndarray, k: float = 0.01) -> float:
    """Share of the top-k clicks by realized amount that are also in the top-k by score (set overlap)."""
    n = _top(len(amount), k)
    best = set(_rank_desc(amount)[:n].tolist())
    return len(best.intersection(_rank_desc(score)[:n].tolist())) / n


def ndcg(amount: np.ndarray, score: np.ndarray, at: int = 100) -> float:
    """NDCG@at with gain = amount and discount 1/log2(position + 1)."""
    amount = np.asarray(amount, dtype=float)
    n = min(at, len(amount))
    discounts = 1 / np.log2(np.arange(2, n + 2))
    ideal = float(np.sort(amount)[::-1][:n] @ discounts)
    if ideal <= 0:
        return float("nan")
    return float(amount[_rank_desc(score)[:n]] @ discounts / ideal)


def spearman(x: np.ndarray, y: np.ndarray) -> float:
    """Pearson correlation of the average ranks."""
    rx, ry = _average_ranks(x), _average_ranks(y)
    rx, ry = rx - rx.mean(), ry - ry.mean()
    denominator = math.sqrt(float(rx @ rx) * float(ry @ ry))
    return float(rx @ ry / denominator) if denominator else float("nan")


def mae_log1p(amount: np.ndarray, predicted: np.ndarray) -> float:
    """Mean |log1p(amount) - log1p(predicted)| over the clicks that gifted."""
    amount, predicted = np.asarray(amount, dtype=float), np.asarray(predicted, dtype=float)
    gifted = amount > 0
    if not gifted.any():
        return float("nan")
    return float(np.mean(np.abs(np.log1p(amount[gifted]) - np.log1p(np.maximum(predicted[gifted], 0)))))


def bootstrap_ci(
    metric: Callable[..., float],
    arrays: Sequence[np.ndarray],
    draws: int = 200,
    seed: int = 0,
    level: float = 0.95,
) -> tuple[float, float]:
    """Percentile interval of ``metric(*arrays)`` over ``draws`` resamples of the clicks, with replacement."""
    rng = np.random.default_rng(seed)
    n = len(arrays[0])
    values = []
    for _ in range(draws):
        pick = rng.integers(0, n, n)
        value = metric(*(np.asarray(a)[pick] for a in arrays))
        if not math.isnan(value):
            values.append(value)
    if not values:
        return float("nan"), float("nan")
    tail = (1 - level) / 2 * 100
    low, high = np.percentile(values, [tail, 100 - tail])
    return float(low), float(high)

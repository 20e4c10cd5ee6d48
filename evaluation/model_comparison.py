"""Every model's test-day predictions scored with one metric suite (evaluation/metrics.py), beside the
synthetic world's truth-EV ranking when the world is known, with bootstrap intervals on the headline figures
and on the direct-vs-two-stage difference (paired: the same resampled clicks for both)."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from evaluation import metrics

K = 0.01  # RevCap@1%


@dataclass
class ModelScores:
    value: np.ndarray  # predicted gift value of each click
    p_gift: np.ndarray | None = None  # predicted P(gift), if the model has one


@dataclass
class Comparison:
    clicks: int
    gifted: int
    rows: dict[str, dict[str, float | None]] = field(default_factory=dict)
    intervals: dict[str, dict[str, tuple[float, float]]] = field(default_factory=dict)
    direct_vs_two_stage: dict[str, float] = field(default_factory=dict)


def compare(
    amount: np.ndarray, models: dict[str, ModelScores], draws: int = 100, seed: int = 0
) -> Comparison:
    gifted = (amount > 0).astype(float)
    result = Comparison(len(amount), int(gifted.sum()))
    oracle = metrics.revcap_oracle(amount, K)
    for name, scores in models.items():
        value = scores.value
        row = {
            "revcap_1": metrics.revcap(amount, value, K),
            "revcap_1_oracle": oracle,
            "nrevcap_1": metrics.nrevcap(amount, value, K),
            "topk_capture_1": metrics.topk_capture(amount, value, K),
            "ndcg_100": metrics.ndcg(amount, value, 100),
            "spearman": metrics.spearman(value, amount),
            "pr_auc": metrics.pr_auc(gifted, value if scores.p_gift is None else scores.p_gift),
            "roc_auc": metrics.roc_auc(gifted, value if scores.p_gift is None else scores.p_gift),
            "mae_log1p": metrics.mae_log1p(amount, value),
        }
        has_p = scores.p_gift is not None  # a value regressor has no P(gift) to calibrate
        row["ece"] = metrics.ece(gifted, scores.p_gift) if has_p else None
        row["log_loss"] = metrics.log_loss(gifted, scores.p_gift) if has_p else None
        result.rows[name] = row
        result.intervals[name] = {
            "revcap_1": metrics.bootstrap_ci(
                lambda a, v: metrics.revcap(a, v, K), [amount, value], draws, seed
            ),
        }
    if {"two_stage", "direct_log", "direct_raw"} <= models.keys():
        best_direct = max(("direct_raw", "direct_log"), key=lambda n: result.rows[n]["revcap_1"])
        direct, two = models[best_direct].value, models["two_stage"].value

        def difference(a: np.ndarray, d: np.ndarray, t: np.ndarray) -> float:
            return metrics.revcap(a, t, K) - metrics.revcap(a, d, K)

        low, high = metrics.bootstrap_ci(difference, [amount, direct, two], draws, seed)
        result.direct_vs_two_stage = {
            "direct": best_direct,  # type: ignore[dict-item]
            "two_stage_minus_direct": result.rows["two_stage"]["revcap_1"]
            - result.rows[best_direct]["revcap_1"],
            "low": low,
            "high": high,
        }
    return result


COLUMNS = (
    ("revcap_1", "RevCap@1%"),
    ("nrevcap_1", "nRevCap"),
    ("topk_capture_1", "Top1%cap"),
    ("ndcg_100", "NDCG@100"),
    ("spearman", "Spearman"),
    ("pr_auc", "PR-AUC"),
    ("roc_auc", "ROC-AUC"),
    ("ece", "ECE"),
    ("log_loss", "LogLoss"),
    ("mae_log1p", "MAE log"),
)


def format_comparison(result: Comparison) -> str:
    lines = [
        f"test days: {result.clicks:,} clicks, {result.gifted:,} gifted; RevCap@1% oracle "
        f"{next(iter(result.rows.values()))['revcap_1_oracle']:.3f}",
        f"{'model':<14}" + "".join(f"{title:>10}" for _, title in COLUMNS) + "   RevCap@1% 95% CI",
    ]
    for name, row in result.rows.items():
        cells = "".join(
            f"{row[key]:>10.3f}" if row.get(key) is not None else f"{'-':>10}" for key, _ in COLUMNS
        )
        low, high = result.intervals[name]["revcap_1"]
        lines.append(f"{name:<14}{cells}   [{low:.3f}, {high:.3f}]")
    duel = result.direct_vs_two_stage
    if duel:
        verdict = (
            "two-stage wins" if duel["low"] > 0 else "direct wins" if duel["high"] < 0 else "no clear winner"
        )
        lines.append(
            f"two-stage - {duel['direct']} RevCap@1%: {duel['two_stage_minus_direct']:+.3f} "
            f"(95% CI [{duel['low']:+.3f}, {duel['high']:+.3f}], paired bootstrap): {verdict}"
        )
    return "\n".join(lines)

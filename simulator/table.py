"""The comparison as a text table (the CLI prints it; the README quotes it) and as JSON."""

from __future__ import annotations

from typing import Any

from simulator.comparison import Comparison

_COLUMNS = (
    ("truth rev", "revenue_truth", "{:,.0f}"),
    ("95% CI", "revenue_truth_ci", "[{:,.0f}, {:,.0f}]"),
    ("realised", "revenue", "{:,.0f}"),
    ("vs oracle", "vs_oracle", "{:.2f}"),
    ("regret/day", "regret_per_day", "{:,.0f}"),
    ("str Gini", "streamer_gini", "{:.3f}"),
    ("E Gini", "streamer_gini_expected", "{:.3f}"),
    ("top1%", "top1_share", "{:.2f}"),
    ("exp Gini", "exposure_gini", "{:.3f}"),
    ("cold exp", "cold_exposure_share", "{:.3f}"),
    ("cold succ", "cold_success", "{:.3f}"),
    ("cap viol", "capacity_violations", "{:,.0f}"),
    ("sat loss", "saturation_loss", "{:,.0f}"),
    ("CTR", "click_rate", "{:.3f}"),
)


def format_table(comparison: Comparison) -> str:
    """One row per policy: means over seeds (the truth revenue's 95% t-interval over seeds)."""
    header = ["policy", *(name for name, _, _ in _COLUMNS)]
    rows = []
    for policy, figures in comparison.table.items():
        cells = [policy]
        for _, key, fmt in _COLUMNS:
            value = figures[key]
            cells.append(
                "-" if value is None else fmt.format(*value) if isinstance(value, list) else fmt.format(value)
            )
        rows.append(cells)
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    lines = [
        "  ".join(
            c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(r, widths, strict=True))
        )
        for r in [header, *rows]
    ]
    seeds = ", ".join(map(str, comparison.seeds))
    lines.insert(1, "-" * len(lines[0]))
    lines.append(
        f"{comparison.world}: {comparison.days:g} closed-loop days after {comparison.warmup_days} warm-up "
        "days; "
        f"seeds {seeds}; means over seeds; {comparison.seconds:.0f}s"
    )
    return "\n".join(lines)


def as_json(comparison: Comparison, ope: dict[str, Any] | None = None) -> dict[str, Any]:
    return {
        "world": str(comparison.world),
        "warmup_days": comparison.warmup_days,
        "days": comparison.days,
        "seeds": comparison.seeds,
        "policies": comparison.table,
        "runs": [run.__dict__ for run in comparison.runs],
        "ope": ope or {},
    }


def format_off_policy(ope: dict[str, Any]) -> str:
    """Per frozen target: its closed-loop truth and each estimator's mean estimate, bias and coverage."""
    lines = [f"{'off-policy':<18}{'estimator':<13}{'estimate':>11}{'truth':>11}{'bias':>9}{'cover':>7}"]
    for target, row in ope.items():
        for name, e in row["estimates"].items():
            bias = "-" if e["bias"] is None else f"{e['bias']:+.1%}"
            lines.append(
                f"{target:<18}{name:<13}{e['value']:>11,.0f}{row['truth']:>11,.0f}{bias:>9}{e['coverage']:>7.0%}"
            )
        lines.append(f"{target:<18}ESS {row['ess_share']:.2%} of the logged requests")
    return "\n".join(lines)

"""The evaluation as one self-contained HTML page: the comparison table and four plots drawn as inline SVG
(no plotting library): calibration of P(gift), revenue capture by top share of clicks, the delay of first
gifts, and the two-stage classifier's feature importance."""

from __future__ import annotations

import html
from collections.abc import Sequence

import numpy as np

from evaluation.metrics import calibration_bins
from evaluation.model_comparison import COLUMNS, Comparison

W, H, PAD = 420, 280, 40
COLOURS = ("#1b6ca8", "#d1495b", "#2e8b57", "#edae49", "#6c4f9c")


def _line_chart(
    title: str,
    series: dict[str, tuple[Sequence[float], Sequence[float]]],
    x_label: str,
    y_label: str,
    log_x: bool = False,
    diagonal: bool = False,
) -> str:
    xs = np.concatenate([np.asarray(x, dtype=float) for x, _ in series.values()])
    ys = np.concatenate([np.asarray(y, dtype=float) for _, y in series.values()])
    tx = np.log10 if log_x else (lambda v: np.asarray(v, dtype=float))
    x0, x1 = float(np.min(tx(xs))), float(np.max(tx(xs)))
    y0, y1 = 0.0, float(max(np.max(ys), 1e-9))
    if diagonal:
        x0, y0, x1, y1 = 0.0, 0.0, max(x1, y1), max(x1, y1)

    def point(x: float, y: float) -> str:
        px = PAD + (float(tx(x)) - x0) / ((x1 - x0) or 1) * (W - 2 * PAD)
        py = H - PAD - (y - y0) / ((y1 - y0) or 1) * (H - 2 * PAD)
        return f"{px:.1f},{py:.1f}"

    parts = [
        f'<svg width="{W}" height="{H}" xmlns="http://www.w3.org/2000/svg" font-size="11">',
        f'<text x="{W / 2}" y="16" text-anchor="middle" font-weight="bold">{html.escape(title)}</text>',
        f'<line x1="{PAD}" y1="{H - PAD}" x2="{W - PAD}" y2="{H - PAD}" stroke="#999"/>',
        f'<line x1="{PAD}" y1="{PAD}" x2="{PAD}" y2="{H - PAD}" stroke="#999"/>',
        f'<text x="{W / 2}" y="{H - 8}" text-anchor="middle">{html.escape(x_label)}</text>',
        f'<text x="12" y="{H / 2}" transform="rotate(-90 12 {H / 2})" text-anchor="middle">'
        f"{html.escape(y_label)}</text>",
        f'<text x="{PAD}" y="{H - PAD + 14}">{(10**x0 if log_x else x0):.3g}</text>',
        f'<text x="{W - PAD}" y="{H - PAD + 14}" text-anchor="end">{(10**x1 if log_x else x1):.3g}</text>',
        f'<text x="{PAD - 4}" y="{PAD}" text-anchor="end">{y1:.3g}</text>',
    ]
    if diagonal:
        parts.append(f'<polyline points="{point(x0, y0)} {point(x1, y1)}" stroke="#ccc" fill="none"/>')
    for i, (name, (x, y)) in enumerate(series.items()):
        colour = COLOURS[i % len(COLOURS)]
        points = " ".join(point(a, b) for a, b in zip(x, y, strict=True))
        parts.append(f'<polyline points="{points}" stroke="{colour}" fill="none" stroke-width="1.5"/>')
        parts.append(
            f'<text x="{W - PAD - 4}" y="{PAD + 14 * i}" text-anchor="end" fill="{colour}">'
            f"{html.escape(name)}</text>"
        )
    parts.append("</svg>")
    return "".join(parts)


def _bars(title: str, names: Sequence[str], values: Sequence[float]) -> str:
    top = max(max(values, default=0.0), 1e-9)
    row = 16
    height = 30 + row * len(names)
    parts = [
        f'<svg width="{W}" height="{height}" xmlns="http://www.w3.org/2000/svg" font-size="11">',
        f'<text x="{W / 2}" y="16" text-anchor="middle" font-weight="bold">{html.escape(title)}</text>',
    ]
    for i, (name, value) in enumerate(zip(names, values, strict=True)):
        y = 26 + i * row
        width = value / top * (W - 180)
        parts.append(f'<text x="150" y="{y + 11}" text-anchor="end">{html.escape(name)}</text>')
        parts.append(f'<rect x="155" y="{y}" width="{width:.1f}" height="{row - 4}" fill="{COLOURS[0]}"/>')
    parts.append("</svg>")
    return "".join(parts)


def render(
    comparison: Comparison,
    amount: np.ndarray,
    values: dict[str, np.ndarray],
    p_gift: dict[str, np.ndarray],
    first_gift_delay_s: np.ndarray,
    importance: dict[str, float],
) -> str:
    """The report page. ``first_gift_delay_s``: delay from click to first gift of the gifted test clicks."""
    gifted = (amount > 0).astype(float)
    calibration = {
        name: tuple(zip(*[(m, r) for m, r, _ in calibration_bins(gifted, p, 10)], strict=True))
        for name, p in p_gift.items()
    }
    shares = np.geomspace(1e-3, 1.0, 40)
    order_total = amount.sum()
    capture = {}
    for name, value in {**values, "oracle": amount}.items():
        ranked = np.cumsum(amount[np.argsort(-value, kind="stable")]) / order_total
        capture[name] = (shares, ranked[np.maximum(np.ceil(shares * len(amount)).astype(int), 1) - 1])
    delays = np.sort(first_gift_delay_s)
    grid = np.geomspace(1.0, max(float(delays[-1]) if len(delays) else 2.0, 2.0), 40)
    survival = {
        "gifted clicks": (grid, 1 - np.searchsorted(delays, grid, side="right") / max(len(delays), 1))
    }
    ranked_features = sorted(importance.items(), key=lambda kv: -kv[1])[:15]
    header = "".join(f"<th>{html.escape(title)}</th>" for _, title in COLUMNS)
    rows = []
    for name, row in comparison.rows.items():
        cells = "".join(
            f"<td>{row[key]:.3f}</td>" if row.get(key) is not None else "<td>-</td>" for key, _ in COLUMNS
        )
        low, high = comparison.intervals[name]["revcap_1"]
        rows.append(f"<tr><th>{html.escape(name)}</th>{cells}<td>[{low:.3f}, {high:.3f}]</td></tr>")
    duel = comparison.direct_vs_two_stage
    verdict = ""
    if duel:
        verdict = (
            f"<p>two-stage − {html.escape(str(duel['direct']))} RevCap@1%: "
            f"{duel['two_stage_minus_direct']:+.3f} (95% CI [{duel['low']:+.3f}, {duel['high']:+.3f}], "
            "paired bootstrap)</p>"
        )
    return "\n".join(
        [
            "<!doctype html><html><head><meta charset='utf-8'><title>GiftLive evaluation</title>",
            "<style>body{font-family:sans-serif;margin:2em}td,th{padding:2px 8px;text-align:right}"
            "table{border-collapse:collapse}tr:nth-child(even){background:#f4f4f4}</style></head><body>",
            "<h1>GiftLive evaluation</h1>",
            f"<p>test days: {comparison.clicks:,} clicks, {comparison.gifted:,} gifted</p>",
            f"<table><tr><th>model</th>{header}<th>RevCap@1% 95% CI</th></tr>{''.join(rows)}</table>",
            verdict,
            "<div>",
            _line_chart(
                "calibration of P(gift) (deciles)", calibration, "predicted", "observed", diagonal=True
            ),
            _line_chart("revenue capture", capture, "top share of clicks", "share of revenue", log_x=True),
            _line_chart(
                "delay of first gifts", survival, "seconds after the click", "still to come", log_x=True
            ),
            _bars(
                "feature importance (two-stage P(gift), gain)",
                [n for n, _ in ranked_features],
                [v for _, v in ranked_features],
            ),
            "</div></body></html>",
        ]
    )

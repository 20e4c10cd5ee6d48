"""The comparison as one self-contained HTML page: header, the table of figures and four plots (cumulative
truth revenue, Lorenz curves, exposure by popularity decile, off-policy estimates against the closed-loop
truth), each with a paragraph on how to read it. Plots are matplotlib figures inlined as base64 PNGs, so the
file can be mailed or attached to a ticket without its assets."""

from __future__ import annotations

import base64
import io
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from html import escape
from pathlib import Path

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from simulator.comparison import Comparison

_SIZE = (7.5, 4.2)  # inches; at _DPI a plot fits a laptop screen beside its paragraph
_DPI = 110
_LINESTYLES = ("-", "--", "-.", ":")
_ESTIMATOR_COLOURS = ("#7b3294", "#1b7837", "#b35806", "#2166ac", "#762a83", "#8c510a")  # not policy colours
_CSS = """
body { font-family: system-ui, sans-serif; max-width: 62rem; margin: 2rem auto; padding: 0 1rem; }
.wide { overflow-x: auto; }
h1 { font-size: 1.5rem; } h2 { font-size: 1.15rem; margin-top: 2rem; }
table { border-collapse: collapse; font-size: 0.85rem; }
th, td { padding: 0.25rem 0.6rem; border-bottom: 1px solid #ddd; text-align: right; white-space: nowrap; }
th:first-child, td:first-child { text-align: left; }
img { max-width: 100%; }
.meta { color: #555; }
"""


def write_report(comparison: Comparison, path: Path, ope: dict | None = None) -> None:
    """Write the page to ``path``. ``ope`` maps policy -> {"truth": float, "estimates": {estimator:
    {"value", "low", "high"}}}; without it the OPE section says there were none."""
    colours = _colours(comparison.table)
    sections = [
        _header(comparison),
        "<h2>Figures</h2>",
        _table(comparison.table),
        "<p>Means over seeds; an interval in brackets is the 95% t-interval over seeds. "
        "Columns empty for every policy (e.g. the oracle ratio without an oracle run) are left out.</p>",
        _section(
            "Cumulative truth-expected revenue",
            _figure(lambda ax: _cumulative(ax, comparison, colours)),
            "The expected revenue (what the world's true click and gift models make of each shown room) "
            "added up day by day over the closed loop; thick lines are means over seeds, faint lines single "
            "seeds. Higher is better. A gap that widens day after day is a lasting advantage; when one "
            "policy's faint lines reach into another's, the difference is within the noise between seeds.",
        ),
        _section(
            "Lorenz curves of streamer revenue",
            _figure(lambda ax: _lorenz(ax, comparison.table, colours)),
            "Each point is the share of all streamer revenue held by the poorest x% of the streamers who "
            "received any (as KuaiLive's published streamer Gini counts them). The "
            "grey diagonal is perfect equality; the further a curve sags below it, the more revenue is "
            "concentrated on a few streamers (the area between them is half the Gini in the table).",
        ),
        _section(
            "Exposure by streamer popularity decile",
            _figure(lambda ax: _deciles(ax, comparison.table, colours)),
            "The share of exposures each policy gave to each tenth of the streamers, ranked by popularity "
            "(decile 1 is the least popular). The dotted line at 10% is an exposure spread evenly; bars "
            "rising to the right are a policy that feeds the already popular.",
        ),
        _ope_section(ope),
    ]
    page = (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f"<title>GiftLive simulator report: {escape(comparison.world.name)}</title>\n"
        f"<style>{_CSS}</style>\n</head>\n<body>\n" + "\n".join(sections) + "\n</body>\n</html>\n"
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(page, encoding="utf-8")


def _colours(table: dict[str, dict]) -> dict[str, str]:
    """One colour per policy, the same in every plot, in the table's order."""
    return {policy: f"C{i % 10}" for i, policy in enumerate(table)}


def _dashes(policy: str, colours: dict[str, str]) -> str:
    """A line style per policy as well as a colour: policies with near-identical curves (two Lorenz curves
    hugging the axes) would otherwise hide one under the other."""
    return _LINESTYLES[list(colours).index(policy) % len(_LINESTYLES)]


def _header(comparison: Comparison) -> str:
    seeds = ", ".join(map(str, comparison.seeds))
    written = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    return (
        f"<h1>Simulator comparison: {escape(str(comparison.world))}</h1>\n"
        f'<p class="meta">{_count(comparison.days, "closed-loop day")} after '
        f"{_count(comparison.warmup_days, 'warm-up day')}; seeds {escape(seeds)}; "
        f"{_count(len(comparison.table), 'policy')}, {_count(len(comparison.runs), 'run')} in "
        f"{comparison.seconds:,.0f}s; written {written}.</p>"
    )


def _table(table: dict[str, dict]) -> str:
    """Every scalar figure of ``summarise`` as a column (with its ``_ci`` sibling in brackets); the series
    are the plots' business. Generic, so a figure added to ``summarise`` shows up here unasked."""
    rows = list(table.values())
    keys = [
        key
        for key, value in (rows[0] if rows else {}).items()
        if not isinstance(value, list) and any(row.get(key) is not None for row in rows)
    ]
    head = "".join(f"<th>{escape(key.replace('_', ' '))}</th>" for key in keys)
    formats = {key: _format([row[key] for row in rows if row[key] is not None]) for key in keys}
    body = []
    for policy, row in table.items():
        cells = []
        for key in keys:
            fmt, ci = formats[key], row.get(f"{key}_ci")
            text = "–" if row[key] is None else fmt.format(row[key])
            low, high = (fmt.format(x) for x in ci) if isinstance(ci, list) and len(ci) == 2 else ("", "")
            if low != high:  # one seed, or seeds that agree: no interval worth printing
                text += f" [{low}, {high}]"
            cells.append(f"<td>{text}</td>")
        body.append(f"<tr><td>{escape(policy)}</td>{''.join(cells)}</tr>")
    return (
        f'<div class="wide"><table>\n<tr><th>policy</th>{head}</tr>\n' + "\n".join(body) + "\n</table></div>"
    )


def _format(values: list[float]) -> str:
    """One format per column, so its numbers line up: thousands separators for counts and revenue, three
    decimals for shares and ratios."""
    largest = max((abs(v) for v in values), default=0.0)
    counts = all(float(v).is_integer() for v in values) and largest != 1  # 0/1 only: shares, not counts
    if largest >= 100 or counts:
        return "{:,.0f}"
    return "{:.1f}" if largest >= 10 else "{:.3f}"


def _count(n: float, noun: str) -> str:
    plural = noun[:-1] + "ies" if noun.endswith("y") and not noun.endswith("ay") else noun + "s"
    return f"{n:g} {noun if n == 1 else plural}"


def _section(title: str, image: str, reading: str) -> str:
    return f"<h2>{escape(title)}</h2>\n{image}\n<p>{escape(reading)}</p>"


def _figure(draw: Callable[[Axes], None]) -> str:
    """A Figure drawn by ``draw`` as an inline PNG; Figure, not pyplot, so no global state or GUI backend."""
    fig = Figure(figsize=_SIZE, dpi=_DPI, layout="constrained")
    ax = fig.add_subplot()
    draw(ax)
    ax.grid(alpha=0.3)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    data = base64.b64encode(buffer.getvalue()).decode("ascii")
    return f'<img alt="plot" src="data:image/png;base64,{data}">'


def _cumulative(ax: Axes, comparison: Comparison, colours: dict[str, str]) -> None:
    marker = "o" if max((len(r["daily_truth"]) for r in comparison.table.values()), default=0) < 15 else None
    for policy, row in comparison.table.items():
        seeds = [r.daily_truth for r in comparison.runs if r.policy == policy and r.daily_truth]
        if len(seeds) > 1:
            for daily in seeds:
                ax.plot(*_cumsum(daily), color=colours[policy], alpha=0.25, linewidth=0.8)
        ax.plot(
            *_cumsum(row["daily_truth"]),
            color=colours[policy],
            linestyle=_dashes(policy, colours),
            linewidth=2,
            marker=marker,
            label=policy,
        )
    ax.set_xlabel("closed-loop day")
    ax.set_ylabel("cumulative truth-expected revenue")
    ax.set_xlim(left=0)
    ax.set_ylim(bottom=0)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.yaxis.set_major_formatter("{x:,.0f}")
    ax.legend()


def _cumsum(daily: Iterable[float]) -> tuple[np.ndarray, np.ndarray]:
    """Day 0 at zero, then the running total at the end of each day."""
    total = np.concatenate([[0.0], np.cumsum(list(daily))])
    return np.arange(total.size), total


def _lorenz(ax: Axes, table: dict[str, dict], colours: dict[str, str]) -> None:
    ax.plot([0, 100], [0, 100], color="lightgrey", linewidth=1.5, label="equality")
    for policy, row in table.items():
        shares = np.asarray(row["lorenz"]) * 100
        x = np.linspace(0, 100, shares.size)
        style = _dashes(policy, colours)
        ax.plot(x, shares, color=colours[policy], linestyle=style, linewidth=2, label=policy)
    ax.set_xlabel("poorest gifted streamers (%)")
    ax.set_ylabel("share of streamer revenue (%)")
    ax.set_xlim(0, 100)
    ax.set_ylim(0, 100)
    ax.set_aspect("equal")
    ax.legend(loc="upper left")


def _deciles(ax: Axes, table: dict[str, dict], colours: dict[str, str]) -> None:
    width = 0.8 / max(len(table), 1)
    for i, (policy, row) in enumerate(table.items()):
        shares = np.asarray(row["exposure_by_decile"]) * 100
        x = np.arange(1, shares.size + 1) - 0.4 + width * (i + 0.5)
        ax.bar(x, shares, width=width, color=colours[policy], label=policy)
    ax.axhline(10, linestyle=":", color="grey", linewidth=1, label="even (10%)")
    ax.set_xticks(range(1, 11))
    ax.set_xlabel("streamer popularity decile (1 = least popular)")
    ax.set_ylabel("share of exposures (%)")
    ax.legend()


def _ope_section(ope: dict | None) -> str:
    title = "Off-policy estimates against the closed-loop truth"
    if not ope:
        return f"<h2>{escape(title)}</h2>\n<p>There are no off-policy estimates in this run.</p>"
    return _section(
        title,
        _figure(lambda ax: _ope(ax, ope)),
        "For each policy, the black bar is the truth-expected revenue it earned in closed loop and the "
        "points are what each off-policy estimator predicted from the logging policy's data alone, with "
        "their intervals (hollow squares: the same estimator with each logged gift's amount its giver's "
        "mean over their other logged sessions). An estimator is useful when its interval covers the black "
        "bar and narrow enough to tell the policies apart.",
    )


def _ope(ax: Axes, ope: dict) -> None:
    estimators = list(dict.fromkeys(name for entry in ope.values() for name in entry.get("estimates", {})))
    # An estimator keeps its colour with modelled amounts ("<estimator>+amount"), drawn as a hollow square.
    bases = list(dict.fromkeys(name.partition("+")[0] for name in estimators))
    width = 0.7 / max(len(estimators), 1)
    labelled: set[str] = set()  # one legend entry each, whichever policy has it first

    def label(name: str) -> str | None:
        first = name not in labelled
        labelled.add(name)
        return name if first else None

    for i, entry in enumerate(ope.values()):
        if entry.get("truth") is not None:
            ax.hlines(entry["truth"], i - 0.42, i + 0.42, color="black", linewidth=2.5, label=label("truth"))
        for j, name in enumerate(estimators):
            estimate = entry.get("estimates", {}).get(name) or {}
            value, low, high = estimate.get("value"), estimate.get("low"), estimate.get("high")
            if value is None:
                continue
            error = None if low is None or high is None else [[max(value - low, 0)], [max(high - value, 0)]]
            x = i - 0.35 + width * (j + 0.5)
            ax.errorbar(
                x,
                value,
                yerr=error,
                fmt="s" if "+" in name else "o",
                fillstyle="none" if "+" in name else "full",
                color=_ESTIMATOR_COLOURS[bases.index(name.partition("+")[0]) % len(_ESTIMATOR_COLOURS)],
                capsize=4,
                label=label(name),
            )
    ax.set_xticks(range(len(ope)), list(ope))
    ax.set_xlim(-0.6, len(ope) - 0.4)
    ax.set_ylabel("truth-expected revenue")
    ax.set_ylim(bottom=0)  # from zero, so the gaps read as shares of the revenue
    ax.yaxis.set_major_formatter("{x:,.0f}")
    ax.legend()

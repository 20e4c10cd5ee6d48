"""The HTML report: one inline image per plot, every policy named, the OPE section with and without
estimates, and nothing loaded from outside the file."""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pytest

from simulator.comparison import Comparison
from simulator.metrics import RunMetrics, summarise
from simulator.report import write_report

POLICIES = ("feed", "random", "oracle")
DAYS = 3


class _Tags(HTMLParser):
    """Every start tag with its attributes, and whether the end tags closed what was opened."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.open: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        if tag not in {"meta", "img", "br", "link"}:
            self.open.append(tag)

    def handle_endtag(self, tag: str) -> None:
        assert self.open and self.open.pop() == tag, f"</{tag}> closes nothing open"


def _run(policy: str, seed: int, level: float) -> RunMetrics:
    rng = np.random.default_rng(seed)
    daily = (level * (1 + 0.1 * rng.standard_normal(DAYS))).tolist()
    lorenz = (np.linspace(0, 1, 21) ** (1 + level / 1000)).tolist()
    deciles = np.linspace(1, 1 + level / 500, 10)
    return RunMetrics(
        policy=policy,
        seed=seed,
        revenue=sum(daily) * 0.9,
        revenue_truth=sum(daily),
        daily_truth=daily,
        streamer_gini=0.5 + level / 10_000,
        streamer_gini_expected=0.9,
        streamer_gini_spread=0.45,
        top1_share=0.1,
        exposure_gini=0.4,
        cold_exposure_share=0.05,
        cold_success=0.2,
        capacity_violations=seed,
        saturation_loss=12.5,
        requests=5_000,
        answered=4_900,
        clicks=300,
        mean_p_click=0.06,
        seconds=1.5,
        requests_per_s=4_000.0,
        lorenz=lorenz,
        exposure_by_decile=(deciles / deciles.sum()).tolist(),
    )


@pytest.fixture
def comparison() -> Comparison:
    runs = [
        _run(policy, seed, level)
        for policy, level in zip(POLICIES, (1_000.0, 600.0, 1_400.0), strict=True)
        for seed in (1, 2)
    ]
    return Comparison(Path("/worlds/w-test"), 7, DAYS, [1, 2], runs, summarise(runs, DAYS), 42.0)


def _parse(path: Path) -> tuple[str, _Tags]:
    assert path.is_file()
    text = path.read_text(encoding="utf-8")
    assert text.startswith("<!DOCTYPE html>") and text.rstrip().endswith("</html>")
    tags = _Tags()
    tags.feed(text)
    tags.close()
    assert tags.open == [], f"unclosed tags: {tags.open}"
    return text, tags


def _images(tags: _Tags) -> list[str]:
    sources = [attrs.get("src") or "" for tag, attrs in tags.tags if tag in {"img", "svg"}]
    assert all(s.startswith("data:image/") for s in sources), "every plot is inline"
    return sources


def test_report_with_ope_has_four_plots_and_every_policy(comparison: Comparison, tmp_path: Path) -> None:
    factors = {"ips": 0.9, "snips": 1.0, "dr": 1.05}
    ope = {
        name: {
            "truth": (truth := comparison.table[name]["revenue_truth"]),
            "estimates": {
                est: {"value": truth * f, "low": truth * f * 0.8, "high": truth * f * 1.2}
                for est, f in factors.items()
            },
        }
        for name in ("feed", "random")
    }
    path = tmp_path / "out" / "report.html"
    write_report(comparison, path, ope)
    text, tags = _parse(path)
    assert len(_images(tags)) == 4
    for policy in POLICIES:
        assert f"<td>{policy}</td>" in text  # a row of the table of figures
    assert "/worlds/w-test" in text and "seeds 1, 2" in text
    assert "Off-policy estimates against the closed-loop truth" in text
    assert "no off-policy estimates" not in text
    assert not any(tag in {"script", "link"} for tag, _ in tags.tags), "no external assets"
    assert "http://" not in text and "https://" not in text


@pytest.mark.parametrize("ope", [None, {}])
def test_report_without_ope_says_so(comparison: Comparison, tmp_path: Path, ope: dict | None) -> None:
    path = tmp_path / "report.html"
    write_report(comparison, path, ope)
    text, tags = _parse(path)
    assert len(_images(tags)) == 3
    assert "no off-policy estimates in this run" in text
    # the table's truth revenue with its interval over seeds, formatted
    feed = comparison.table["feed"]
    low, high = feed["revenue_truth_ci"]
    assert f"{feed['revenue_truth']:,.0f} [{low:,.0f}, {high:,.0f}]" in text

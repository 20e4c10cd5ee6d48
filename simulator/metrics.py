"""What a run is worth and how it treats the ecosystem, per run and across seeds.

Per run, over the closed-loop window: realised revenue (the gift amounts the world sampled), truth-expected
revenue (sum over shown rooms of P(click | shown) x E[amount | click] at the room's load), its daily series,
the Gini, top-1% share and Lorenz curve of streamer revenue over the streamers who received any (as
KuaiLive's published 0.930 is), the Gini of the truth-expected revenue over every streamer with a room live
in the window (the allocation's concentration without the gifts' sampling noise, which on a 400-user world
moves the realised Gini more than a policy does), the Gini the run's gifts would give had each gone to a
random one of the streamers who received any (evaluation/concentration.py ``spread_gini``: the part of the
realised Gini that the gift amounts set, whoever receives them), the Gini of exposures over the same
streamers (the same set for every policy), the cold-start exposure share
(exposures of streamers with fewer than 10 clicks so far) and success (share of the cold-start streamers
shown who then got a gift), capacity violations (exposures while the room's viewers were at the streamer's
capacity), the revenue lost to saturation, requests and clicks.

Across seeds: the mean and a t-interval over seeds (never over requests: requests of one round share draws).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np

from evaluation.concentration import gini, spread_gini, top_share
from giftlive.events import EventType
from replay.synth.params import DAY_MS
from simulator.closed_loop import Run, Setup

COLD_CLICKS = 10
# Two-sided 95% Student t quantiles by degrees of freedom (1..30); beyond, the normal's 1.96.
_T95 = (
    12.706,
    4.303,
    3.182,
    2.776,
    2.571,
    2.447,
    2.365,
    2.306,
    2.262,
    2.228,
    2.201,
    2.179,
    2.160,
    2.145,
    2.131,
    2.120,
    2.110,
    2.101,
    2.093,
    2.086,
    2.080,
    2.074,
    2.069,
    2.064,
    2.060,
    2.056,
    2.052,
    2.048,
    2.045,
    2.042,
)


@dataclass(frozen=True)
class RunMetrics:
    policy: str
    seed: int
    revenue: float
    revenue_truth: float
    daily_truth: list[float]
    streamer_gini: float
    streamer_gini_expected: float
    streamer_gini_spread: float
    top1_share: float
    exposure_gini: float
    cold_exposure_share: float
    cold_success: float
    capacity_violations: int
    saturation_loss: float
    requests: int
    answered: int
    clicks: int
    mean_p_click: float
    seconds: float
    requests_per_s: float  # closed-loop requests answered per second of the loop (warm-up excluded)
    lorenz: list[float]  # share of revenue held by the poorest 0, 1, ..., 100% of the gifted streamers
    exposure_by_decile: list[float]  # share of exposures by the streamers' popularity decile (lowest first)


def measure(setup: Setup, run: Run) -> RunMetrics:
    streamers = _live_streamers(setup)
    gifts = [e for e in run.events if e["type"] is EventType.GIFT and e["ts"] >= setup.warmup_end]
    gift_streamers = np.array([g["streamer_id"] for g in gifts], dtype=np.int64)
    gift_amounts = np.array([g["amount"] for g in gifts], dtype=np.float64)
    revenue_by = np.zeros(streamers.size)
    np.add.at(revenue_by, np.searchsorted(streamers, gift_streamers), gift_amounts)
    exposed = np.asarray(run.exposure_streamer, dtype=np.int64)
    exposed_at = np.searchsorted(streamers, exposed)
    exposures_by = np.bincount(exposed_at, minlength=streamers.size)
    value = np.concatenate(run.value) if run.value else np.zeros(0)
    unloaded = np.concatenate(run.value_unloaded) if run.value_unloaded else np.zeros(0)
    p_click = np.concatenate(run.p_click) if run.p_click else np.zeros(0)
    days = int(np.ceil(setup.days))
    day = (np.asarray(run.exposure_ts, dtype=np.int64) - setup.warmup_end) // DAY_MS
    daily = np.bincount(day, weights=value, minlength=days)[:days] if value.size else np.zeros(days)
    expected_by = np.bincount(exposed_at, weights=value, minlength=streamers.size)
    cold = np.asarray(run.exposure_cold, dtype=bool)
    cold_shown = set(exposed[cold].tolist())
    gifted = {g["streamer_id"] for g in gifts}
    return RunMetrics(
        policy=run.policy,
        seed=run.seed,
        revenue=float(sum(g["amount"] for g in gifts)),
        revenue_truth=float(value.sum()),
        daily_truth=daily.tolist(),
        streamer_gini=gini(revenue_by[revenue_by > 0]),
        streamer_gini_expected=gini(expected_by),
        streamer_gini_spread=spread_gini(gift_streamers, gift_amounts, run.seed),
        top1_share=top_share(revenue_by[revenue_by > 0], 0.01),
        exposure_gini=gini(exposures_by),
        cold_exposure_share=float(cold.mean()) if cold.size else 0.0,
        cold_success=len(cold_shown & gifted) / len(cold_shown) if cold_shown else 0.0,
        capacity_violations=int(np.count_nonzero(run.exposure_violation)),
        saturation_loss=float(unloaded.sum() - value.sum()),
        requests=run.requests,
        answered=int(exposed.size),
        clicks=run.clicks,
        mean_p_click=float(p_click.mean()) if p_click.size else 0.0,
        seconds=run.seconds,
        requests_per_s=run.requests / max(run.seconds - run.warmup_seconds, 1e-9),
        lorenz=_lorenz(revenue_by[revenue_by > 0]),
        exposure_by_decile=_by_decile(setup.world.truth.population.popularity[streamers], exposures_by),
    )


def _lorenz(totals: np.ndarray, points: int = 101) -> list[float]:
    """Cumulative share of the total held by the poorest share of holders, at ``points`` even steps."""
    x = np.sort(totals)
    cumulative = np.concatenate([[0.0], np.cumsum(x)])
    total = cumulative[-1]
    at = np.round(np.linspace(0, x.size, points)).astype(int)
    return (cumulative[at] / total).tolist() if total > 0 else np.linspace(0, 1, points).tolist()


def _by_decile(popularity: np.ndarray, exposures: np.ndarray) -> list[float]:
    """Share of exposures going to each decile of streamer popularity (decile 0: the least popular)."""
    rank = np.argsort(np.argsort(popularity, kind="stable"), kind="stable")
    decile = rank * 10 // max(popularity.size, 1)
    by = np.bincount(decile, weights=exposures, minlength=10)
    return (by / max(by.sum(), 1)).tolist()


def _live_streamers(setup: Setup) -> np.ndarray:
    """Every streamer with a room live at some time in the closed-loop window, sorted."""
    rooms = setup.world.rooms
    live = (rooms.start < setup.end) & (rooms.end > setup.warmup_end)
    return np.unique(rooms.streamer[live])


def interval(values: list[float]) -> tuple[float, float]:
    """95% t-interval of the mean over seeds ((x, x) for one seed)."""
    x = np.asarray(values, dtype=float)
    if x.size < 2:
        return float(x.mean()), float(x.mean())
    t = _T95[x.size - 2] if x.size - 1 <= len(_T95) else 1.96
    half = t * x.std(ddof=1) / np.sqrt(x.size)
    return float(x.mean() - half), float(x.mean() + half)


def summarise(runs: list[RunMetrics], days: float) -> dict[str, dict]:
    """Per policy: means over seeds with intervals, the share of the oracle's truth revenue (seed by seed,
    when the oracle ran) and the regret per day against it."""
    by_policy: dict[str, list[RunMetrics]] = {}
    for m in runs:
        by_policy.setdefault(m.policy, []).append(m)
    oracle = {m.seed: m for m in by_policy.get("oracle", [])}
    table: dict[str, dict] = {}
    for name, ms in by_policy.items():
        ms = sorted(ms, key=lambda m: m.seed)

        def mean(field: str, ms: list[RunMetrics] = ms) -> float:
            return float(np.mean([getattr(m, field) for m in ms]))

        row = {
            "seeds": [m.seed for m in ms],
            "revenue": mean("revenue"),
            "revenue_ci": list(interval([m.revenue for m in ms])),
            "revenue_truth": mean("revenue_truth"),
            "revenue_truth_ci": list(interval([m.revenue_truth for m in ms])),
            "vs_oracle": None,
            "vs_oracle_ci": None,
            "regret_per_day": None,
            "streamer_gini": mean("streamer_gini"),
            "streamer_gini_expected": mean("streamer_gini_expected"),
            "streamer_gini_spread": mean("streamer_gini_spread"),
            "top1_share": mean("top1_share"),
            "exposure_gini": mean("exposure_gini"),
            "cold_exposure_share": mean("cold_exposure_share"),
            "cold_success": mean("cold_success"),
            "capacity_violations": mean("capacity_violations"),
            "saturation_loss": mean("saturation_loss"),
            "requests": mean("requests"),
            "answered": mean("answered"),
            "click_rate": float(np.mean([m.clicks / max(m.answered, 1) for m in ms])),
            "mean_p_click": mean("mean_p_click"),
            "seconds": mean("seconds"),
            "requests_per_s": mean("requests_per_s"),
            "daily_truth": np.mean([m.daily_truth for m in ms], axis=0).tolist(),
            "lorenz": np.mean([m.lorenz for m in ms], axis=0).tolist(),
            "exposure_by_decile": np.mean([m.exposure_by_decile for m in ms], axis=0).tolist(),
        }
        paired = [(m, oracle[m.seed]) for m in ms if m.seed in oracle]
        if paired:
            ratios = [m.revenue_truth / o.revenue_truth for m, o in paired if o.revenue_truth > 0]
            row["vs_oracle"] = float(np.mean(ratios)) if ratios else None
            row["vs_oracle_ci"] = list(interval(ratios)) if ratios else None
            row["regret_per_day"] = float(
                np.mean([(o.revenue_truth - m.revenue_truth) / days for m, o in paired])
            )
        table[name] = row
    return table


def as_dict(metrics: RunMetrics) -> dict:
    return asdict(metrics)

"""The allocation issue's figures, each with a 95 % interval over seeds, from `giftlive simulate --json`.

Reads the per-seed runs of a comparison (same seeds for every policy) and prints, for a policy under test
(default thompson-v2) against the baselines: revenue / feed, revenue / oracle, cumulative regret over the
last 7 closed-loop days beside greedy-mean's, and for `concave` the streamer-revenue Gini difference and
the revenue cost against the policy under test, and cold-start success beside the feed's. Intervals are
t-intervals over seeds of the per-seed figure (paired: both policies ran with the same seed).

    giftlive simulate --world runs/w400 --policies feed,greedy-mean,thompson-v2,concave,oracle --json sim.json
    python benchmark/allocation_check.py sim.json
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # run from a checkout without installing

from simulator.metrics import interval as seed_interval  # noqa: E402


def interval(values: list[float]) -> str:
    """mean [low, high]: the simulator's 95 % t-interval over seeds."""
    low, high = seed_interval(values)
    return f"{np.mean(values):.3f} [{low:.3f}, {high:.3f}]"


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("json", type=Path, help="the output of giftlive simulate --json")
    parser.add_argument("--policy", default="thompson-v2", help="the policy under test (thompson-v2)")
    args = parser.parse_args()
    figures = json.loads(args.json.read_text())
    runs: dict[str, dict[int, dict]] = {}
    for run in figures["runs"]:
        runs.setdefault(run["policy"], {})[run["seed"]] = run
    name = args.policy
    missing = [p for p in ("feed", name, "oracle") if p not in runs]
    if missing:
        parser.error(f"{args.json} has no runs of {', '.join(missing)}")
    seeds = sorted(runs[name])
    truth = {p: {s: float(sum(r["daily_truth"])) for s, r in by.items()} for p, by in runs.items()}
    print(f"{figures['world']}: {figures['days']:g} closed-loop days, seeds {seeds}")
    print(
        f"{name} / feed (truth revenue)        {interval([truth[name][s] / truth['feed'][s] for s in seeds])}"
    )
    print(
        f"{name} / oracle                      "
        + interval([truth[name][s] / truth["oracle"][s] for s in seeds])
    )

    def regret(policy: str, seed: int) -> float:
        oracle, mine = runs["oracle"][seed]["daily_truth"], runs[policy][seed]["daily_truth"]
        return float(np.sum(np.array(oracle[-7:]) - np.array(mine[-7:])))

    for policy in (name, "greedy-mean"):
        if policy in runs:
            regrets = [regret(policy, s) for s in seeds]
            print(f"{policy:<12} regret, last 7 days     {interval(regrets)}")
    if "concave" in runs:
        gini = [runs["concave"][s]["streamer_gini"] - runs[name][s]["streamer_gini"] for s in seeds]
        cost = [truth["concave"][s] / truth[name][s] - 1 for s in seeds]
        print(f"concave - {name}: streamer Gini    {interval(gini)}")
        print(f"concave / {name} - 1: revenue       {interval(cost)}")
    for policy in ("feed", name, "concave"):
        if policy in runs:
            print(
                f"{policy:<12} cold-start success      "
                + interval([runs[policy][s]["cold_success"] for s in seeds])
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())

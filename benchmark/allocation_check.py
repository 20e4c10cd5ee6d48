"""The allocation issue's figures, each with a 95 % interval over seeds, from `giftlive simulate --json`.

Reads the per-seed runs of a comparison (same seeds for every policy) and prints, for a policy under test
(default thompson-v2) against the baselines: revenue / feed, revenue / oracle and cumulative regret over the
last 7 closed-loop days beside greedy-mean's (when the oracle ran), for `concave` (or --concave NAME) the
differences in streamer-revenue Gini (realised, and of the truth-expected revenue) and top-1% share and the
revenue cost against the policy under test, the Gini each one's gifts would give had they gone to random
gifted streamers (the floor that the gift amounts set), cold-start success beside the feed's, and with
--hard-caps NAME (a run with `--capacity N` on a world where capacity binds) the revenue of the policy's
prices against the same policy with hard caps, and both saturation losses. Intervals are t-intervals over
seeds of the per-seed figure (paired: both policies ran with the same seed).

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
    parser.add_argument(
        "--concave", default="concave", help="the concave-returns policy compared with it (concave)"
    )
    parser.add_argument(
        "--hard-caps",
        default="thompson-v2-viewer-cap",
        help="the same policy with hard caps instead of prices (thompson-v2-viewer-cap), on a world where "
        "capacity binds (`giftlive simulate --capacity N`)",
    )
    args = parser.parse_args()
    figures = json.loads(args.json.read_text())
    runs: dict[str, dict[int, dict]] = {}
    for run in figures["runs"]:
        runs.setdefault(run["policy"], {})[run["seed"]] = run
    name = args.policy
    if name not in runs:
        parser.error(f"{args.json} has no runs of {name}")
    seeds = sorted(runs[name])
    truth = {p: {s: float(sum(r["daily_truth"])) for s, r in by.items()} for p, by in runs.items()}
    print(f"{figures['world']}: {figures['days']:g} closed-loop days, seeds {seeds}")
    if "feed" in runs:
        print(
            f"{name} / feed (truth revenue)        "
            + interval([truth[name][s] / truth["feed"][s] for s in seeds])
        )
    if "oracle" in runs:
        print(
            f"{name} / oracle                      "
            + interval([truth[name][s] / truth["oracle"][s] for s in seeds])
        )

    def regret(policy: str, seed: int) -> float:
        oracle, mine = runs["oracle"][seed]["daily_truth"], runs[policy][seed]["daily_truth"]
        return float(np.sum(np.array(oracle[-7:]) - np.array(mine[-7:])))

    for policy in (name, "greedy-mean"):
        if policy in runs and "oracle" in runs:
            regrets = [regret(policy, s) for s in seeds]
            print(f"{policy:<12} regret, last 7 days     {interval(regrets)}")
    concave = args.concave
    if concave in runs:

        def difference(figure: str) -> str:
            return interval([runs[concave][s][figure] - runs[name][s][figure] for s in seeds])

        print(f"{concave} - {name}: streamer Gini            {difference('streamer_gini')}")
        if all("streamer_gini_expected" in runs[p][s] for p in (concave, name) for s in seeds):
            print(f"{concave} - {name}: Gini, expected revenue   {difference('streamer_gini_expected')}")
        print(f"{concave} - {name}: top-1% share             {difference('top1_share')}")
        for policy in (name, concave):  # how low a Gini these gifts allow, wherever they had gone
            if all("streamer_gini_spread" in runs[policy][s] for s in seeds):
                figures = [runs[policy][s]["streamer_gini_spread"] for s in seeds]
                print(f"{policy:<12} Gini, gifts spread at random {interval(figures)}")
        cost = [truth[concave][s] / truth[name][s] - 1 for s in seeds]
        print(f"{concave} / {name} - 1: revenue               {interval(cost)}")
    capped = args.hard_caps
    if capped in runs and capped != name:
        gain = [truth[name][s] / truth[capped][s] - 1 for s in seeds]
        print(f"{name} / {capped} - 1: revenue    {interval(gain)}")
        for policy in (name, capped):
            loss = [runs[policy][s]["saturation_loss"] for s in seeds]
            print(f"{policy:<12} saturation loss          {interval(loss)}")
    for policy in ("feed", name, concave):
        if policy in runs:
            print(
                f"{policy:<12} cold-start success      "
                + interval([runs[policy][s]["cold_success"] for s in seeds])
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Off-policy estimates checked against the closed-loop truth, over many seeds.

For each seed: the world's feed runs in closed loop (the logging policy, exact propensities) with every
target evaluated in shadow on its requests; each target (an allocator frozen at the end of warm-up) then
runs in its own closed loop for its truth-expected revenue. Printed per target and estimator: the mean
estimate over seeds beside the mean truth (relative bias), the share of seeds whose 95% interval covers
that seed's truth, and the mean effective sample size of the weights; the same against the truth value
of the target's distribution on the logged requests themselves (what the estimators estimate: the closed
loop adds the target's own draws and the loads it would cause, which no log of another policy shows).
Three reward columns: the realised gift amounts (what a real system has); the realised gift counts with
each gift's amount its giver's mean over their other logged sessions ("modelled":
evaluation/amount_model.py, what a real system has too); and the truth's expected reward of each logged
exposure (the estimators' own error, without the heavy-tailed gift noise).

    python benchmark/ope_check.py --world runs/w400 --seeds 20 --days 7
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # run from a checkout without installing

import numpy as np  # noqa: E402

from simulator.comparison import load_setup  # noqa: E402
from simulator.off_policy import TARGETS, off_policy, targets  # noqa: E402

_SETUP = {}
# The reward columns: realised gift amounts, realised gift counts with modelled amounts, and the truth's
# expected reward of each logged exposure.
REWARDS = (("realised", "estimates"), ("modelled", "amount_model"), ("expected", "expected_reward"))


def _init(world: Path, warmup: int, days: int, names: tuple[str, ...]) -> None:
    _SETUP["setup"] = load_setup(world, warmup, days)
    _SETUP["targets"] = targets(names)


def _one(seed: int) -> tuple[int, dict]:
    return seed, off_policy(_SETUP["setup"], seed, _SETUP["targets"], progress=None)


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--world", type=Path, required=True, help="a synthetic world (giftlive data synth)")
    parser.add_argument("--seeds", type=int, default=20, help="how many seeds (20)")
    parser.add_argument("--first-seed", type=int, default=1, metavar="K", help="seeds K, K+1, ... (1)")
    parser.add_argument("--warmup-days", type=int, default=7)
    parser.add_argument("--days", type=int, default=7, help="closed-loop days (7)")
    parser.add_argument("--processes", type=int, default=2)
    parser.add_argument("--json", type=Path, help="write every seed's estimates here")
    parser.add_argument(
        "--targets", default=",".join(TARGETS), metavar="A,B", help=f"frozen targets ({','.join(TARGETS)})"
    )
    args = parser.parse_args()
    names = tuple(t.strip() for t in args.targets.split(",") if t.strip())
    started = time.monotonic()
    results: dict[int, dict] = {}
    context = multiprocessing.get_context("spawn")
    with context.Pool(args.processes, _init, (args.world, args.warmup_days, args.days, names)) as pool:
        for seed, result in pool.imap_unordered(_one, range(args.first_seed, args.first_seed + args.seeds)):
            results[seed] = result
            print(f"seed {seed} done ({time.monotonic() - started:.0f}s)", file=sys.stderr, flush=True)
    if args.json:
        args.json.write_text(json.dumps(results, indent=1))
    targets = sorted(next(iter(results.values())))
    print(
        f"{args.world}: {args.days} closed-loop days after {args.warmup_days}; {len(results)} seeds"
        f" ({args.first_seed}-{args.first_seed + args.seeds - 1})"
    )
    print(
        "truth = the frozen target's truth-expected revenue in its own closed loop; logged = the truth value"
        " of its distribution on the logged requests (sum over rooms of pi x truth value)"
    )
    print(
        f"{'target':<20}{'estimator':<13}{'reward':<10}{'mean est':>10}{'truth':>9}{'bias':>8}{'cover':>7}"
        f"{'logged':>9}{'bias':>8}{'cover':>7}"
    )
    for target in targets:
        rows = [results[s][target] for s in sorted(results)]
        truth = np.array([r["truth"] for r in rows])
        logged = np.array([r["logged_truth"] for r in rows])
        ess = np.mean([r["ess_share"] for r in rows])
        for reward, key in REWARDS:
            for name in rows[0][key]:
                est = np.array([r[key][name]["value"] for r in rows])
                low = np.array([r[key][name]["low"] for r in rows])
                high = np.array([r[key][name]["high"] for r in rows])
                line = f"{target:<20}{name:<13}{reward:<10}{est.mean():>10,.0f}"
                for reference in (truth, logged):
                    cover = np.mean((low <= reference) & (reference <= high))
                    bias = est.mean() / reference.mean() - 1
                    line += f"{reference.mean():>9,.0f}{bias:>+8.1%}{cover:>7.0%}"
                print(line)
        print(f"{target:<20}effective sample size {ess:.2%} of the logged requests")
    print(f"{time.monotonic() - started:.0f}s")
    return 0


if __name__ == "__main__":
    sys.exit(main())

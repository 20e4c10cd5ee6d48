"""How fast the simulator answers requests, beside the flow's decision rate on the same world.

The simulator: `feed` and `random` (and any --policies) in closed loop, one process, warm-up excluded from
the rate (requests answered per second of the loop: decisions, sampled responses, and the flow's feature and
label stages learning from them). The flow: the full flow's stages (features, labels, online model,
decisions) in the plain loop over the world's first --flow-days of organic log, decisions per second.

    python benchmark/simulator_speed.py --world runs/demo/world --days 1
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # run from a checkout without installing

import pyarrow.compute as pc  # noqa: E402

from flows.runner import tune_gc  # noqa: E402
from flows.settings import FlowSettings  # noqa: E402
from flows.stages.decode import RawRecord  # noqa: E402
from flows.stages.pipeline import StagePipeline  # noqa: E402
from flows.stages.protocol import DECISION  # noqa: E402
from giftlive.events import END_OF_PARTITION, encode  # noqa: E402
from replay.synth.params import DAY_MS  # noqa: E402
from simulator.closed_loop import simulate  # noqa: E402
from simulator.comparison import load_setup  # noqa: E402
from simulator.metrics import measure  # noqa: E402
from simulator.policies import POLICIES  # noqa: E402


def flow_decision_rate(setup, days: float) -> tuple[int, float]:
    """(decisions, decisions per second) of the full flow's stages over the first ``days`` of the log."""
    log = setup.log
    start = int(pc.min(log["ts"]).as_py())
    part = log.filter(pc.less(log["ts"], start + int(days * DAY_MS))).to_pylist()
    records = [
        RawRecord(0, i, None, encode({k: v for k, v in row.items() if v is not None}))
        for i, row in enumerate(part)
    ]
    records.append(RawRecord(0, len(records), None, None, END_OF_PARTITION))
    pipeline = StagePipeline(FlowSettings(events_path=Path("bench"), out_dir=Path("bench")))
    started = time.perf_counter()
    for i in range(0, len(records), 2_000):
        pipeline.feed(records[i : i + 2_000])
    pipeline.finish()
    seconds = time.perf_counter() - started
    return pipeline.counts[DECISION], pipeline.counts[DECISION] / seconds


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--world", type=Path, required=True)
    parser.add_argument("--policies", default="feed,random")
    parser.add_argument("--warmup-days", type=int, default=7)
    parser.add_argument("--days", type=int, default=1, help="closed-loop days (1)")
    parser.add_argument("--flow-days", type=float, default=1.0, help="days of log for the flow's rate (1)")
    args = parser.parse_args()
    tune_gc()
    setup = load_setup(args.world, args.warmup_days, args.days)
    print(f"{args.world}: {args.days} closed-loop day(s) after {args.warmup_days} warm-up days, one process")
    for name in args.policies.split(","):
        run = simulate(setup, POLICIES[name], 1, None)
        rate = measure(setup, run).requests_per_s
        print(f"  simulator {name:<12}{run.requests:>10,} requests  {rate:>10,.0f} requests/s (goal 20,000)")
    decisions, rate = flow_decision_rate(setup, args.flow_days)
    print(f"  flow (full, plain loop){decisions:>10,} decisions {rate:>10,.0f} decisions/s")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""The allocator's pair factor side by side: the hand-set boost (the baseline) against the pair lift of the
online river model and of the offline LightGBM models, scored by a synthetic world's ground truth.

1. A synthetic world (cached in --cache, like benchmark/flow_throughput.py) and its event log.
2. The flow with the boost: decisions and the training table. `giftlive train` on it (--split): the offline
   models see the train and validation days only.
3. The flow again with --allocator-model online, then offline (same log, seed and caps).
4. Every decision on the test days is scored with the world's truth: the expected gift value of showing
   that streamer's room to that user at that time, P(click | shown) x E[amount | click] (0 when no room
   was served). Printed: mean value per request, the paired difference to the boost with a bootstrap 95 %
   interval (requests resampled), the share of requests whose room changed, and each flow's seconds.

Open loop: the decisions do not change the log (users still behave as the organic feed made them, and the
posteriors and models learn from that log), so this measures one step of allocation, not the long-run
effect of a policy; the capacity saturation of the world is not in the truth value either.

    python benchmark/allocator_models.py                 # 800 users, 10,000 streamers, 21 days
    python benchmark/allocator_models.py --users 400 --streamers 5000 --days 9 --split 3,3,3
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # run from a checkout without installing

import numpy as np  # noqa: E402
import pyarrow.parquet as pq  # noqa: E402
from flow_throughput import synthetic_log  # noqa: E402
from open_loop import truth_value  # noqa: E402

from allocator.policy import PAIR_MODELS, PolicyConfig  # noqa: E402
from estimation.split import parse_split, split_masks  # noqa: E402
from estimation.training import train_models  # noqa: E402
from evaluation.metrics import bootstrap_ci  # noqa: E402
from flows.outputs import output_files  # noqa: E402
from flows.runner import run_flow  # noqa: E402
from flows.settings import FlowSettings  # noqa: E402
from replay.synth.truth import GroundTruth  # noqa: E402

WIDTHS = (12, 15, 11, 22, 15, 9)


def decide(events: Path, out: Path, pair_model: str, models: Path | None) -> tuple[float, list[dict]]:
    """(seconds, decisions sorted by request) of the flow with this pair factor."""
    settings = FlowSettings(
        events_path=events,
        out_dir=out,
        policy=PolicyConfig(pair_model=pair_model),
        model_dir=models if pair_model == "offline" else None,
    )
    seconds = run_flow(settings)
    table = pq.read_table(
        output_files(out)["decisions"], columns=["request_id", "ts", "user_id", "streamer_id"]
    )
    return seconds, table.sort_by("request_id").to_pylist()


def truth_values(truth: GroundTruth, decisions: list[dict]) -> np.ndarray:
    """The world's expected gift value of each decision's exposure; 0 for a request served no room."""
    return truth_value(
        truth,
        np.array([d["user_id"] for d in decisions], dtype=np.int64),
        np.array([-1 if d["streamer_id"] is None else d["streamer_id"] for d in decisions], dtype=np.int64),
        np.array([d["ts"] for d in decisions], dtype=np.int64),
    )


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--cache", type=Path, default=ROOT / "runs" / "allocator-bench", help="(runs/allocator-bench)"
    )
    parser.add_argument("--users", type=int, default=800, help="users of the synthetic world (800)")
    parser.add_argument("--streamers", type=int, default=10_000, help="streamers of the world (10000)")
    parser.add_argument("--days", type=int, default=21, help="days of the world (21)")
    parser.add_argument("--split", default="7,7,7", help="train,validation,test days (7,7,7)")
    parser.add_argument("--bootstrap", type=int, default=200, help="bootstrap draws of the intervals (200)")
    args = parser.parse_args()
    days = parse_split(args.split)
    events = synthetic_log(args.cache, args.users, args.streamers, args.days)
    truth = GroundTruth.load(args.cache / "world")

    results: dict[str, tuple[float, list[dict]]] = {}
    models = args.cache / "models"
    for pair_model in PAIR_MODELS:
        print(f"flow with the {pair_model} pair factor ...", file=sys.stderr, flush=True)
        results[pair_model] = decide(events, args.cache / pair_model, pair_model, models)
        if pair_model == "boost":
            train_models(output_files(args.cache / "boost")["training"], days, models)

    baseline = results["boost"][1]
    first_click = pq.read_table(args.cache / "boost" / "training.parquet", columns=["click_ts"])["click_ts"]
    start = int(first_click.to_numpy().min())  # the test days are the ones `giftlive train` held out
    test = split_masks(np.array([d["ts"] for d in baseline]), days, start)[2]
    base_values = truth_values(truth, baseline)[test]
    base_rooms = [d["streamer_id"] for d, keep in zip(baseline, test, strict=True) if keep]
    print(f"\n{int(test.sum()):,} requests on the {days[2]} test days")
    print("value = the world's P(click | shown) x E[amount | click] of the room served (0 for none)")
    header = ("pair factor", "value/request", "vs boost", "95% interval", "rooms changed", "flow s")
    print(
        "".join(
            f"{h:<12}" if i == 0 else f"{h:>{w}}" for i, (h, w) in enumerate(zip(header, WIDTHS, strict=True))
        )
    )
    for pair_model, (seconds, decisions) in results.items():
        assert [d["request_id"] for d in decisions] == [d["request_id"] for d in baseline]
        values = truth_values(truth, decisions)[test]
        rooms = [d["streamer_id"] for d, keep in zip(decisions, test, strict=True) if keep]
        changed = np.mean([a != b for a, b in zip(rooms, base_rooms, strict=True)])
        ratio = values.mean() / base_values.mean()
        low, high = bootstrap_ci(
            lambda v, b: v.mean() / b.mean(), [values, base_values], draws=args.bootstrap
        )
        print(
            f"{pair_model:<12}{values.mean():>15.4f}{ratio:>10.3f}x{f'[{low:.3f}, {high:.3f}]':>22}"
            f"{changed:>14.1%}{seconds:>9.0f}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())

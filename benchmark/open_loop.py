"""The flow's own decisions against the organic feed they would replace, in open loop, by a world's truth.

For each named policy (allocator/named.py) the flow runs over a synthetic world's event log (`giftlive run
--events ... --policy NAME`); every request (a logged impression or click) from --from-day on is scored with
the world's truth: the expected gift value of showing the chosen room to that user at that time,
P(click | shown) x E[amount | click] (0 when no room was served). The baseline is the room the feed showed
for the same request (the logged event's own room). Printed per policy: value per request, the ratio to the
feed with a 95 % interval resampling days (requests of one day share the posteriors and rounds, so days
are the independent unit), the share of requests served a cold-start room, and the flow's seconds.

Open loop: the log does not react to the decisions (users behave as the feed made them; posteriors learn from
that log), so this measures one step of allocation; the closed loop is `giftlive simulate`.

    python benchmark/open_loop.py --world runs/w400                  # a world from `giftlive data synth`
    python benchmark/open_loop.py --policies thompson,thompson-v2    # the cached default world
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # run from a checkout without installing

import numpy as np  # noqa: E402
import pyarrow as pa  # noqa: E402
import pyarrow.compute as pc  # noqa: E402
import pyarrow.parquet as pq  # noqa: E402
from flow_throughput import synthetic_log  # noqa: E402

from allocator.named import NAMED_POLICIES  # noqa: E402
from flows.outputs import output_files  # noqa: E402
from flows.runner import run_flow  # noqa: E402
from flows.settings import FlowSettings  # noqa: E402
from replay.kuailive_convert import convert  # noqa: E402
from replay.synth.params import DAY_MS  # noqa: E402
from replay.synth.truth import GroundTruth  # noqa: E402


def truth_value(truth: GroundTruth, users: np.ndarray, streamers: np.ndarray, ts: np.ndarray) -> np.ndarray:
    """P(click | shown) x E[amount | click] of each exposure; 0 where ``streamers`` is -1 (no room)."""
    served = streamers >= 0
    values = np.zeros(users.size)
    values[served] = truth.expected_value_of_exposure(users[served], streamers[served], ts[served])
    return values


def day_ratio_interval(
    policy: np.ndarray, feed: np.ndarray, day: np.ndarray, draws: int = 2000, seed: int = 0
) -> tuple[float, float]:
    """95 % percentile interval of sum(policy) / sum(feed), resampling whole days."""
    days = np.unique(day)
    per_policy = np.array([policy[day == d].sum() for d in days])
    per_feed = np.array([feed[day == d].sum() for d in days])
    rng = np.random.default_rng(seed)
    pick = rng.integers(0, days.size, (draws, days.size))
    ratios = per_policy[pick].sum(axis=1) / per_feed[pick].sum(axis=1)
    low, high = np.percentile(ratios, [2.5, 97.5])
    return float(low), float(high)


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--world", type=Path, help="a world from `giftlive data synth` (default: the cached one)"
    )
    parser.add_argument("--cache", type=Path, default=ROOT / "runs" / "open-loop", help="(runs/open-loop)")
    parser.add_argument("--policies", default="thompson,thompson-v2,greedy-v2", metavar="A,B")
    parser.add_argument("--from-day", type=int, default=7, help="score requests from this day on (7)")
    args = parser.parse_args()
    names = [n.strip() for n in args.policies.split(",") if n.strip()]
    unknown = [n for n in names if n not in NAMED_POLICIES]
    if unknown:
        parser.error(f"no policy {', '.join(unknown)}; choose from {', '.join(NAMED_POLICIES)}")
    if args.world is None:
        events = synthetic_log(args.cache, 800, 10_000, 21)
        world = args.cache / "world"
    else:
        world = args.world
        events = world / "events.parquet"
        if not events.exists():
            convert(world, events)
    truth = GroundTruth.load(world)
    log = pq.read_table(events, columns=["id", "type", "ts", "user_id", "streamer_id"])
    requests = log.filter(pc.is_in(log["type"], pa.array([1, 2], pa.int8())))  # impressions and clicks
    start = int(pc.min(log["ts"]).as_py()) + args.from_day * DAY_MS
    requests = requests.filter(pc.greater_equal(requests["ts"], start)).sort_by("id")
    users = requests["user_id"].to_numpy()
    ts = requests["ts"].to_numpy()
    day = (ts - start) // DAY_MS
    feed = truth_value(truth, users, requests["streamer_id"].to_numpy(), ts)
    print(f"{requests.num_rows:,} requests from day {args.from_day} on; feed {feed.mean():.4f} per request")
    print(f"{'policy':<14}{'value/request':>14}{'vs feed':>9}{'95% CI (days)':>18}{'cold':>7}{'flow s':>8}")
    for name in names:
        out = args.cache / "flows" / name
        settings = FlowSettings(
            events_path=events, out_dir=out, policy=NAMED_POLICIES[name].config, online_model=False
        )
        print(f"  running the flow with {name} ...", file=sys.stderr, flush=True)
        seconds = run_flow(settings)
        decisions = pq.read_table(
            output_files(out)["decisions"], columns=["request_id", "streamer_id", "cold_start"]
        )
        decisions = decisions.filter(pc.is_in(decisions["request_id"], requests["id"])).sort_by("request_id")
        if decisions.num_rows != requests.num_rows:
            raise SystemExit(f"{name}: {decisions.num_rows:,} decisions for {requests.num_rows:,} requests")
        chosen = decisions["streamer_id"].fill_null(-1).to_numpy()
        values = truth_value(truth, users, chosen, ts)
        low, high = day_ratio_interval(values, feed, day)
        cold = float(pc.mean(decisions["cold_start"].cast(pa.float64())).as_py())
        ratio = values.sum() / feed.sum()
        print(
            f"{name:<14}{values.mean():>14.4f}{ratio:>8.2f}x{f'[{low:.2f}, {high:.2f}]':>18}"
            f"{cold:>7.1%}{seconds:>8.0f}",
            flush=True,
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""`giftlive simulate`: allocation policies side by side in closed loop against a synthetic world's truth."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from giftlive.errors import UserError

EPILOG = """\
examples:
  giftlive data synth --out runs/w400 --users 400 --streamers 5000 --days 21
  giftlive simulate --world runs/w400 --seeds 5                      # every policy, 5 seeds, table
  giftlive simulate --world runs/w400 --policies feed,thompson,oracle --seeds 3 --json sim.json
  giftlive simulate --world runs/w400 --seeds 2 --out runs/sim --report runs/sim.html

Every policy faces the same rooms and the world's feed requests (user, time). Warm-up days replay the
world's organic log through the flow's stages; after that each request is answered by the policy and the
world's truth samples the response (click, watch, gifts with delays, likes, comments), which goes back
through the same feature, label and posterior code. Responses use common random numbers keyed by (seed,
request, streamer). Figures are means over seeds with 95% t-intervals over seeds.

policies: {policies}
"""


def register(sub: argparse._SubParsersAction) -> None:
    from simulator.policies import POLICIES

    width = max(map(len, POLICIES)) + 2
    listing = "\n".join(f"  {name:<{width}}{p.description}" for name, p in POLICIES.items())
    parser = sub.add_parser(
        "simulate",
        help="closed-loop simulation of allocation policies against a synthetic world's truth",
        description=__doc__,
        epilog=EPILOG.format(policies="\n" + listing),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--world", type=Path, required=True, metavar="DIR", help="a world from `data synth`")
    parser.add_argument(
        "--policies", default=",".join(POLICIES), metavar="A,B", help="comma-separated (default: all)"
    )
    parser.add_argument("--seeds", type=int, default=5, metavar="N", help="seeds 1..N (5)")
    parser.add_argument("--warmup-days", type=int, default=7, metavar="D", help="organic days first (7)")
    parser.add_argument("--days", type=int, metavar="D", help="closed-loop days (default: the rest)")
    parser.add_argument(
        "--out", type=Path, metavar="DIR", help="DIR/<policy>/seed<k>/{events,decisions}.parquet"
    )
    parser.add_argument("--json", type=Path, metavar="PATH", help="write the figures as JSON")
    parser.add_argument("--report", type=Path, metavar="PATH", help="write an HTML report with plots")
    parser.add_argument(
        "--ope",
        action="store_true",
        help="also estimate the frozen random, thompson and thompson-v2 policies off-policy from the feed's "
        "logs, beside their closed-loop truth (IPS, clipped IPS, SNIPS, DR on the realised gifts, and each "
        "again with every gift's amount its giver's mean elsewhere in the log, '+amount'; into --json and "
        "--report)",
    )
    parser.add_argument("--processes", type=int, default=2, metavar="N", help="runs at a time (2)")
    parser.add_argument("--step", type=float, default=60, metavar="S", help="decision step, seconds (60)")
    parser.add_argument(
        "--capacity",
        type=int,
        metavar="N",
        help="what the capped policies assume a streamer takes: hard caps hold N allocations, capacity "
        "prices N viewers (default: each policy's own: 50 allocations)",
    )
    parser.set_defaults(run=_run)


def _run(args: argparse.Namespace) -> int:
    from simulator.comparison import check_policies, compare, compare_off_policy
    from simulator.table import as_json, format_off_policy, format_table

    if args.seeds < 1 or args.processes < 1 or args.step <= 0:
        raise UserError("--seeds and --processes must be >= 1 and --step > 0")
    if args.capacity is not None and args.capacity < 1:
        raise UserError(f"--capacity must be >= 1, got {args.capacity}")
    policies = check_policies([p.strip() for p in args.policies.split(",") if p.strip()])
    comparison = compare(
        args.world,
        policies,
        list(range(1, args.seeds + 1)),
        warmup_days=args.warmup_days,
        days=args.days,
        out=args.out,
        processes=args.processes,
        step_ms=int(args.step * 1000),
        capacity=args.capacity,
    )
    print(format_table(comparison))
    ope = None
    if args.ope:
        ope = compare_off_policy(
            args.world,
            comparison.seeds,
            args.warmup_days,
            args.days,
            args.processes,
            int(args.step * 1000),
        )
        print(format_off_policy(ope))
    if args.json is not None:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(as_json(comparison, ope), indent=2))
        print(f"json: {args.json}")
    if args.report is not None:
        from simulator.report import write_report

        write_report(comparison, args.report, ope)
        print(f"report: {args.report}")
    return 0

"""`giftlive demo`: the main job on the embedded default, end to end, in one folder.

Synthesize the default world (reused when already there with the same parameters), print its statistics
beside KuaiLive's, convert it to the canonical event log, start the local broker (or use KAFKA_BOOTSTRAP),
replay the log into Kafka, tail a few decoded records back and print a summary.
"""

from __future__ import annotations

import argparse
import io
import json
import time
from pathlib import Path

from giftlive.config import EVENTS_TOPIC


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser(
        "demo",
        help="run the main job on the embedded default (synthetic world -> local broker -> replay -> tail)",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--out", type=Path, default=Path("runs/demo"), help="folder for every output")
    parser.add_argument("--users", type=int, default=None, help="world size (default: the demo scale)")
    parser.add_argument("--streamers", type=int, default=None, help="world size (default: the demo scale)")
    parser.add_argument("--days", type=int, default=None, help="days of logs (default: 21)")
    parser.add_argument("--seed", type=int, default=7, help="world seed")
    parser.add_argument("--tail", type=int, default=5, help="records to tail back from the events topic")
    parser.set_defaults(run=run_demo)


def run_demo(args: argparse.Namespace) -> int:
    from replay.broker import broker_for
    from replay.kuailive_convert import convert, print_report
    from replay.kuailive_stats import compute_stats, format_stats
    from replay.producer import replay_events
    from replay.synth.cli import params_from_args
    from replay.synth.world import synthesize
    from replay.tail import tail

    started = time.monotonic()
    out: Path = args.out
    world = out / "world"
    params = params_from_args(args)
    stamp = world / "truth" / "params.json"
    wanted = json.dumps(params.__dict__, sort_keys=True)
    if stamp.exists() and json.dumps(json.loads(stamp.read_text()), sort_keys=True) == wanted:
        print(f"[1/5] reusing the synthetic world in {world}")
    else:
        print(f"[1/5] synthesizing the default world into {world}")
        synthesize(world, params, progress=True)

    print("\n[2/5] its statistics beside KuaiLive's")
    stats = compute_stats(world)
    print(format_stats(stats))

    print("\n[3/5] converting to the canonical event log")
    events = out / "events.parquet"
    report = convert(world, events, progress=True)
    print_report(report)

    print("\n[4/5] replaying into Kafka")
    with broker_for(None) as bootstrap:
        print(f"broker: {bootstrap}")
        replayed = replay_events(events, bootstrap, topic=EVENTS_TOPIC, progress=True)
        print(replayed.summary())
        print(f"\n[5/5] tailing {args.tail} records back from {EVENTS_TOPIC}")
        buffer = io.StringIO()
        shown = tail(EVENTS_TOPIC, bootstrap, from_beginning=True, limit=args.tail, timeout_s=15, out=buffer)
        print(buffer.getvalue(), end="")

    print("\nsummary")
    print(f"  world              {world} ({stats['users']:,} users, {stats['streamers']:,} streamers)")
    rate = stats["gift_rate"]
    print(f"  clicks / gifts     {stats['clicks']:,} / {stats['gifts']:,} (gift rate {rate:.2%})")
    print(f"  events replayed    {replayed.delivered:,} at {replayed.events_per_s:,.0f} events/s")
    print("  by type            " + ", ".join(f"{k} {v:,}" for k, v in sorted(replayed.by_type.items())))
    print(f"  tailed back        {shown} records")
    print(f"  outputs            {out}/ (world/, events.parquet, events.rejects.parquet)")
    print(f"  total time         {time.monotonic() - started:.0f}s")
    return 0

"""`giftlive tail`: watch any GiftLive topic, readable or as raw JSON lines."""

from __future__ import annotations

import argparse

from cli.kafka_args import add_kafka_args, kafka_settings
from cli.replay import require_bootstrap
from giftlive.errors import UserError

EPILOG = """\
examples:
  giftlive tail giftlive.events --bootstrap 127.0.0.1:9092            # new events as they arrive
  giftlive tail giftlive.events --from-beginning --limit 20           # the first 20 (uses $KAFKA_BOOTSTRAP)
  giftlive tail giftlive.decisions --json | jq .                      # raw JSON lines for scripts
  giftlive tail giftlive.labels --from-beginning --idle-timeout 5     # stop after 5 s without records

Stops with Ctrl-C, after --limit records, or after --idle-timeout seconds without records.
Reads by partition assignment with no consumer group, so it never affects the flow's offsets.
"""


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser(
        "tail",
        help="print a topic's records as they arrive (events readable, or raw JSON)",
        description="Print the records of TOPIC, one line each: events as time, type, user, streamer, room "
        "and amount or watch time; other JSON records as key=value pairs; or the raw JSON with --json.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("topic", metavar="TOPIC", help="e.g. giftlive.events, giftlive.decisions")
    parser.add_argument(
        "--bootstrap",
        metavar="HOST:PORT",
        default=None,
        help="Kafka bootstrap servers (default: $KAFKA_BOOTSTRAP)",
    )
    parser.add_argument(
        "--from-beginning", action="store_true", help="start at the oldest record, not new ones"
    )
    parser.add_argument("--limit", type=int, metavar="N", default=None, help="stop after N records")
    parser.add_argument("--json", action="store_true", help="print each record value as one raw JSON line")
    parser.add_argument(
        "--idle-timeout", type=float, metavar="S", default=None, help="exit after S seconds without records"
    )
    add_kafka_args(parser)
    parser.set_defaults(run=_run)


def _run(args: argparse.Namespace) -> int:
    from replay.tail import tail

    if args.limit is not None and args.limit < 1:
        raise UserError(f"--limit must be >= 1, got {args.limit}")
    if args.idle_timeout is not None and args.idle_timeout <= 0:
        raise UserError(f"--idle-timeout must be > 0, got {args.idle_timeout}")
    tail(
        args.topic,
        require_bootstrap(args.bootstrap),
        from_beginning=args.from_beginning,
        limit=args.limit,
        as_json=args.json,
        timeout_s=args.idle_timeout,
        client=kafka_settings(args),
    )
    return 0

"""`giftlive replay`: push an event log (or a KuaiLive directory) into Kafka in event-time order."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from cli.kafka_args import add_kafka_args, kafka_settings
from giftlive.config import DEFAULT_PARTITIONS, EVENTS_TOPIC, bootstrap_from_env
from giftlive.errors import UserError

EPILOG = """\
examples:
  giftlive broker                                   # in another terminal: a local broker, prints its address
  giftlive replay runs/world --bootstrap 127.0.0.1:9092
  KAFKA_BOOTSTRAP=127.0.0.1:9092 giftlive replay events.parquet --speed 600  # 1 h of event time per 6 s
  giftlive replay events.parquet --bootstrap kafka:19092 --topic giftlive.events --partitions 8

Replaying twice is safe: ids and keys come from the log, so consumers drop the duplicates.
--speed X keeps event time running X times faster than wall time, idle gaps included.
After the last event every partition gets an end-of-partition control record (empty value, header
giftlive-control: end-of-partition) unless --no-end-markers is given. A flow that has read the markers treats
the partition as finished: events replayed into the same topic afterwards are dead-lettered as late, so
replay more events into a fresh topic, or pass --no-end-markers to every replay but the last.
"""


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser(
        "replay",
        help="replay an event log or KuaiLive directory into Kafka, in event-time order",
        description=(
            "Produce every event of SOURCE to a Kafka topic in event-time order, keyed by user (room events "
            "by room) so each user's events stay in order within a partition. Prints progress to stderr."
        ),
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "source",
        type=Path,
        metavar="SOURCE",
        help="events .parquet file, or a KuaiLive directory (converted once)",
    )
    parser.add_argument(
        "--bootstrap",
        metavar="HOST:PORT",
        default=None,
        help="Kafka bootstrap servers (default: $KAFKA_BOOTSTRAP)",
    )
    pace = parser.add_mutually_exclusive_group()
    pace.add_argument(
        "--speed", type=float, metavar="X", default=None, help="X times real time on event time (e.g. 60)"
    )
    pace.add_argument("--max-speed", action="store_true", help="as fast as the broker accepts (the default)")
    parser.add_argument(
        "--partitions",
        type=int,
        default=DEFAULT_PARTITIONS,
        metavar="N",
        help=f"partitions if the topic must be created (default: {DEFAULT_PARTITIONS})",
    )
    parser.add_argument("--topic", default=EVENTS_TOPIC, metavar="T", help=f"topic (default: {EVENTS_TOPIC})")
    parser.add_argument(
        "--no-end-markers",
        dest="end_markers",
        action="store_false",
        help="do not write the end-of-partition control record to every partition after the last event. "
        "The markers let a flow that tails the topic close its label windows once the replay is over; "
        "consumers that tail the topic must skip records with the giftlive-control header",
    )
    add_kafka_args(parser)
    parser.set_defaults(run=_run)


def require_bootstrap(explicit: str | None) -> str:
    """--bootstrap, else KAFKA_BOOTSTRAP, else a UserError saying how to get a broker."""
    bootstrap = explicit or bootstrap_from_env()
    if not bootstrap:
        raise UserError(
            "no Kafka to talk to: pass --bootstrap HOST:PORT, set KAFKA_BOOTSTRAP=HOST:PORT, or start a "
            "local broker with `giftlive broker` (it prints the address to use)"
        )
    return bootstrap


def _run(args: argparse.Namespace) -> int:
    from replay.kafka_topics import check_reachable
    from replay.producer import replay_events

    if args.partitions < 1:
        raise UserError(f"--partitions must be >= 1, got {args.partitions}")
    bootstrap = require_bootstrap(args.bootstrap)
    client = kafka_settings(args)
    check_reachable(bootstrap, client=client)
    report = replay_events(
        args.source,
        bootstrap,
        topic=args.topic,
        speed=args.speed,
        partitions=args.partitions,
        progress=True,
        end_markers=args.end_markers,
        client=client,
    )
    print(report.summary(), file=sys.stderr)
    return 0

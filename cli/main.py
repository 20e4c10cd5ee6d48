"""`giftlive` console script: argparse wiring only; each subcommand lives in its own module of cli/."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from cli import broker, data, demo, evaluate, replay, run, simulate, tail, train
from giftlive import __version__
from giftlive.errors import UserError

COMMANDS = (
    data.register,
    replay.register,
    run.register,
    train.register,
    evaluate.register,
    simulate.register,
    tail.register,
    broker.register,
    demo.register,
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="giftlive",
        description=(
            "GiftLive: replay KuaiLive (real or synthetic) gifting logs through Kafka, run the streaming "
            "flow and tail its outputs. Set KAFKA_BOOTSTRAP=HOST:PORT to use a real cluster."
        ),
    )
    parser.add_argument("--version", action="version", version=f"giftlive {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for register in COMMANDS:
        register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args.run(args) or 0)
    except UserError as exc:
        print(f"giftlive {args.command}: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"giftlive {args.command}: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())

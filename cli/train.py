"""`giftlive train`: LightGBM estimators of a click's gift value on the flow's point-in-time table."""

from __future__ import annotations

import argparse
from pathlib import Path

EPILOG = """\
examples:
  giftlive run --events runs/demo/events.parquet --out runs/flow --no-decisions   # the training table
  giftlive train --table runs/flow/training.parquet --out runs/models
  giftlive train --table kuailive-flow/training.parquet --split 7,7,7           # the seed's KuaiLive split

Trains, on the same clicks and split: a direct regressor of the attributed amount (raw target and log1p
target) and a two-stage model, P(gift) classifier x E[amount | gift] regressor; each early-stopped on the
validation days. The test days are not touched (that is `giftlive eval`). Writes LightGBM model files and
bundle.json (format version, features, category vocabulary, split, validation figures) to --out.
"""


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser(
        "train",
        help="train LightGBM gift-value models (direct raw/log, two-stage) on a training table",
        description=__doc__,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--table", type=Path, required=True, metavar="PATH", help="training.parquet of a run")
    parser.add_argument("--split", default="7,7,7", metavar="T,V,E", help="train,validation,test UTC days")
    parser.add_argument("--out", type=Path, default=Path("runs/models"), metavar="DIR", help="(runs/models)")
    parser.set_defaults(run=run_train)


def run_train(args: argparse.Namespace) -> int:
    from estimation.split import parse_split
    from estimation.training import train_models

    report = train_models(args.table, parse_split(args.split), args.out)
    print("\n" + "\n".join(report.lines()))
    return 0

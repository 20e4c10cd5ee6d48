"""`giftlive train`: LightGBM estimators of a click's gift value on the flow's point-in-time table."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from giftlive.errors import UserError

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


MIN_GIFTED = 20  # gifted clicks a period needs to fit (train) or early-stop (validation) the amount model


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
    from estimation.bundle import Bundle
    from estimation.dataset import clicks, read_table, vocabulary
    from estimation.gbm import Direct, TwoStage
    from estimation.split import describe_split, parse_split, split_masks
    from evaluation.metrics import ece, pr_auc, revcap, revcap_oracle

    days = parse_split(args.split)
    started = time.monotonic()
    table = read_table(args.table)
    vocab = vocabulary(table)
    data = clicks(table, vocab)
    train_mask, valid_mask, test_mask = split_masks(data.click_ts, days)
    train, valid = data.take(train_mask), data.take(valid_mask)
    for name, part in (("train", train), ("validation", valid)):
        if part.gifted.sum() < MIN_GIFTED:
            raise UserError(
                f"the {name} days of --split {args.split} hold {int(part.gifted.sum())} gifted clicks; the "
                f"models need at least {MIN_GIFTED}: give those periods more days or use a larger log"
            )
    print(
        f"table {args.table}: {len(data.ids):,} clicks; train {len(train.ids):,}, "
        f"validation {len(valid.ids):,}, test {int(test_mask.sum()):,} (held out)\n"
        f"split: {describe_split(data.click_ts, days)}",
        file=sys.stderr,
    )
    models = {}
    for name, fit in (
        ("direct_raw", lambda: Direct.fit(train, valid, log_target=False)),
        ("direct_log", lambda: Direct.fit(train, valid, log_target=True)),
        ("two_stage", lambda: TwoStage.fit(train, valid)),
    ):
        print(f"training {name} ...", file=sys.stderr)
        models[name] = fit()
    oracle = revcap_oracle(valid.amount, 0.01)
    figures = {}
    print(f"\nvalidation days ({len(valid.ids):,} clicks)   RevCap@1%  nRevCap@1%")
    for name, model in models.items():
        value = model.predict(valid.features)
        capture = revcap(valid.amount, value, 0.01)
        figures[name] = {"revcap_1": capture, "nrevcap_1": capture / oracle}
        print(f"  {name:<28}{capture:>10.3f}{capture / oracle:>12.3f}")
    p = models["two_stage"].p_gift(valid.features)
    figures["two_stage"] |= {"pr_auc": pr_auc(valid.gifted, p), "ece": ece(valid.gifted, p)}
    two = figures["two_stage"]
    print(f"  two-stage P(gift): PR-AUC {two['pr_auc']:.3f}, ECE {two['ece']:.4f}")
    meta = {"table": str(args.table), "split_days": list(days), "validation": figures}
    Bundle(models["direct_raw"], models["direct_log"], models["two_stage"], vocab, meta).save(args.out)
    print(f"models in {args.out}/ ({time.monotonic() - started:.0f}s)")
    return 0

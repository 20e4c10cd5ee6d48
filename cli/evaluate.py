"""`giftlive eval`: score trained models on the held-out test days of a training table."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

EPILOG = """\
examples:
  giftlive eval --table runs/flow/training.parquet --models runs/models --world runs/demo/world
  giftlive eval --table runs/flow/training.parquet --models runs/models --json > eval.json
  giftlive eval ... --predictions-out runs/predictions.parquet

Rows: the truth-EV reference (with --world: the synthetic world's expected amount of each click, load from
the room's viewers at the click), direct raw, direct log and two-stage models, and with --online the flow's
online river model (its prediction at each click, before that click's labels). Columns: RevCap@1% (share of
test revenue in the top 1% of clicks by predicted value) and nRevCap = RevCap / oracle, top-1% set capture,
NDCG@100 (gain = amount), Spearman, PR-AUC, ROC-AUC, ECE (10 quantile bins) and log loss of P(gift) where the
model has one, MAE of log1p amount on gifted clicks; bootstrap 95% intervals on RevCap@1% and on the
two-stage minus best-direct difference (paired). JSON: models -> name -> metrics.
"""


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser(
        "eval",
        help="compare trained models (and the truth EV of a synthetic world) on the test days",
        description=__doc__,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--table", type=Path, required=True, metavar="PATH", help="training.parquet of a run")
    parser.add_argument(
        "--models", type=Path, default=Path("runs/models"), metavar="DIR", help="(runs/models)"
    )
    parser.add_argument(
        "--world", type=Path, metavar="DIR", help="synthetic world with truth/ (adds truth EV)"
    )
    parser.add_argument("--split", metavar="T,V,E", help="(default: the split the models were trained with)")
    parser.add_argument("--bootstrap", type=int, default=100, metavar="N", help="bootstrap resamples (100)")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON instead of a table")
    parser.add_argument("--predictions-out", type=Path, metavar="PATH", help="one row per test click")
    parser.add_argument(
        "--online",
        type=Path,
        metavar="PATH",
        help="the flow's predictions.parquet: adds the online river model (predicted at each click)",
    )
    parser.add_argument(
        "--report",
        type=Path,
        default=Path("runs/eval.html"),
        metavar="PATH",
        help="HTML report (runs/eval.html)",
    )
    parser.set_defaults(run=run_eval)


def run_eval(args: argparse.Namespace) -> int:
    from estimation.split import parse_split
    from evaluation.model_comparison import format_comparison
    from evaluation.model_evaluation import evaluate_models

    truth = None
    if args.world is not None:
        from replay.synth.truth import GroundTruth

        truth = GroundTruth.load(args.world)
    evaluation = evaluate_models(
        args.table,
        args.models,
        args.report,
        days=parse_split(args.split) if args.split else None,
        truth=truth,
        online=args.online,
        draws=args.bootstrap,
        predictions_out=args.predictions_out,
    )
    result = evaluation.comparison
    if args.json:
        figures = {
            "clicks": result.clicks,
            "gifted": result.gifted,
            "models": result.rows,
            "intervals": result.intervals,
            "direct_vs_two_stage": result.direct_vs_two_stage,
        }
        print(json.dumps(figures, indent=2, sort_keys=True))
    else:
        print(format_comparison(result))
    return 0

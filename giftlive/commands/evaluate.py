"""`giftlive eval`: score trained models on the held-out test days of a training table."""

from __future__ import annotations

import argparse
import json
import sys
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
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    from estimation.bundle import Bundle
    from estimation.dataset import clicks, read_table
    from estimation.split import describe_split, parse_split, split_masks
    from evaluation.html_report import render
    from evaluation.model_comparison import ModelScores, compare, format_comparison
    from features.columns import FEATURES

    bundle = Bundle.load(args.models)
    days = parse_split(args.split) if args.split else tuple(bundle.meta["split_days"])
    table = read_table(args.table)
    data = clicks(table, bundle.vocabulary)
    _, _, test_mask = split_masks(data.click_ts, days)
    test = data.take(test_mask)
    print(
        f"scoring {len(test.ids):,} test clicks with the models in {args.models}; "
        f"split: {describe_split(data.click_ts, days)}",
        file=sys.stderr,
    )
    models: dict[str, ModelScores] = {}
    if args.world is not None:
        from replay.synth.truth import GroundTruth

        truth = GroundTruth.load(args.world)
        viewers = test.features[:, FEATURES.index("room_viewers")]
        load = np.nan_to_num(viewers, nan=0.0)
        models["truth_ev"] = ModelScores(
            truth.expected_amount(test.user_id, test.streamer_id, test.click_ts, load),
            truth.p_gift(test.user_id, test.streamer_id, test.click_ts, load),
        )
    models["direct_raw"] = ModelScores(bundle.direct_raw.predict(test.features))
    models["direct_log"] = ModelScores(bundle.direct_log.predict(test.features))
    models["two_stage"] = ModelScores(
        bundle.two_stage.predict(test.features), bundle.two_stage.p_gift(test.features)
    )
    if args.online is not None:
        models["online"] = _online_scores(args.online, test.ids)
    result = compare(test.amount, models, draws=args.bootstrap)
    if args.json:
        print(
            json.dumps(
                {
                    "clicks": result.clicks,
                    "gifted": result.gifted,
                    "models": result.rows,
                    "intervals": result.intervals,
                    "direct_vs_two_stage": result.direct_vs_two_stage,
                },
                indent=2,
                sort_keys=True,
            )
        )
    else:
        print(format_comparison(result))
    delays = table.filter(pc.greater(table["label_count"], 0))
    delays = delays.filter(pc.is_in(delays["click_id"], pa.array(test.ids)))
    first_gift_s = delays["label_first_gift_ms"].to_numpy(zero_copy_only=False).astype(float) / 1000
    importance = dict(
        zip(FEATURES, bundle.two_stage.classifier.feature_importance("gain").tolist(), strict=True)
    )
    page = render(
        result,
        test.amount,
        {name: s.value for name, s in models.items()},
        {name: s.p_gift for name, s in models.items() if s.p_gift is not None},
        first_gift_s,
        importance,
    )
    args.report.parent.mkdir(parents=True, exist_ok=True)
    args.report.write_text(page)
    print(f"report: {args.report}", file=sys.stderr)
    if args.predictions_out is not None:
        columns = {"click_id": test.ids, "amount": test.amount}
        columns |= {name: scores.value for name, scores in models.items()}
        columns |= {f"{name}_p_gift": s.p_gift for name, s in models.items() if s.p_gift is not None}
        args.predictions_out.parent.mkdir(parents=True, exist_ok=True)
        pq.write_table(pa.table(columns), args.predictions_out)
        print(f"predictions: {args.predictions_out}", file=sys.stderr)
    return 0


def _online_scores(path: Path, click_ids: list[str]):  # -> ModelScores
    """The flow's online predictions for ``click_ids``, in that order; a UserError if any is missing."""
    import numpy as np
    import pyarrow.parquet as pq

    from evaluation.model_comparison import ModelScores
    from giftlive.errors import UserError

    try:
        table = pq.read_table(path, columns=["click_id", "p_gift", "value"])
    except OSError as exc:
        raise UserError(f"cannot read the online predictions {path}: {exc}") from None
    where = {click: i for i, click in enumerate(table["click_id"].to_pylist())}
    missing = sum(1 for click in click_ids if click not in where)
    if missing:
        raise UserError(
            f"{path} has no online prediction for {missing:,} test clicks: is it from the same run?"
        )
    rows = np.array([where[click] for click in click_ids])
    return ModelScores(table["value"].to_numpy()[rows], table["p_gift"].to_numpy()[rows])

"""Score trained models on the held-out test days of a training table: the work behind `giftlive eval`.

Rows: the truth-EV reference (given a world's truth: the expected amount of each click, load from the room's
viewers at the click), direct raw, direct log and two-stage models, and the flow's online river model (its
prediction at each click, before that click's labels) when its predictions are given."""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol, TextIO

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from estimation.bundle import Bundle
from estimation.dataset import clicks, read_table
from estimation.split import describe_split, split_masks
from evaluation.html_report import render
from evaluation.model_comparison import Comparison, ModelScores, compare
from features.columns import FEATURES
from giftlive.errors import UserError


class ClickTruth(Protocol):
    """What the truth-EV row needs of a synthetic world's truth (replay.synth.truth.GroundTruth)."""

    def expected_amount(self, users, streamers, ts, load) -> np.ndarray: ...

    def p_gift(self, users, streamers, ts, load) -> np.ndarray: ...


@dataclass(frozen=True)
class ModelEvaluation:
    comparison: Comparison
    report: Path


def evaluate_models(
    table_path: Path,
    models_dir: Path,
    report: Path,
    days: tuple[int, int, int] | None = None,
    truth: ClickTruth | None = None,
    online: Path | None = None,
    draws: int = 100,
    predictions_out: Path | None = None,
    progress: TextIO | None = sys.stderr,
) -> ModelEvaluation:
    """Compare the models on the test days of ``days`` (default: the split they were trained with); write
    the HTML report to ``report`` and, with ``predictions_out``, one row per test click."""
    bundle = Bundle.load(models_dir)
    days = days or tuple(bundle.meta["split_days"])
    table = read_table(table_path)
    data = clicks(table, bundle.vocabulary)
    _, _, test_mask = split_masks(data.click_ts, days)
    test = data.take(test_mask)
    _say(
        progress,
        f"scoring {len(test.ids):,} test clicks with the models in {models_dir}; "
        f"split: {describe_split(data.click_ts, days)}",
    )
    models: dict[str, ModelScores] = {}
    if truth is not None:
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
    if online is not None:
        models["online"] = online_scores(online, test.ids)
    result = compare(test.amount, models, draws=draws)
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
    report.parent.mkdir(parents=True, exist_ok=True)
    report.write_text(page)
    _say(progress, f"report: {report}")
    if predictions_out is not None:
        columns = {"click_id": test.ids, "amount": test.amount}
        columns |= {name: scores.value for name, scores in models.items()}
        columns |= {f"{name}_p_gift": s.p_gift for name, s in models.items() if s.p_gift is not None}
        predictions_out.parent.mkdir(parents=True, exist_ok=True)
        pq.write_table(pa.table(columns), predictions_out)
        _say(progress, f"predictions: {predictions_out}")
    return ModelEvaluation(result, report)


def online_scores(path: Path, click_ids: list[str]) -> ModelScores:
    """The flow's online predictions for ``click_ids``, in that order; a UserError if any is missing."""
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


def _say(progress: TextIO | None, text: str) -> None:
    if progress is not None:
        print(text, file=progress, flush=True)

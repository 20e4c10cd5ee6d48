"""Train the gift-value models on a training table: the work behind `giftlive train`.

On the same clicks and UTC-day split: a direct regressor of the attributed amount (raw and log1p targets) and
a two-stage model, P(gift) classifier x E[amount | gift] regressor, each early-stopped on the validation
days. The test days are not touched. The bundle (LightGBM files + bundle.json) goes to ``out``."""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from estimation.bundle import Bundle
from estimation.dataset import clicks, read_table, vocabulary
from estimation.gbm import Direct, TwoStage
from estimation.split import describe_split, split_masks
from evaluation.metrics import ece, nrevcap, pr_auc, revcap
from giftlive.errors import UserError

MIN_GIFTED = 20  # gifted clicks a period needs to fit (train) or early-stop (validation) the amount model


@dataclass(frozen=True)
class TrainingReport:
    out: Path
    validation_clicks: int
    figures: dict[str, dict[str, float]]  # model -> revcap_1, nrevcap_1 (+ pr_auc, ece for two_stage)
    seconds: float

    def lines(self) -> list[str]:
        rows = [f"validation days ({self.validation_clicks:,} clicks)   RevCap@1%  nRevCap@1%"]
        rows += [
            f"  {name:<28}{f['revcap_1']:>10.3f}{f['nrevcap_1']:>12.3f}" for name, f in self.figures.items()
        ]
        two = self.figures["two_stage"]
        rows.append(f"  two-stage P(gift): PR-AUC {two['pr_auc']:.3f}, ECE {two['ece']:.4f}")
        rows.append(f"models in {self.out}/ ({self.seconds:.0f}s)")
        return rows


def train_models(
    table_path: Path, days: tuple[int, int, int], out: Path, progress: TextIO | None = sys.stderr
) -> TrainingReport:
    """Fit direct raw, direct log and two-stage models on the train days, save them to ``out``; a
    UserError when the train or validation days hold too few gifts to fit."""
    started = time.monotonic()
    table = read_table(table_path)
    vocab = vocabulary(table)
    data = clicks(table, vocab)
    train_mask, valid_mask, test_mask = split_masks(data.click_ts, days)
    train, valid = data.take(train_mask), data.take(valid_mask)
    split = ",".join(map(str, days))
    for name, part in (("train", train), ("validation", valid)):
        if part.gifted.sum() < MIN_GIFTED:
            raise UserError(
                f"the {name} days of --split {split} hold {int(part.gifted.sum())} gifted clicks; the "
                f"models need at least {MIN_GIFTED}: give those periods more days or use a larger log"
            )
    _say(
        progress,
        f"table {table_path}: {len(data.ids):,} clicks; train {len(train.ids):,}, "
        f"validation {len(valid.ids):,}, test {int(test_mask.sum()):,} (held out)\n"
        f"split: {describe_split(data.click_ts, days)}",
    )
    models = {}
    for name, fit in (
        ("direct_raw", lambda: Direct.fit(train, valid, log_target=False)),
        ("direct_log", lambda: Direct.fit(train, valid, log_target=True)),
        ("two_stage", lambda: TwoStage.fit(train, valid)),
    ):
        _say(progress, f"training {name} ...")
        models[name] = fit()
    figures = {}
    for name, model in models.items():
        value = model.predict(valid.features)
        figures[name] = {
            "revcap_1": revcap(valid.amount, value, 0.01),
            "nrevcap_1": nrevcap(valid.amount, value, 0.01),
        }
    p = models["two_stage"].p_gift(valid.features)
    figures["two_stage"] |= {"pr_auc": pr_auc(valid.gifted, p), "ece": ece(valid.gifted, p)}
    meta = {"table": str(table_path), "split_days": list(days), "validation": figures}
    Bundle(models["direct_raw"], models["direct_log"], models["two_stage"], vocab, meta).save(out)
    return TrainingReport(out, len(valid.ids), figures, time.monotonic() - started)


def _say(progress: TextIO | None, text: str) -> None:
    if progress is not None:
        print(text, file=progress, flush=True)

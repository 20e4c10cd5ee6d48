"""A trained set of models on disk: LightGBM text files plus bundle.json (format version, feature list,
category vocabulary, split, smearing factors, validation figures), so the flow or the evaluator can load
exactly what was trained and refuse what it cannot read."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import lightgbm as lgb

from estimation.gbm import Direct, TwoStage
from features.columns import FEATURES
from giftlive.errors import UserError

FORMAT = 1
_FILES = {
    "direct_raw": "direct_raw.txt",
    "direct_log": "direct_log.txt",
    "two_stage_gift": "two_stage_gift.txt",
    "two_stage_amount": "two_stage_amount.txt",
}


@dataclass
class Bundle:
    direct_raw: Direct
    direct_log: Direct
    two_stage: TwoStage
    vocabulary: dict[str, list[str]]
    meta: dict[str, Any]  # split, table, validation figures

    def save(self, directory: Path) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        boosters = {
            "direct_raw": self.direct_raw.booster,
            "direct_log": self.direct_log.booster,
            "two_stage_gift": self.two_stage.classifier,
            "two_stage_amount": self.two_stage.amount,
        }
        for name, booster in boosters.items():
            booster.save_model(str(directory / _FILES[name]), num_iteration=booster.best_iteration)
        manifest = {
            "format": FORMAT,
            "features": list(FEATURES),
            "vocabulary": self.vocabulary,
            "smearing": {"direct_log": self.direct_log.smearing, "two_stage_amount": self.two_stage.smearing},
            **self.meta,
        }
        (directory / "bundle.json").write_text(json.dumps(manifest, indent=2, sort_keys=True))

    @classmethod
    def load(cls, directory: Path) -> Bundle:
        manifest_path = directory / "bundle.json"
        if not manifest_path.is_file():
            raise UserError(
                f"{directory} holds no trained models (no bundle.json): run `giftlive train` first"
            )
        manifest = json.loads(manifest_path.read_text())
        if manifest.get("format") != FORMAT:
            raise UserError(
                f"{directory}: model format {manifest.get('format')}, this GiftLive reads {FORMAT}"
            )
        if manifest.get("features") != list(FEATURES):
            raise UserError(f"{directory}: trained on other features than this GiftLive computes; retrain")
        boosters = {name: lgb.Booster(model_file=str(directory / file)) for name, file in _FILES.items()}
        smearing = manifest["smearing"]
        meta = {
            k: v for k, v in manifest.items() if k not in ("format", "features", "vocabulary", "smearing")
        }
        return cls(
            direct_raw=Direct(boosters["direct_raw"], log_target=False),
            direct_log=Direct(boosters["direct_log"], log_target=True, smearing=smearing["direct_log"]),
            two_stage=TwoStage(
                boosters["two_stage_gift"], boosters["two_stage_amount"], smearing["two_stage_amount"]
            ),
            vocabulary=manifest["vocabulary"],
            meta=meta,
        )


def fingerprint(directory: Path) -> str:
    """A short hash of a saved bundle's files: names the models in decision ids and tells a resumed run
    whether the models on disk are still the ones it started with."""
    digest = hashlib.sha256()
    for name in ["bundle.json", *sorted(_FILES.values())]:
        path = directory / name
        digest.update(path.read_bytes() if path.is_file() else b"")
    return digest.hexdigest()[:10]

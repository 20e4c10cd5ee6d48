"""A trained bundle (``giftlive train``) as the allocator's value function: expected gift value of clicks.

It pickles as its directory and model name, so the decision stage's snapshots stay small and a resumed run
reloads the models from disk (deploying a retrained bundle is a restart)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from estimation.bundle import Bundle
from estimation.dataset import feature_matrix
from giftlive.errors import UserError

MODELS = ("two_stage", "direct_log", "direct_raw")


class OfflineValue:
    def __init__(self, directory: Path, model: str = "two_stage") -> None:
        if model not in MODELS:
            raise UserError(f"offline model {model!r}: choose one of {', '.join(MODELS)}")
        self.directory = Path(directory)
        self.model = model
        self._load()

    def _load(self) -> None:
        bundle = Bundle.load(self.directory)
        self.vocabulary = bundle.vocabulary
        self.predictor = getattr(bundle, self.model)

    @property
    def name(self) -> str:
        return f"offline-{self.model}"

    def values(self, rows: list[tuple]) -> np.ndarray:
        """Expected gift value of a click with each FEATURES tuple."""
        return self.predictor.predict(feature_matrix(rows, self.vocabulary))

    def __getstate__(self) -> dict:
        return {"directory": str(self.directory), "model": self.model}

    def __setstate__(self, state: dict) -> None:
        self.directory = Path(state["directory"])
        self.model = state["model"]
        self._load()

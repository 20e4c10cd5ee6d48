"""A trained bundle (``giftlive train``) as the allocator's value function: expected gift value of clicks.

It pickles as its directory, model name and the bundle's fingerprint, so the decision stage's snapshots stay
small; a resumed run reloads the models from disk and refuses a bundle that changed since (a retrained
bundle is a new run: its decisions carry another policy name)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from estimation.bundle import Bundle, fingerprint
from estimation.dataset import feature_matrix
from giftlive.errors import UserError

MODELS = ("two_stage", "direct_log", "direct_raw")


class OfflineValue:
    def __init__(self, directory: Path, model: str = "two_stage") -> None:
        if model not in MODELS:
            raise UserError(f"offline model {model!r}: choose one of {', '.join(MODELS)}")
        self.directory = Path(directory).resolve()
        self.model = model
        self.fingerprint = fingerprint(self.directory)
        self._load()

    def _load(self) -> None:
        bundle = Bundle.load(self.directory)
        self.vocabulary = bundle.vocabulary
        self.predictor = getattr(bundle, self.model)

    def values(self, rows: list[tuple]) -> np.ndarray:
        """Expected gift value of a click with each FEATURES tuple."""
        return self.predictor.predict(feature_matrix(rows, self.vocabulary))

    def __getstate__(self) -> dict:
        return {"directory": str(self.directory), "model": self.model, "fingerprint": self.fingerprint}

    def __setstate__(self, state: dict) -> None:
        self.directory = Path(state["directory"])
        self.model = state["model"]
        self.fingerprint = state["fingerprint"]
        if fingerprint(self.directory) != self.fingerprint:
            raise UserError(
                f"the snapshot was made with other models than {self.directory} now holds (bundle "
                f"{self.fingerprint}): put those back, or start from an empty recovery directory"
            )
        self._load()

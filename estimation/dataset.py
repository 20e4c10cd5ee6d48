"""The training table as model inputs: a float feature matrix (category as a stable integer code), the
gift indicator and the attributed amount. The vocabulary of categories is kept with the models so the flow
and the evaluator encode a click exactly as training did."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from features.columns import FEATURES, TRAINING_COLUMNS
from giftlive.errors import UserError

CATEGORICAL = ("category",)
_CATEGORICAL_COLUMNS = [i for i, name in enumerate(FEATURES) if name in CATEGORICAL]


@dataclass(frozen=True)
class Clicks:
    ids: list[str]
    user_id: np.ndarray
    streamer_id: np.ndarray
    click_ts: np.ndarray
    features: np.ndarray  # (clicks, FEATURES), NaN for missing
    gifted: np.ndarray  # 0/1
    amount: np.ndarray

    def take(self, mask: np.ndarray) -> Clicks:
        ids = [i for i, keep in zip(self.ids, mask, strict=True) if keep]
        return Clicks(
            ids,
            self.user_id[mask],
            self.streamer_id[mask],
            self.click_ts[mask],
            self.features[mask],
            self.gifted[mask],
            self.amount[mask],
        )


def read_table(path: Path) -> pa.Table:
    try:
        table = pq.read_table(path)
    except (OSError, pa.ArrowInvalid) as exc:
        raise UserError(f"cannot read the training table {path}: {exc}") from None
    missing = [c for c in TRAINING_COLUMNS if c not in table.column_names]
    if missing:
        raise UserError(f"{path} is not a GiftLive training table: missing {', '.join(missing[:5])}")
    # The flow writes rows in arrival order, which may vary between runs; models must not (bagging samples
    # rows by position), so rows are put in click order.
    return table.sort_by([("click_ts", "ascending"), ("click_id", "ascending")])


def vocabulary(table: pa.Table) -> dict[str, list[str]]:
    """Sorted distinct values of each categorical feature (index = code; unknown values get NaN)."""
    return {
        name: sorted(v for v in table[name].unique().to_pylist() if v is not None) for name in CATEGORICAL
    }


def _codes(values: list, vocab: list[str]) -> np.ndarray:
    """A categorical column as float codes: the value's index in the vocabulary, NaN when unknown."""
    codes = {value: i for i, value in enumerate(vocab)}
    return np.array([codes.get(v, np.nan) for v in values], dtype=float)


def feature_matrix(rows: list[tuple], vocab: dict[str, list[str]]) -> np.ndarray:
    """FEATURES tuples (as the flow computes them) encoded exactly as ``clicks`` encodes the table."""
    cells = np.array(rows, dtype=object).reshape(len(rows), len(FEATURES))
    for column in _CATEGORICAL_COLUMNS:
        cells[:, column] = _codes(cells[:, column].tolist(), vocab[FEATURES[column]])
    return cells.astype(float)  # None -> NaN


def clicks(table: pa.Table, vocab: dict[str, list[str]]) -> Clicks:
    columns = []
    for name in FEATURES:
        if name in CATEGORICAL:
            columns.append(_codes(table[name].to_pylist(), vocab[name]))
        else:
            columns.append(table[name].to_numpy(zero_copy_only=False).astype(float))
    amount = table["label_amount"].to_numpy().astype(float)
    return Clicks(
        ids=table["click_id"].to_pylist(),
        user_id=table["user_id"].to_numpy(),
        streamer_id=table["streamer_id"].to_numpy(),
        click_ts=table["click_ts"].to_numpy(),
        features=np.column_stack(columns),
        gifted=(table["label_count"].to_numpy() > 0).astype(float),
        amount=amount,
    )

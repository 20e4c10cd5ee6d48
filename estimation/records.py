"""The online model's prediction record: one per click, made before any label of that click was learned."""

from __future__ import annotations

import pyarrow as pa

PREDICTION_SCHEMA = pa.schema(
    [
        pa.field("click_id", pa.string(), nullable=False),
        pa.field("ts", pa.int64(), nullable=False),  # the click's event time
        pa.field("p_gift", pa.float64(), nullable=False),
        pa.field("amount_if_gift", pa.float64(), nullable=False),
        pa.field("value", pa.float64(), nullable=False),  # p_gift x amount_if_gift
        pa.field("model", pa.string(), nullable=False),
    ]
)

"""The label record: one flat shape for provisional, final and orphan labels on the labels topic and file."""

from __future__ import annotations

from typing import Any

import pyarrow as pa

PROVISIONAL = "provisional"
FINAL = "final"
ORPHAN = "orphan"

LABEL_SCHEMA = pa.schema(
    [
        pa.field(
            "label_id", pa.string(), nullable=False
        ),  # <click_id>@60s, <click_id>@leave, <click_id>@final, <gift_id>@orphan
        pa.field("kind", pa.string(), nullable=False),  # provisional | final | orphan
        pa.field("click_id", pa.string()),  # null for orphans
        pa.field("gift_id", pa.string()),  # orphans only
        pa.field("user_id", pa.int64(), nullable=False),
        pa.field("streamer_id", pa.int64(), nullable=False),
        pa.field("live_id", pa.int64(), nullable=False),
        pa.field("click_ts", pa.int64()),
        pa.field("ts", pa.int64(), nullable=False),  # event time of the observation
        pa.field("elapsed_ms", pa.int64()),  # observation time minus click time
        pa.field("segment", pa.string()),
        pa.field("amount", pa.float64(), nullable=False),  # attributed so far (final: in the whole window)
        pa.field("count", pa.int64(), nullable=False),
        pa.field("gift_prob", pa.float64()),  # survival-corrected P(gift within the window); 0/1 when final
        pa.field("expected_amount", pa.float64()),  # expected final amount given what is seen so far
    ]
)


def orphan_label(gift: dict[str, Any]) -> dict[str, Any]:
    """A gift no click of the user in that room within the window can take."""
    return {
        "label_id": f"{gift['id']}@orphan",
        "kind": ORPHAN,
        "click_id": None,
        "gift_id": gift["id"],
        "user_id": gift["user_id"],
        "streamer_id": gift["streamer_id"],
        "live_id": gift["live_id"],
        "click_ts": None,
        "ts": gift["ts"],
        "elapsed_ms": None,
        "segment": None,
        "amount": float(gift["amount"]),
        "count": 1,
        "gift_prob": None,
        "expected_amount": None,
    }

"""The decision record: one per allocation request, on ``giftlive.decisions`` and in decisions.parquet."""

from __future__ import annotations

import pyarrow as pa

DECISION_SCHEMA = pa.schema(
    [
        pa.field("decision_id", pa.string(), nullable=False),  # <request id>@<policy>.v<version>
        pa.field("request_id", pa.string(), nullable=False),  # the impression or click event id
        pa.field("request_type", pa.string(), nullable=False),  # impression | click
        pa.field("ts", pa.int64(), nullable=False),  # request (event) time, epoch ms
        pa.field("user_id", pa.int64(), nullable=False),
        pa.field("live_id", pa.int64()),  # null: every candidate was capped or no room was live
        pa.field("streamer_id", pa.int64()),
        pa.field("candidates", pa.int32(), nullable=False),  # candidate rooms the deciding row saw
        pa.field("score", pa.float64()),  # the chosen room's drawn value x pair boost
        pa.field("propensity", pa.float64(), nullable=False),  # exact P(this room | request, state)
        pa.field("rows", pa.int32(), nullable=False),  # draws behind the propensity (a multiple of 1/rows)
        pa.field("explored", pa.bool_(), nullable=False),  # served by the cold-start exploration floor
        pa.field("cold_start", pa.bool_(), nullable=False),  # the chosen streamer is cold-start
        pa.field("load", pa.int32(), nullable=False),  # the chosen streamer's allocations held before this
        pa.field("capacity_capped", pa.int32(), nullable=False),  # candidates removed: streamer at capacity
        pa.field("frequency_capped", pa.int32(), nullable=False),  # ... shown to this user too often
        pa.field("policy", pa.string(), nullable=False),
        pa.field("policy_version", pa.int32(), nullable=False),
    ]
)

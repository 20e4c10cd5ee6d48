"""Column layout of the point-in-time training table: ids, features at the click, final label."""

from __future__ import annotations

import pyarrow as pa

from features.live_room import ROOM_FEATURES
from features.pair_history import PAIR_FEATURES
from features.streamer_history import STREAMER_FEATURES
from features.user_history import USER_FEATURES

ID_COLUMNS: tuple[str, ...] = ("click_id", "user_id", "streamer_id", "live_id", "click_ts")
CONTEXT_FEATURES: tuple[str, ...] = ("hour_cn", "weekday_cn")
FEATURES: tuple[str, ...] = (
    *CONTEXT_FEATURES,
    *USER_FEATURES,
    *PAIR_FEATURES,
    *STREAMER_FEATURES,
    *ROOM_FEATURES,
)
LABEL_COLUMNS: tuple[str, ...] = ("label_amount", "label_count", "label_first_gift_ms")
TRAINING_COLUMNS: tuple[str, ...] = (*ID_COLUMNS, *FEATURES, *LABEL_COLUMNS)

_INT_COLUMNS = {
    "user_id",
    "streamer_id",
    "live_id",
    "click_ts",
    "hour_cn",
    "weekday_cn",
    "user_clicks",
    "user_gift_count",
    "user_streamers_gifted",
    "pair_clicks",
    "pair_gift_count",
    "streamer_clicks",
    "streamer_gift_count",
    "streamer_gifters",
    "streamer_cold_start",
    "room_viewers",
    "live_type",
    "label_count",
    "label_first_gift_ms",
}


def _type(name: str) -> pa.DataType:
    if name in ("click_id", "category"):
        return pa.string()
    if name in _INT_COLUMNS:
        return pa.int32() if name == "live_type" else pa.int64()
    return pa.float64()


TRAINING_SCHEMA = pa.schema([pa.field(name, _type(name)) for name in TRAINING_COLUMNS])

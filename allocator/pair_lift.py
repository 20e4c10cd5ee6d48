"""A value model's pair lift: how much more a click by this user on this streamer is worth because of their
shared history, by the model's own estimate.

The Thompson draws value a streamer for an average clicker; the policy multiplies the draws of the user's
history streamers by a pair factor. The hand-set factor is 1 + w · log1p(gift sum); with a model (the online
river model or a trained LightGBM bundle) it is

    lift = model value of the click with the pair's features / model value with no pair history

for the same user, streamer and moment, clipped to [1 / max_lift, max_lift]. Dividing by the no-history
value cancels the user's and the streamer's own level, which the shared candidates do not carry either.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol

import numpy as np

from features.context import china_hour, china_weekday
from features.live_room import ROOM_FEATURES
from features.pair_history import NO_PAIR_HISTORY
from features.streamer_history import STREAMER_FEATURES

UNKNOWN_STREAMER: tuple = (None,) * (len(STREAMER_FEATURES) + len(ROOM_FEATURES))


class ValueModel(Protocol):
    """Expected gift value of clicks given their FEATURES tuples (estimation/online.py, offline_value.py)."""

    def values(self, rows: list[tuple]) -> np.ndarray: ...


def pair_lifts(
    model: ValueModel,
    now_ms: int,
    user_features: tuple,
    pairs: list[tuple[int, tuple]],
    streamer_features: Mapping[int, tuple],
    max_lift: float,
) -> list[float]:
    """The lift of each (streamer, pair features) for one user at ``now_ms``; streamers whose features
    were never seen are scored with them missing."""
    if not pairs:
        return []
    context = (china_hour(now_ms), china_weekday(now_ms))
    rows = []
    for streamer_id, pair in pairs:
        streamer = streamer_features.get(streamer_id, UNKNOWN_STREAMER)
        rows.append((*context, *user_features, *pair, *streamer))
        rows.append((*context, *user_features, *NO_PAIR_HISTORY, *streamer))
    values = model.values(rows)
    with_pair, without = values[0::2], values[1::2]
    lift = np.divide(with_pair, without, out=np.ones_like(with_pair), where=without > 0)
    lift = np.nan_to_num(lift, nan=1.0)  # a model that cannot say gives no lift
    return np.clip(lift, 1.0 / max_lift, max_lift).tolist()

"""A value model's pair lift: the model's value with the pair's history over its value without, for the same
user, streamer and moment; learned from labels by the real online model."""

from __future__ import annotations

import pickle

import numpy as np
import pytest

from allocator.pair_lift import UNKNOWN_STREAMER, pair_lifts
from estimation.online import OnlineGiftModel
from features.columns import FEATURES
from features.live_room import ROOM_FEATURES
from features.pair_history import NO_PAIR_HISTORY, PAIR_FEATURES
from features.streamer_history import STREAMER_FEATURES
from features.user_history import USER_FEATURES
from tests.loyal_gifters import teach_loyal_gifters

NOW = 1_746_374_400_000
STREAMER = (100, 3, 40.0, 2, 1.0, 5.0, 20.0, 0, 12, 300.0, 1, "game")
USER = tuple(0 for _ in USER_FEATURES)
LOYAL = (20, 600.0, 5, 500.0, 100.0, 3600.0, 60.0)  # clicks, watch, gifts 5, sum 500, ...
WATCHER = (20, 600.0, 0, 0.0, 0.0, None, 60.0)


def _row(pair: tuple, streamer: tuple = STREAMER) -> tuple:
    return (20, 3, *USER, *pair, *streamer)


@pytest.fixture(scope="module")
def model() -> OnlineGiftModel:
    """Loyal gifters (pair gift history) give often and much; everyone else rarely."""
    assert len(STREAMER) == len(STREAMER_FEATURES) + len(ROOM_FEATURES) and len(LOYAL) == len(PAIR_FEATURES)
    model = OnlineGiftModel()
    teach_loyal_gifters(model, lambda loyal: _row(LOYAL if loyal else NO_PAIR_HISTORY), 20_000, seed=5)
    return model


def test_the_lift_is_the_models_value_with_the_pair_over_without(model: OnlineGiftModel):
    lifts = pair_lifts(model, NOW, USER, [(1, LOYAL), (2, NO_PAIR_HISTORY)], {1: STREAMER, 2: STREAMER}, 1e9)
    with_pair, without = model.values([_row(LOYAL), _row(NO_PAIR_HISTORY)])
    assert lifts[0] == pytest.approx(with_pair / without)
    assert lifts[0] > 10  # the model learned that the pair's gift history is worth much more
    assert lifts[1] == 1.0  # no history: no lift


def test_lifts_are_clipped_and_unknown_streamers_scored_without_their_features(model: OnlineGiftModel):
    lifts = pair_lifts(model, NOW, USER, [(1, LOYAL), (3, LOYAL)], {1: STREAMER}, max_lift=2.0)
    assert lifts[0] == 2.0
    unknown = model.values([_row(LOYAL, UNKNOWN_STREAMER), _row(NO_PAIR_HISTORY, UNKNOWN_STREAMER)])
    assert lifts[1] == pytest.approx(min(unknown[0] / unknown[1], 2.0))
    assert len(_row(LOYAL)) == len(FEATURES)


def test_a_snapshot_predicts_like_the_model_and_stays_put_while_it_learns(model: OnlineGiftModel):
    rows = [_row(LOYAL), _row(WATCHER), _row(NO_PAIR_HISTORY)]
    snapshot = pickle.loads(pickle.dumps(model.snapshot()))
    before = model.values(rows)
    assert np.allclose(snapshot.values(rows), before)
    copy = model.snapshot()
    label = {"kind": "final", "click_id": "z", "gift_prob": 1.0, "amount": 5000.0, "count": 1}
    for _ in range(50):
        copy.learn_label(copy.prepare(_row(NO_PAIR_HISTORY)), label)
    assert np.allclose(model.values(rows), before)  # the copy shares nothing with the model
    assert not np.allclose(copy.values(rows), before)

from pathlib import Path

import pytest

from flows.settings import FlowSettings
from giftlive.errors import UserError

LOG = {"events_path": Path("events.parquet"), "out_dir": Path("out")}


def test_decision_shards_default_to_one_per_worker_in_a_run_and_one_per_user_shard_otherwise():
    settings = FlowSettings(**LOG, shards=4)
    assert settings.deciders == 4
    assert settings.for_workers(2).deciders == 2
    assert settings.for_workers(8).deciders == 4  # never more than the user shards
    assert FlowSettings(**LOG, shards=4, decision_shards=3).for_workers(2).deciders == 3
    assert (
        FlowSettings.from_env(
            {"GIFTLIVE_EVENTS": "e", "GIFTLIVE_OUT": "o", "GIFTLIVE_DECISION_SHARDS": "2"}
        ).deciders
        == 2
    )


def test_more_decision_shards_than_user_shards_is_refused():
    with pytest.raises(UserError, match="decision shards must be between 1 and the shards"):
        FlowSettings(**LOG, shards=2, decision_shards=3)


def test_label_shards_come_from_the_environment_and_must_be_positive():
    env = {"GIFTLIVE_EVENTS": "e", "GIFTLIVE_OUT": "o"}
    assert FlowSettings.from_env(env).label_shards == 4
    assert FlowSettings.from_env(env | {"GIFTLIVE_LABEL_SHARDS": "2"}).label_shards == 2
    with pytest.raises(UserError, match="label shards must be >= 1"):
        FlowSettings(**LOG, label_shards=0)

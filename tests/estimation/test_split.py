"""The 7-7-7 UTC-day split on KuaiLive's collection window is the seed research's split."""

from __future__ import annotations

from datetime import datetime

import numpy as np

from estimation.split import describe_split, split_masks


def _ms(text: str) -> int:
    return int(datetime.fromisoformat(text).timestamp() * 1000)


def test_kuailive_window_splits_into_the_seeds_days():
    # KuaiLive runs 2025-05-05 ... 05-25 in China time (UTC+8): from 05-04 16:00 UTC to 05-25 16:00 UTC.
    clicks = np.array(
        [
            _ms("2025-05-04T16:00:00+00:00"),  # the first click: UTC day 05-04
            _ms("2025-05-10T23:59:59.999+00:00"),
            _ms("2025-05-11T00:00:00+00:00"),
            _ms("2025-05-18T03:00:00+08:00"),  # China morning of 05-18 is UTC 05-17: validation
            _ms("2025-05-24T23:59:59+00:00"),
            _ms("2025-05-25T10:00:00+00:00"),  # the last partial UTC day is in no period
        ]
    )
    train, valid, test = split_masks(clicks, (7, 7, 7))
    assert train.tolist() == [True, True, False, False, False, False]
    assert valid.tolist() == [False, False, True, True, False, False]
    assert test.tolist() == [False, False, False, False, True, False]
    assert describe_split(clicks, (7, 7, 7)) == (
        "train 2025-05-04..05-10, validation 2025-05-11..05-17, test 2025-05-18..05-24 (UTC days)"
    )

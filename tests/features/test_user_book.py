"""UserBook: history, exact TTL expiry whether or not a sweep ran, bounded memory."""

from __future__ import annotations

import pytest

from features.decay import HALF_LIVES_MS
from features.user_book import UserBook
from features.user_history import USER_FEATURES
from giftlive.events import EventType

DAY = 86_400_000


def gift(ts: int, user: int = 1, streamer: int = 7, amount: float = 10.0) -> dict:
    return {"type": EventType.GIFT, "ts": ts, "user_id": user, "streamer_id": streamer, "amount": amount}


def click(ts: int, user: int = 1, streamer: int = 7) -> dict:
    return {"type": EventType.CLICK, "ts": ts, "user_id": user, "streamer_id": streamer}


def test_decayed_spend_halves_per_half_life():
    book = UserBook()
    book.learn(gift(0, amount=8.0))
    user, _pair = book.features(1, 7, HALF_LIVES_MS[0])
    named = dict(zip(USER_FEATURES, user, strict=True))
    assert named["user_spend_1h"] == pytest.approx(4.0)
    assert named["user_gift_mean"] == 8.0 and named["user_since_gift_s"] == 3600.0


@pytest.mark.parametrize("swept", [False, True])
def test_idle_users_and_pairs_restart_after_the_ttl_whether_or_not_a_sweep_ran(swept: bool):
    book = UserBook(ttl_ms=DAY)
    book.learn(gift(0, streamer=7))
    book.learn(click(DAY // 2, streamer=8))  # keeps the user alive, not the pair with 7
    if swept:
        book.expire(DAY + DAY // 2 - 1)
    user, pair = book.features(1, 7, DAY + 1)
    assert user[2] == 1 and pair[2] == 0  # user gift count kept, pair with 7 expired
    user, pair = book.features(1, 7, 3 * DAY)
    assert user[0] == 0 and user[2] == 0  # the whole user expired


def test_state_stays_flat_when_users_churn_over_three_weeks():
    book = UserBook(ttl_ms=DAY)
    sizes = []
    for hour in range(21 * 24):
        ts = hour * 3_600_000
        for i in range(50):
            book.learn(click(ts, user=hour * 50 + i, streamer=i))  # a new cohort of users every hour
        if hour % 24 == 23:
            book.expire(ts)
            sizes.append(len(book))
    assert max(sizes[2:]) <= sizes[1] <= 24 * 50 + 50


def impression(ts: int, user: int = 1, streamer: int = 7) -> dict:
    return {"type": EventType.IMPRESSION, "ts": ts, "user_id": user, "streamer_id": streamer}


def test_profile_counts_impressions_of_known_users_and_pairs_without_keeping_them_alive():
    book = UserBook(ttl_ms=DAY)
    book.learn(impression(0))  # a user not yet known: nothing is created
    assert book.profile(1, 1, 10) == ((0, 0, 0, 0.0), {})
    book.learn(click(1, streamer=7))
    book.learn(gift(2, streamer=7, amount=5.0))
    book.learn(click(3, streamer=8))
    for ts in range(4, 10):
        book.learn(impression(ts, streamer=7))
    book.learn(impression(10, streamer=9))  # a streamer the user never clicked: the user's count only
    user, pairs = book.profile(1, 11, 10)
    assert user == (7, 2, 1, 5.0)
    assert list(pairs.items()) == [(8, (0, 1, 0, 0.0)), (7, (6, 1, 1, 5.0))]  # most recently active first
    assert book.profile(1, 11, 1)[1] == {8: (0, 1, 0, 0.0)}
    for ts in range(DAY, 2 * DAY, DAY // 10):
        book.learn(impression(ts, streamer=7))
    assert book.profile(1, 2 * DAY, 10) == ((0, 0, 0, 0.0), {})  # impressions are not activity

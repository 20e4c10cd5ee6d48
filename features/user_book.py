"""All user-side history of one shard: users, their pairs, and expiry of idle ones.

Expiry is exact and order-free: a user or pair whose last event is more than ``ttl_ms`` before ``now`` is
treated as never seen, whether or not ``expire`` has already swept it. ``expire`` only frees the memory.
"""

from __future__ import annotations

from typing import Any

from features.expiry import DEFAULT_TTL_MS, live_entry, sweep
from features.pair_history import NO_PAIR_HISTORY, PairHistory
from features.user_history import NO_USER_HISTORY, UserHistory
from giftlive.compact_state import CompactState
from giftlive.events import EventType

# ((impressions, clicks, gift count, gift sum) of the user, {streamer: (impressions, clicks, gift count,
# gift sum) of each recent pair, most recent first}): plain tuples, so a request carrying one pickles small,
# keyed by streamer, so the allocator finds the live ones by a set intersection, not a loop over them all.
Profile = tuple[tuple[int, int, int, float], dict[int, tuple[int, int, int, float]]]
NO_USER_COUNTS = (0, 0, 0, 0.0)


class UserBook(CompactState):
    __slots__ = ("ttl_ms", "users")

    def __init__(self, ttl_ms: int = DEFAULT_TTL_MS) -> None:
        self.ttl_ms = ttl_ms
        self.users: dict[int, UserHistory] = {}

    def features(self, user_id: int, streamer_id: int, now_ms: int) -> tuple[tuple, tuple]:
        """(USER_FEATURES, PAIR_FEATURES) at ``now_ms`` from everything learned so far."""
        user = live_entry(self.users, user_id, now_ms, self.ttl_ms)
        if user is None:
            return NO_USER_HISTORY, NO_PAIR_HISTORY
        pair = live_entry(user.pairs, streamer_id, now_ms, self.ttl_ms)
        return user.features(now_ms), NO_PAIR_HISTORY if pair is None else pair.features(now_ms)

    def streamers(self, user_id: int, now_ms: int, limit: int) -> list[tuple[int, float]]:
        """(streamer, gift sum) of the ``limit`` streamers the user was most recently active with, most
        recent first (pairs are kept in the order of their last event), none expired at ``now_ms``."""
        user = live_entry(self.users, user_id, now_ms, self.ttl_ms)
        if user is None:
            return []
        return [(s, pair.gift_sum) for s, pair in self._recent_pairs(user, now_ms, limit)]

    def history_features(
        self, user_id: int, now_ms: int, limit: int
    ) -> tuple[tuple, list[tuple[int, float]], list[tuple]]:
        """(USER_FEATURES, ``streamers(...)``, the PAIR_FEATURES of each of those streamers) at ``now_ms``:
        what a value model needs to score the user's history streamers."""
        user = live_entry(self.users, user_id, now_ms, self.ttl_ms)
        if user is None:
            return NO_USER_HISTORY, [], []
        history = self.streamers(user_id, now_ms, limit)
        return (
            user.features(now_ms),
            history,
            [user.pairs[streamer_id].features(now_ms) for streamer_id, _ in history],
        )

    def profile(self, user_id: int, now_ms: int, limit: int) -> Profile:
        """The user's counts and those of the ``limit`` most recently active pairs (``streamers``' order):
        what the allocator's value-per-exposure model needs (allocator/exposure_value.py), from strictly
        before ``now_ms`` when called before the events at ``now_ms`` are learned."""
        user = live_entry(self.users, user_id, now_ms, self.ttl_ms)
        if user is None:
            return NO_USER_COUNTS, {}
        recent = self._recent_pairs(user, now_ms, limit)  # _counts of each pair, without a call per pair:
        return _counts(user), {s: (p.impressions, p.clicks, p.gift_count, p.gift_sum) for s, p in recent}

    def _recent_pairs(self, user: UserHistory, now_ms: int, limit: int) -> list[tuple[int, PairHistory]]:
        """The user's ``limit`` most recently active pairs not expired at ``now_ms``, most recent first."""
        since = now_ms - self.ttl_ms
        out = []
        for streamer_id, pair in reversed(user.pairs.items()):
            if pair.last_seen < since or len(out) == limit:
                break
            out.append((streamer_id, pair))
        return out

    def learn(self, event: dict[str, Any]) -> None:
        """Add a click, dwell or gift to its user's and pair's history, and an impression (shown, not
        clicked) to the counts of a user and pair already known; other types are ignored. An impression
        does not keep a user or pair alive: only what they did counts as activity."""
        kind = event["type"]
        if kind not in _LEARNED:
            return
        ts = event["ts"]
        user_id = event["user_id"]
        streamer_id = event["streamer_id"]
        if kind is EventType.IMPRESSION:
            user = live_entry(self.users, user_id, ts, self.ttl_ms)
            if user is not None:
                user.impressions += 1
                pair = live_entry(user.pairs, streamer_id, ts, self.ttl_ms)
                if pair is not None:
                    pair.impressions += 1
            return
        user = live_entry(self.users, user_id, ts, self.ttl_ms)
        if user is None:
            user = self.users[user_id] = UserHistory()
        pair = live_entry(user.pairs, streamer_id, ts, self.ttl_ms)
        if pair is None:
            pair = user.pairs[streamer_id] = PairHistory()
        else:
            user.pairs[streamer_id] = user.pairs.pop(streamer_id)  # most recently active last
        if kind is EventType.CLICK:
            user.learn_click(ts)
            pair.learn_click(ts)
        elif kind is EventType.DWELL:
            user.learn_dwell(ts, event["watch_ms"])
            pair.learn_dwell(ts, event["watch_ms"])
        else:
            user.learn_gift(ts, streamer_id, event["amount"])
            pair.learn_gift(ts, event["amount"])

    def expire(self, now_ms: int) -> int:
        """Drop users and pairs idle for more than the TTL at ``now_ms``; returns how many users went."""
        gone = sweep(self.users, now_ms, self.ttl_ms)
        for user in self.users.values():
            sweep(user.pairs, now_ms, self.ttl_ms)
        return gone

    def __len__(self) -> int:
        return len(self.users)


def _counts(history: UserHistory | PairHistory) -> tuple[int, int, int, float]:
    """(impressions, clicks, gift count, gift sum) of a user or a pair: what a profile carries of it."""
    return history.impressions, history.clicks, history.gift_count, history.gift_sum


_LEARNED = frozenset({EventType.IMPRESSION, EventType.CLICK, EventType.DWELL, EventType.GIFT})

"""All user-side history of one shard: users, their pairs, and expiry of idle ones.

Expiry is exact and order-free: a user or pair whose last event is more than ``ttl_ms`` before ``now`` is
treated as never seen, whether or not ``expire`` has already swept it. ``expire`` only frees the memory.
"""

from __future__ import annotations

from typing import Any

from features.pair_history import NO_PAIR_HISTORY, PairHistory
from features.user_history import NO_USER_HISTORY, UserHistory
from giftlive.events import EventType

DEFAULT_TTL_MS = 7 * 86_400_000


def sweep_interval(ttl_ms: int) -> int:
    """How often (event time) to sweep expired state: a seventh of the TTL, at least an hour. A sweep walks
    every key, so sweeping hourly would cost more than the features; memory overshoots by at most this."""
    return max(3_600_000, ttl_ms // 7)


class UserBook:
    __slots__ = ("ttl_ms", "users")

    def __init__(self, ttl_ms: int = DEFAULT_TTL_MS) -> None:
        self.ttl_ms = ttl_ms
        self.users: dict[int, UserHistory] = {}

    def _user(self, user_id: int, now_ms: int) -> UserHistory | None:
        user = self.users.get(user_id)
        if user is not None and now_ms - user.last_seen > self.ttl_ms:
            del self.users[user_id]
            return None
        return user

    def _pair(self, user: UserHistory, streamer_id: int, now_ms: int) -> PairHistory | None:
        pair = user.pairs.get(streamer_id)
        if pair is not None and now_ms - pair.last_seen > self.ttl_ms:
            del user.pairs[streamer_id]
            return None
        return pair

    def features(self, user_id: int, streamer_id: int, now_ms: int) -> tuple[tuple, tuple]:
        """(USER_FEATURES, PAIR_FEATURES) at ``now_ms`` from everything learned so far."""
        user = self._user(user_id, now_ms)
        if user is None:
            return NO_USER_HISTORY, NO_PAIR_HISTORY
        pair = self._pair(user, streamer_id, now_ms)
        return user.features(now_ms), NO_PAIR_HISTORY if pair is None else pair.features(now_ms)

    def learn(self, event: dict[str, Any]) -> None:
        """Add a click, dwell or gift to its user's and pair's history; other types are ignored."""
        kind = event["type"]
        if kind not in _LEARNED:
            return
        ts = event["ts"]
        user_id = event["user_id"]
        streamer_id = event["streamer_id"]
        user = self._user(user_id, ts)
        if user is None:
            user = self.users[user_id] = UserHistory()
        pair = self._pair(user, streamer_id, ts)
        if pair is None:
            pair = user.pairs[streamer_id] = PairHistory()
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
        horizon = now_ms - self.ttl_ms
        gone = [uid for uid, user in self.users.items() if user.last_seen < horizon]
        for uid in gone:
            del self.users[uid]
        for user in self.users.values():
            stale = [sid for sid, pair in user.pairs.items() if pair.last_seen < horizon]
            for sid in stale:
                del user.pairs[sid]
        return len(gone)

    def __len__(self) -> int:
        return len(self.users)

    def __getstate__(self) -> tuple:
        return self.ttl_ms, self.users

    def __setstate__(self, state: tuple) -> None:
        self.ttl_ms, self.users = state


_LEARNED = frozenset({EventType.CLICK, EventType.DWELL, EventType.GIFT})

"""User stage: merges the streamer shards back into event-time order, computes user and pair features at
each click, attributes gifts and emits training rows, orphan labels, and provisional and final labels for
the label stage to correct. Every impression and click also goes to the decision stage as an allocation
request, with the user's streamer history from before it.

Label observation points fire in event-time order interleaved with the events (a point at time t fires
after every event at t and before any later one), so labels do not depend on how the stream was batched.
"""

from __future__ import annotations

from itertools import groupby
from operator import itemgetter
from typing import Any

from allocator.policy import PolicyConfig
from features.columns import FEATURES
from features.context import china_hour, china_weekday
from features.expiry import DEFAULT_TTL_MS, sweep_interval
from features.user_book import UserBook
from flows.stages.base import Stage
from flows.stages.protocol import (
    LABEL,
    TRAINING,
    Packet,
    click_item,
    dead_letter,
    decision_key,
    decision_sender_of_user,
    decision_shard_of,
    delay_item,
    label_item,
    label_key,
    label_shard_of,
    request_item,
)
from giftlive.events import EventType, encode
from giftlive.stream_time import BEGINNING_OF_TIME
from labels.label_book import DEFAULT_OBSERVE_MS, DEFAULT_WINDOW_MS, FIRST_GIFT_MS, LabelBook
from labels.records import FINAL

_TS = itemgetter("ts")


def segment_of(user_features: tuple, pair_features: tuple) -> str:
    """Survival segment of a click: has this pair gifted before, has this user, or neither."""
    if pair_features[2]:  # pair_gift_count
        return "pair_gifted"
    if user_features[2]:  # user_gift_count
        return "user_gifted"
    return "new"


class UserStage(Stage):
    """Emits a Packet for every label shard (its users' clicks and labels, and every other final label's
    delay) and one of requests for the decision stage (always: they carry the watermark), and at most one
    each of (LABEL, [orphan labels]) and (TRAINING, [rows])."""

    __slots__ = (
        "index",
        "label_shards",
        "decision_shard",
        "decision_sender",
        "history",
        "pair_features",
        "profile",
        "online",
        "users",
        "labels",
        "next_sweep",
    )

    def __init__(
        self,
        index: int,
        senders: int,
        ttl_ms: int = DEFAULT_TTL_MS,
        window_ms: int = DEFAULT_WINDOW_MS,
        observe_ms: tuple[int, ...] = DEFAULT_OBSERVE_MS,
        decisions: bool = True,
        history: int = PolicyConfig.history_rooms,
        online: bool = True,
        pair_features: bool = False,
        profile: bool = False,
        decision_shards: int | None = None,
        label_shards: int = 1,
    ) -> None:
        """``senders``: the streamer shards (as many as the user shards); ``decision_shards``: how many
        decision shards share the user shards (None: one per user shard); ``label_shards``: how many label
        shards share the users (by user id)."""
        super().__init__(senders)
        self.index = index
        self.label_shards = label_shards
        self.profile = profile  # requests carry the user's and pairs' counts (the value-per-exposure policy)
        self.pair_features = pair_features  # requests carry user and pair features (a model's pair lift)
        self.online = online  # send each click's features to the label stage's online model
        self.history = history  # streamers of the user's recent history sent with each request
        deciders = senders if decision_shards is None else decision_shards
        self.decision_shard = decision_shard_of(index, deciders)
        self.decision_sender = (
            decision_sender_of_user(senders, index, deciders, label_shards) if decisions else None
        )
        self.users = UserBook(ttl_ms)
        self.labels = LabelBook(window_ms, observe_ms)
        self.next_sweep = BEGINNING_OF_TIME

    @property
    def name(self) -> str:
        return "user"

    def sizes(self) -> dict[str, int]:
        return super().sizes() | {"users": len(self.users.users), "label_windows": len(self.labels.windows)}

    @property
    def where(self) -> str:
        return f"user shard {self.index}"

    def advance(self, released: list[dict[str, Any]], dead: list[dict[str, Any]]) -> list[tuple[str, Any]]:
        watermark = self.merge.released_to
        users, book = self.users, self.labels
        labels: list[dict[str, Any]] = []  # provisional and final: corrected by the label stage
        orphans: list[dict[str, Any]] = []
        rows: list[dict[str, Any]] = []
        requests: list[dict[str, Any]] = []
        clicks: list[tuple[int, dict[str, Any]]] = []  # (user, the click's item for the online model)
        for ts, group in groupby(released, key=_TS):
            self._due(ts, labels, rows)
            group = list(group)
            for event in group:
                kind = event["type"]
                if (
                    kind is EventType.IMPRESSION or kind is EventType.CLICK
                ) and self.decision_sender is not None:
                    if self.profile:
                        profile = users.profile(event["user_id"], ts, self.history)
                        requests.append(request_item(event, [], profile=profile))
                    elif self.pair_features:
                        user_features, history, pairs = users.history_features(
                            event["user_id"], ts, self.history
                        )
                        requests.append(request_item(event, history, user_features, pairs))
                    else:
                        history = users.streamers(event["user_id"], ts, self.history)
                        requests.append(request_item(event, history))
                if kind is EventType.CLICK:
                    user_features, pair_features = users.features(event["user_id"], event["streamer_id"], ts)
                    row = {
                        "click_id": event["id"],
                        "user_id": event["user_id"],
                        "streamer_id": event["streamer_id"],
                        "live_id": event["live_id"],
                        "click_ts": ts,
                        "features": (
                            china_hour(ts),
                            china_weekday(ts),
                            *user_features,
                            *pair_features,
                            *event["streamer_features"],
                        ),
                    }
                    if not book.open(event, segment_of(user_features, pair_features), row):
                        reason = f"duplicate: click id {event['id']!r} already has an open label window"
                        dead.append(dead_letter(reason, encode(event), self.where))
                    elif self.online:
                        clicks.append((event["user_id"], click_item(event, row["features"])))
                elif kind is EventType.GIFT:
                    orphan = book.credit(event)
                    if orphan is not None:
                        orphans.append(orphan)
                elif kind is EventType.DWELL:
                    label = book.leave(event)
                    if label is not None:
                        labels.append(label)
            for event in group:
                users.learn(event)
        self._due(watermark, labels, rows)
        if watermark >= self.next_sweep:
            users.expire(watermark)
            self.next_sweep = watermark + sweep_interval(users.ttl_ms)
        out: list[tuple[str, Any]] = self._to_label_shards(watermark, clicks, labels)
        if self.decision_sender is not None:
            out.append(
                (
                    decision_key(self.decision_shard),
                    Packet(self.decision_shard, self.decision_sender, watermark, requests),
                )
            )
        if orphans:
            out.append((LABEL, orphans))
        if rows:
            out.append((TRAINING, rows))
        return out

    def _to_label_shards(
        self, watermark: int, clicks: list[tuple[int, dict[str, Any]]], labels: list[dict[str, Any]]
    ) -> list[tuple[str, Any]]:
        """One packet per label shard: the clicks and labels of its users, and the delay of every other
        final label (each label shard's delay survival learns from all of them)."""
        shards = self.label_shards
        per_shard: list[list[dict[str, Any]]] = [[] for _ in range(shards)]
        for user, click in clicks:
            per_shard[label_shard_of(user, shards)].append(click)
        for label in labels:
            mine = label_shard_of(label["user_id"], shards)
            per_shard[mine].append(label_item(label))
            if label["kind"] == FINAL:
                delay = delay_item(label, label[FIRST_GIFT_MS])
                for shard, items in enumerate(per_shard):
                    if shard != mine:
                        items.append(delay)
        return [
            (label_key(shard), Packet(shard, self.index, watermark, items))
            for shard, items in enumerate(per_shard)
        ]

    def _due(self, before_ms: int, labels: list[dict[str, Any]], rows: list[dict[str, Any]]) -> None:
        due_labels, due_rows = self.labels.due(before_ms)
        labels.extend(due_labels)
        for row in due_rows:
            features = row.pop("features")
            row.update(zip(FEATURES, features, strict=True))
            rows.append(row)

"""Label stage, sharded by user id: a label shard merges its users' labels from every user shard in
event-time order and corrects them. Every final label of every user also reaches it (a delay item in the
label's own place in the order), so its delay survival learns from all matured clicks in one order and a
label's correction does not depend on how many label shards there are (labels/label_corrector.py). The
corrected labels go out, and in order to every decision shard, whose posteriors learn from them.

Each label shard also holds an online gift model (estimation/online.py) of its users: each click's features
arrive as a click item, sorted before any label of its millisecond, so the model's prediction for a click
(an output record) uses only labels from before it; the click's labels then teach the model, early ones
soft, the final one hard. The models depend on the number of label shards (each learns from its users),
not on the user shards, workers or processes."""

from __future__ import annotations

from typing import Any

from estimation.online import OnlineGiftModel, Prepared
from flows.stages.base import Stage
from flows.stages.protocol import (
    LABEL,
    LABEL_ITEM_TYPE,
    PREDICTION,
    Packet,
    decision_key,
    decision_sender_of_labels,
    label_item,
    model_item,
)
from labels.label_corrector import LabelCorrector

ONLINE_MODEL_NAME = "online-river.v1"


class LabelStage(Stage):
    """Emits ``(LABEL, [labels])`` in event-time order, a Packet of them for every decision shard (always: it
    carries the watermark) and ``(PREDICTION, [records])`` of the online model."""

    __slots__ = (
        "index",
        "decisions",
        "corrector",
        "online",
        "open_features",
        "snapshot_every",
        "next_snapshot",
        "decision_shards",
    )

    def __init__(
        self,
        senders: int,
        window_ms: int,
        decisions: bool = True,
        online: bool = True,
        snapshot_every_ms: int | None = None,
        decision_shards: int | None = None,
        index: int = 0,
    ) -> None:
        """``senders``: the user shards; ``index``: which label shard this is."""
        super().__init__(senders)
        self.index = index
        self.decision_shards = senders if decision_shards is None else decision_shards  # None: one per user
        self.decisions = decisions  # send corrected labels to the decision stage
        self.corrector = LabelCorrector(window_ms)
        self.online = OnlineGiftModel() if online else None
        self.open_features: dict[str, Prepared] = {}  # click -> its model input, until its final label
        # Send the decision stage a snapshot of the online model at every multiple of this (event time);
        # see _snapshot_to for why the decisions then do not depend on how the stream was batched.
        self.snapshot_every = snapshot_every_ms if online and decisions else None
        self.next_snapshot: int | None = None

    @property
    def name(self) -> str:
        return "label"

    def sizes(self) -> dict[str, int]:
        return super().sizes() | {"open_clicks": len(self.open_features)}

    @property
    def where(self) -> str:
        return f"label shard {self.index}"

    def advance(self, released: list[dict[str, Any]], dead: list[dict[str, Any]]) -> list[tuple[str, Any]]:
        snapshots: list[dict[str, Any]] = []
        if self.online is None:
            corrected = map(self._correct, released)
            labels = [label for label in corrected if label is not None]
            predictions: list[dict[str, Any]] = []
        else:
            labels, predictions = self._with_online_model(released, snapshots)
        out: list[tuple[str, Any]] = []
        if predictions:
            out.append((PREDICTION, predictions))
        if self.decisions:
            items = [label_item(label) for label in labels]
            if self.snapshot_every is not None:
                self._snapshot_to(self.merge.released_to, snapshots)
                items.extend(snapshots)
            watermark = self.merge.released_to
            sender = decision_sender_of_labels(self.index)
            out.extend(  # every decision shard learns every label
                (decision_key(shard), Packet(shard, sender, watermark, items))
                for shard in range(self.decision_shards)
            )
        if labels:
            out.append((LABEL, labels))
        return out

    def _with_online_model(
        self, released: list[dict[str, Any]], snapshots: list[dict[str, Any]]
    ) -> tuple[list[dict], list[dict]]:
        """(corrected labels, the online model's predictions for the clicks), in event-time order; model
        snapshots due before an item are appended to ``snapshots``."""
        model, features, correct = self.online, self.open_features, self._correct
        labels, predictions = [], []
        every = self.snapshot_every
        for item in released:
            if every is not None:
                ts = item["ts"]
                if self.next_snapshot is not None and ts >= self.next_snapshot:
                    snapshots.append(model_item(self.next_snapshot, model.snapshot(), self.index))
                    self.next_snapshot = None
                if self.next_snapshot is None:
                    self.next_snapshot = ts // every * every + every
            if item["type"] == LABEL_ITEM_TYPE:
                label = correct(item)
                if label is None:
                    continue
                labels.append(label)
                click = label["click_id"]
                if click in features:
                    model.learn_label(features[click], label)
                    if label["kind"] == "final":
                        del features[click]
                continue
            x = features[item["id"]] = model.prepare(item["features"])
            p, amount, value = model.predict_one(x)
            predictions.append(
                {
                    "click_id": item["id"],
                    "ts": item["ts"],
                    "p_gift": p,
                    "amount_if_gift": amount,
                    "value": value,
                    "model": ONLINE_MODEL_NAME,
                }
            )
        return labels, predictions

    def _correct(self, item: dict[str, Any]) -> dict[str, Any] | None:
        """A label item's label, corrected; None for another label shard's final label, whose delay the
        survival learns (protocol.delay_item)."""
        delay = item.get("delay")
        if delay is not None:
            self.corrector.learn(*delay)
            return None
        return self.corrector.correct(item["label"])

    def _snapshot_to(self, watermark: int, snapshots: list[dict[str, Any]]) -> None:
        """The snapshot due at the next multiple, when the input has passed it with no item at or after it.

        Why decisions do not depend on batching: a snapshot stamped s holds exactly the items before s, and
        no item lies between s and the next snapshot's round; so a request at t always decides with what
        was learned from the items before t's round, however the input was cut into batches."""
        due = self.next_snapshot
        if due is None or watermark <= due:
            return
        snapshots.append(model_item(due, self.online.snapshot(), self.index))
        every = self.snapshot_every
        self.next_snapshot = max(due + every, -(-watermark // every) * every)

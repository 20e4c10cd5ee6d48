"""What the stages say to each other: keys, sender numbers, packets, items and output records.

Items between stages are ``(key, payload)`` pairs: a stage key and a Packet, or an output kind (DEAD_LETTER,
LABEL, TRAINING, DECISION, PREDICTION: a leading ``!``) and a list of records for the sinks.

Stage keys and who sends to whom (each receiver numbers its senders; its WatermarkMerge waits for them all):

    decode ──► s{i} streamer shard i       senders: the input partitions 0..P-1
    s{i}   ──► u{j} user shard j           senders: the streamer shards 0..S-1
    u{j}   ──► l{m} label shard m          senders: the user shards 0..U-1
    l{m}, s{i}, u{j} ──► d{k} decision shard k = j mod D
                                           senders: l{m} is m, s{i} is L + i, u{j} is L + S + j // D

(L label shards, a setting of its own: user u's clicks and labels go to label shard u mod L, whose online
model learns from them, so the predictions do not depend on the user shards or the workers; every final
label also goes to every label shard for the delay survival, so a label's correction does not depend on L.
D decision shards, at most U: one per Bytewax worker in a run, as each repeats the rounds' broadcast work.)

(the keys are these names with a suffix that spreads each stage's shards over the workers: placement.py)

Within one millisecond the merge orders items by (ts, type, id): room viewers (VIEWERS_ITEM_TYPE), model
snapshots (MODEL_ITEM_TYPE), then the event types (giftlive.events.EventType), then labels (LABEL_ITEM_TYPE).
"""

from __future__ import annotations

from typing import Any, NamedTuple

from flows.stages.placement import shard_key
from giftlive.events import EventType

# Output kinds: the key of an output item. flows/outputs.py maps each to its topic, file and schema.
DEAD_LETTER = "!deadletter"
LABEL = "!labels"
TRAINING = "!training"
DECISION = "!decisions"
PREDICTION = "!predictions"

LABEL_ITEM_TYPE = 8  # after every event type in the same millisecond
MODEL_ITEM_TYPE = -1  # before every event type in the same millisecond
VIEWERS_ITEM_TYPE = -2  # before those: the rooms' viewers from the events strictly before its millisecond


def decode_key(partition: int) -> str:
    """The decode step's key for the records of input partition ``partition``."""
    return shard_key("p", partition)


def streamer_key(shard: int) -> str:
    return shard_key("s", shard)


def user_key(shard: int) -> str:
    return shard_key("u", shard)


def label_key(shard: int) -> str:
    """Label shard ``shard``, on user shard ``shard``'s worker (placement.py: shard i runs on worker i mod W):
    with as many label shards as user shards, a user shard's labels go to the label shard beside it."""
    return shard_key("l", shard)


def label_shard_of(user_id: int, label_shards: int) -> int:
    """The label shard of a user's clicks and labels: by user id alone, not by user shard, so that each
    label shard's online model learns from the same users however many user shards there are."""
    return user_id % label_shards


def is_output(key: str) -> bool:
    """An output item (records for the sinks), not a packet for a stage."""
    return key[0] == "!"


def decision_key(shard: int) -> str:
    """Decision shard ``shard`` decides the requests of the user shards j with j mod D == shard (D decision
    shards; with one per worker they share the worker of those user shards)."""
    return shard_key("d", shard)


DECISION_STAGE_KEY = decision_key(0)  # the first decision shard (the only one when D = 1)


def is_decision_key(key: str) -> bool:
    return key[0] == "d"


def decision_shard_of(user_shard: int, decision_shards: int) -> int:
    """The decision shard that decides the requests of ``user_shard``."""
    return user_shard % decision_shards


def decision_senders(streamer_shards: int, decision_shards: int, shard: int, label_shards: int = 1) -> int:
    """Senders into decision shard ``shard``'s merge: every label shard and every streamer shard (both
    broadcast to every decision shard), and its user shards (those j with j mod D == shard)."""
    return label_shards + streamer_shards + len(range(shard, streamer_shards, decision_shards))


def decision_sender_of_labels(label_shard: int) -> int:
    return label_shard


def decision_sender_of_streamer(shard: int, label_shards: int = 1) -> int:
    return label_shards + shard


def decision_sender_of_user(
    streamer_shards: int, user_shard: int, decision_shards: int, label_shards: int = 1
) -> int:
    return label_shards + streamer_shards + user_shard // decision_shards


class Packet(NamedTuple):
    """Events from one sender to one receiving shard, with the sender's watermark: it will send nothing
    older than ``watermark`` again. The receiver index rides along: Bytewax logic does not know its key."""

    receiver: int
    sender: int
    watermark: int
    events: list[dict[str, Any]]


# A dead letter keeps at most this much of a record's value (and key): a Kafka producer refuses messages
# over 1,000,000 bytes by default, and a dead letter that cannot be written would stop the flow at every
# restart. ``raw_size`` and ``source`` (partition and offset) say how big it was and where to find it whole.
DEAD_LETTER_RAW_BYTES = 65_536


def dead_letter(reason: str, raw: bytes | None, source: str, key: bytes | None = None) -> dict[str, Any]:
    """A dead-letter record: why, where, and the raw bytes as they came, cut to DEAD_LETTER_RAW_BYTES."""
    return {
        "reason": reason,
        "source": source,
        "key": key if key is None else key[:DEAD_LETTER_RAW_BYTES],
        "raw": raw if raw is None else raw[:DEAD_LETTER_RAW_BYTES],
        "raw_size": None if raw is None else len(raw),
    }


def click_item(click: dict[str, Any], features: tuple) -> dict[str, Any]:
    """A click's features for the online model, ordered like the click itself."""
    return {"ts": click["ts"], "type": EventType.CLICK, "id": click["id"], "features": features}


def model_item(stamp: int, model: Any, shard: int = 0) -> dict[str, Any]:
    """A snapshot of label shard ``shard``'s online model that learned from every item strictly before
    ``stamp``."""
    return {
        "ts": stamp,
        "type": MODEL_ITEM_TYPE,
        "id": f"online-model@{stamp}.l{shard}",
        "model": model,
        "shard": shard,
    }


def viewers_item(stamp: int, shard: int, shards: int, viewers: list[tuple[int, int]]) -> dict[str, Any]:
    """The (room, viewers) of one streamer shard's rooms with viewers, counted from the events before
    ``stamp``; the shard's other streamers (``streamer_id % shards == shard``) have none."""
    return {
        "ts": stamp,
        "type": VIEWERS_ITEM_TYPE,
        "id": f"viewers@{stamp}.s{shard}",
        "viewers": viewers,
        "shard": (shard, shards),
    }


def label_item(label: dict[str, Any]) -> dict[str, Any]:
    """A label wrapped for the merge, which orders items by (ts, type, id)."""
    return {"ts": label["ts"], "type": LABEL_ITEM_TYPE, "id": label["label_id"], "label": label}


def delay_item(label: dict[str, Any], first_gift_ms: int | None) -> dict[str, Any]:
    """What the delay survival learns from a final label, for the label shards that do not correct it: in
    the merge's order it takes the label's own place, so every label shard learns the finals in one order."""
    return {
        "ts": label["ts"],
        "type": LABEL_ITEM_TYPE,
        "id": label["label_id"],
        "delay": (label["segment"], first_gift_ms, label["amount"]),
    }


def request_item(
    event: dict[str, Any],
    history: list[tuple[int, float]],
    user_features: tuple | None = None,
    pairs: list[tuple] | None = None,
    profile: tuple | None = None,
) -> dict[str, Any]:
    """An impression or click as a request, with the user's (streamer, gift sum) history before it; for a
    value model's pair lift also the user's features, the history's pair features and, on a click, the
    clicked streamer's features; for the value-per-exposure policy the user's and recent pairs' counts
    (features/user_book.py ``profile``). All from strictly before the request."""
    item = {
        "ts": event["ts"],
        "type": event["type"],
        "id": event["id"],
        "user_id": event["user_id"],
        "history": history,
    }
    if profile is not None:
        item["profile"] = profile
    if user_features is not None:
        item["user_features"] = user_features
        item["pairs"] = pairs
        if "streamer_features" in event:
            item["streamer_id"] = event["streamer_id"]
            item["streamer_features"] = event["streamer_features"]
    return item

"""The one canonical event schema, shared by every producer and consumer.

An event is a flat record. The Parquet event log stores it column-wise (``ARROW_SCHEMA``); Kafka carries it
as an orjson object (``encode``/``decode``) with ``v`` = ``SCHEMA_VERSION`` in every record.

Ids are deterministic so that a rerun replays the same ids and consumers can drop duplicates:
``<prefix><source row>`` for row-based events and ``rs<live_id>``/``re<live_id>`` for room start/end.
"""

from __future__ import annotations

from enum import IntEnum
from typing import Any

import orjson
import pyarrow as pa

SCHEMA_VERSION = 1


class EventType(IntEnum):
    """Event types; the integer value is the tie-break order for events in the same millisecond.

    A room starts before anything happens in it; an impression precedes its click; a gift in the same
    millisecond as its click comes after the click; a dwell (leave) and the room end come last.
    """

    ROOM_START = 0
    IMPRESSION = 1
    CLICK = 2
    LIKE = 3
    COMMENT = 4
    GIFT = 5
    DWELL = 6
    ROOM_END = 7

    @property
    def label(self) -> str:
        return self.name.lower()


TYPE_BY_NAME: dict[str, EventType] = {t.label: t for t in EventType}
USER_EVENT_TYPES = frozenset(
    {
        EventType.IMPRESSION,
        EventType.CLICK,
        EventType.LIKE,
        EventType.COMMENT,
        EventType.GIFT,
        EventType.DWELL,
    }
)
ROOM_EVENT_TYPES = frozenset({EventType.ROOM_START, EventType.ROOM_END})

# Id prefixes: one per source of rows, so an id also says where the event came from.
ID_PREFIX: dict[EventType, str] = {
    EventType.ROOM_START: "rs",
    EventType.ROOM_END: "re",
    EventType.IMPRESSION: "n",
    EventType.CLICK: "c",
    EventType.LIKE: "l",
    EventType.COMMENT: "m",
    EventType.GIFT: "g",
    EventType.DWELL: "d",
}

# Column layout of the canonical Parquet event log. ``type`` is stored as the EventType integer.
ARROW_SCHEMA = pa.schema(
    [
        pa.field("id", pa.string(), nullable=False),
        pa.field("type", pa.int8(), nullable=False),
        pa.field("ts", pa.int64(), nullable=False),  # epoch milliseconds
        pa.field("user_id", pa.int64()),  # null for room events
        pa.field("streamer_id", pa.int64(), nullable=False),
        pa.field("live_id", pa.int64(), nullable=False),
        pa.field("watch_ms", pa.int64()),  # dwell only: how long the click lasted
        pa.field("amount", pa.float64()),  # gift only: total price of the gift interaction
        pa.field("live_type", pa.int32()),  # room_start only
        pa.field("category", pa.string()),  # room_start only: live_content_category
    ],
    metadata={"giftlive.schema_version": str(SCHEMA_VERSION)},
)
COLUMNS = tuple(ARROW_SCHEMA.names)


def event_id(kind: EventType, number: int) -> str:
    """Deterministic id: source row number (or live_id for room events) behind the type's prefix."""
    return f"{ID_PREFIX[kind]}{number}"


def kafka_key(record: dict[str, Any]) -> bytes:
    """Partition key: one user's events stay in order in one partition; room events go by room."""
    user = record.get("user_id")
    if user is not None:
        return b"u%d" % user
    return b"r%d" % record["live_id"]


def encode(record: dict[str, Any]) -> bytes:
    """A log row (``type`` as int or name) as the versioned JSON value carried on Kafka."""
    out: dict[str, Any] = {"v": SCHEMA_VERSION}
    for name in COLUMNS:
        value = record.get(name)
        if value is None:
            continue
        if name == "type" and not isinstance(value, str):
            value = EventType(value).label
        out[name] = value
    return orjson.dumps(out)


class InvalidEvent(ValueError):
    """A record that does not satisfy the event schema; the message says which field and why."""


_INT_FIELDS = ("ts", "streamer_id", "live_id")


def _require_int(record: dict[str, Any], name: str) -> int:
    value = record.get(name)
    if type(value) is not int:  # bool is not an id
        raise InvalidEvent(f"field {name!r} must be an integer, got {value!r}")
    return value


def validate(record: dict[str, Any]) -> dict[str, Any]:
    """Check a decoded record against the schema and return it normalised (``type`` as EventType).

    Raises InvalidEvent naming the first offending field.
    """
    if not isinstance(record, dict):
        raise InvalidEvent(f"record must be a JSON object, got {type(record).__name__}")
    return _validated_in_place(dict(record))


def _validated_in_place(record: dict[str, Any]) -> dict[str, Any]:
    """``validate`` on a record this module owns (no copy); the hot path of ``decode``."""
    version = record.get("v", SCHEMA_VERSION)
    if version != SCHEMA_VERSION:
        raise InvalidEvent(f"unsupported schema version {version!r} (this build reads v{SCHEMA_VERSION})")
    event_id_ = record.get("id")
    if type(event_id_) is not str or not event_id_:
        raise InvalidEvent(f"field 'id' must be a non-empty string, got {event_id_!r}")
    kind_name = record.get("type")
    kind = TYPE_BY_NAME.get(kind_name) if type(kind_name) is str else None
    if kind is None:
        raise InvalidEvent(f"unknown event type {kind_name!r}; expected one of {sorted(TYPE_BY_NAME)}")
    ts = record.get("ts")
    ids_ok = type(record.get("streamer_id")) is int and type(record.get("live_id")) is int
    if type(ts) is not int or not ids_ok:
        for name in _INT_FIELDS:
            _require_int(record, name)
    if ts < 0:
        raise InvalidEvent(f"field 'ts' must be >= 0, got {ts}")
    if kind in USER_EVENT_TYPES:
        _require_int(record, "user_id")
        if kind is EventType.GIFT:
            amount = record.get("amount")
            if type(amount) not in (int, float) or not amount == amount:  # rejects bool and NaN
                raise InvalidEvent(f"field 'amount' must be a number, got {amount!r}")
            if amount < 0:
                raise InvalidEvent(f"field 'amount' must be >= 0, got {amount}")
        elif kind is EventType.DWELL and _require_int(record, "watch_ms") < 0:
            raise InvalidEvent(f"field 'watch_ms' must be >= 0, got {record['watch_ms']}")
    record["type"] = kind
    return record


def decode(raw: bytes) -> dict[str, Any]:
    """Parse and validate one Kafka value; raises InvalidEvent with the reason."""
    try:
        record = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise InvalidEvent(f"not JSON: {exc}") from None
    if type(record) is not dict:
        raise InvalidEvent(f"record must be a JSON object, got {type(record).__name__}")
    return _validated_in_place(record)

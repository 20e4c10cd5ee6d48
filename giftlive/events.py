"""The one canonical event schema, shared by every producer and consumer.

An event is a flat record. The Parquet event log stores it column-wise (``ARROW_SCHEMA``); Kafka carries it
as an orjson object (``encode``/``decode``) with ``v`` = ``SCHEMA_VERSION`` in every record.

Ids are deterministic so that a rerun replays the same ids and consumers can drop duplicates:
``<prefix><source row>`` for row-based events and ``rs<live_id>``/``re<live_id>`` for room start/end.
"""

from __future__ import annotations

import math
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
    def wire_name(self) -> str:
        """The type as it is written on the topic ("click"); Enum's own ``name`` stays "CLICK"."""
        return self.name.lower()


TYPE_BY_NAME: dict[str, EventType] = {t.wire_name: t for t in EventType}
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


# The topic's control-header contract: a record with this header is a marker, not an event. A replay writes
# END_OF_PARTITION to every partition at its end, so a tailing flow can close every window.
CONTROL_HEADER = "giftlive-control"
END_OF_PARTITION = "end-of-partition"
IDLE = "idle"  # made by a tailing flow's source for a partition silent for a while (flows/kafka_source.py)


def control_marker(headers: list[tuple[str, bytes | None]] | None) -> str | None:
    """The value of a record's control header (e.g. ``end-of-partition``), or None for a data record."""
    for name, value in headers or ():
        if name == CONTROL_HEADER:
            return (value or b"").decode("utf-8", errors="replace")
    return None


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
            value = EventType(value).wire_name
        out[name] = value
    return orjson.dumps(out)


class InvalidEvent(ValueError):
    """A record that does not satisfy the event schema; the message says which field and why."""


# Plausible event time. Before MIN_TS_MS (2015-01-01) a timestamp is a unit mistake (seconds read as ms);
# from MAX_TS_MS (2100-01-01) on it is one too (µs, ns). Both are rejected with reason ``ts_implausible``.
MIN_TS_MS = 1_420_070_400_000
MAX_TS_MS = 4_102_444_800_000
# An event more than this ahead of its partition's newest accepted event (or of the wall clock) is rejected
# with reason ``future``: accepted, it would move its partition's event time and make every later event late.
MAX_AHEAD_MS = 86_400_000  # 1 day
# A gift interaction's total price beyond this is a broken record, not a gift: KuaiLive's largest is 56,246
# coins; the converter and the flow both reject it (a 1e100 amount once crashed the posteriors' arithmetic).
MAX_AMOUNT = 1_000_000.0
_INT64 = 2**63
_INT32 = 2**31


def _show(value: Any) -> str:
    """repr for an error message, cut short: a reason must never be bigger than the record."""
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _require_int(record: dict[str, Any], name: str, bound: int = _INT64) -> int:
    value = record.get(name)
    if type(value) is not int:  # bool is not an id
        raise InvalidEvent(f"field {name!r} must be an integer, got {_show(value)}")
    if not 0 <= value < bound:
        raise InvalidEvent(f"field {name!r} must be in [0, {bound}), got {_show(value)}")
    return value


def validate(record: dict[str, Any]) -> dict[str, Any]:
    """Check a decoded record against the schema and return it normalised (``type`` as EventType).

    Raises InvalidEvent naming the first offending field.
    """
    if not isinstance(record, dict):
        raise InvalidEvent(f"record must be a JSON object, got {type(record).__name__}")
    return _validated_in_place(dict(record))


def _validated_in_place(record: dict[str, Any]) -> dict[str, Any]:
    """``validate`` on a record this module owns (no copy); the hot path of ``decode``.

    Every value must fit its ARROW_SCHEMA column, so a record that passes here can always be written.
    """
    version = record.get("v", SCHEMA_VERSION)
    if type(version) is not int or version != SCHEMA_VERSION:  # 1.0 and true equal 1 but are not v1
        raise InvalidEvent(
            f"unsupported schema version {_show(version)} (this build reads v{SCHEMA_VERSION})"
        )
    event_id_ = record.get("id")
    if type(event_id_) is not str or not event_id_:
        raise InvalidEvent(f"field 'id' must be a non-empty string, got {_show(event_id_)}")
    kind_name = record.get("type")
    kind = TYPE_BY_NAME.get(kind_name) if type(kind_name) is str else None
    if kind is None:
        raise InvalidEvent(f"unknown event type {_show(kind_name)}; expected one of {sorted(TYPE_BY_NAME)}")
    ts, streamer, live = record.get("ts"), record.get("streamer_id"), record.get("live_id")
    if not (type(ts) is int and type(streamer) is int and type(live) is int) or not (
        MIN_TS_MS <= ts < MAX_TS_MS and 0 <= streamer < _INT64 and 0 <= live < _INT64
    ):
        if type(ts) is not int:
            raise InvalidEvent(f"field 'ts' must be an integer, got {_show(ts)}")
        if not MIN_TS_MS <= ts < MAX_TS_MS:
            raise InvalidEvent(
                f"ts_implausible: field 'ts' must be epoch milliseconds in [2015-01-01, 2100-01-01), got {ts}"
            )
        _require_int(record, "streamer_id")
        _require_int(record, "live_id")
    if kind in USER_EVENT_TYPES:
        _require_int(record, "user_id")
        if kind is EventType.GIFT:
            amount = record.get("amount")
            if type(amount) not in (int, float) or not 0 <= amount < math.inf:  # no bool, NaN, inf, < 0
                raise InvalidEvent(f"field 'amount' must be a finite number >= 0, got {_show(amount)}")
            if amount > MAX_AMOUNT:
                raise InvalidEvent(
                    f"field 'amount' {_show(amount)} is beyond the plausible {MAX_AMOUNT:,.0f}"
                )
        elif kind is EventType.DWELL and _require_int(record, "watch_ms") > ts:
            raise InvalidEvent(f"field 'watch_ms' ({record['watch_ms']}) is longer than the time since epoch")
    elif kind is EventType.ROOM_START:
        if record.get("live_type") is not None:
            _require_int(record, "live_type", _INT32)
        category = record.get("category")
        if category is not None and type(category) is not str:
            raise InvalidEvent(f"field 'category' must be a string, got {_show(category)}")
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

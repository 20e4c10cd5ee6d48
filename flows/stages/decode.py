"""Raw records in, schema-checked events out, grouped into per-shard packets; bad records dead-lettered.

A raw record is ``(partition, position, key, value, control)``: where it came from, its bytes, and an
optional control marker (``error:<reason>`` when the consumer reported an error for that message).
``END_OF_PARTITION`` says the partition's sender is finished (a replay writes one per partition at its
end), which lets a tailing flow close every window without trusting watermarks.

Each partition keeps a ``PartitionClock`` across batches: its newest accepted event time. An event more than
``MAX_AHEAD_MS`` ahead of it (or of the wall clock) is dead-lettered as ``future`` and does not move the
partition's time: one stray 2099 timestamp would otherwise make every later event of the partition late.
"""

from __future__ import annotations

import time
from typing import Any, NamedTuple

from flows.stages.protocol import DEAD_LETTER, Packet, dead_letter, streamer_key
from giftlive.compact_state import CompactState
from giftlive.events import END_OF_PARTITION, IDLE, MAX_AHEAD_MS, EventType, InvalidEvent, decode
from giftlive.stream_time import END_OF_TIME, IDLE_WATERMARK

# Types the downstream stages get. Likes and comments are not used yet but go as far as the streamer stage,
# whose merge dead-letters their late and repeated copies (nothing is dropped silently). Impressions are only
# allocation requests: a flow without decisions does not forward them.
_FOR_FEATURES = frozenset(
    {
        EventType.ROOM_START,
        EventType.ROOM_END,
        EventType.CLICK,
        EventType.LIKE,
        EventType.COMMENT,
        EventType.GIFT,
        EventType.DWELL,
    }
)
_FOR_DECISIONS = _FOR_FEATURES | {EventType.IMPRESSION}
# The FUTURE_RUN-th event in a row beyond MAX_AHEAD_MS of its partition's clock (none beyond the wall clock)
# is accepted: the partition's time really jumped (its producer was silent for over a day); it is not stuck.
FUTURE_RUN = 100


class RawRecord(NamedTuple):
    partition: int
    position: int  # Kafka offset, or row number in a file
    key: bytes | None
    value: bytes | None
    control: str | None = None


class PartitionClock(CompactState):
    """What decode remembers of one partition between batches: its newest accepted event time, and how many
    events in a row were beyond MAX_AHEAD_MS of it."""

    __slots__ = ("newest", "ahead")

    def __init__(self) -> None:
        self.newest: int | None = None
        self.ahead = 0


def decode_batch(
    records: list[RawRecord],
    shards: int,
    lateness_ms: int,
    decisions: bool = True,
    clocks: dict[int, PartitionClock] | None = None,
    now_ms: int | None = None,
) -> list[tuple[str, Any]]:
    """Validate every record; group good events by source partition into one packet per streamer shard.

    Returns ``(shard key, Packet)`` items and at most one ``(DEAD_LETTER, [records])`` item. ``clocks``
    (partition -> PartitionClock) is the caller's state, kept from batch to batch; ``now_ms`` the wall clock.

    Every shard gets a packet from every partition present in the batch (possibly without events) so that
    each shard's watermark advances. The packet watermark is the partition's newest event time minus the
    allowed lateness. An event older than that is dead-lettered as late; one more than MAX_AHEAD_MS newer
    than the partition's newest (or than the wall clock) as future. So both depend on the partition's order
    only, never on how the partition was cut into batches.
    """
    out: list[tuple[str, Any]] = []
    dead: list[dict[str, Any]] = []
    forwarded = forwarded_types(decisions)
    by_partition: dict[int, list[dict[str, Any]]] = {}
    clocks = {} if clocks is None else clocks
    horizon = (int(time.time() * 1000) if now_ms is None else now_ms) + MAX_AHEAD_MS
    ended: set[int] = set()
    idle: set[int] = set()
    for record in records:
        if record.control is not None:
            if record.control == END_OF_PARTITION:
                ended.add(record.partition)
                by_partition.setdefault(record.partition, [])
                continue
            if record.control == IDLE:  # a tailing source's partition got nothing for a while
                idle.add(record.partition)
                continue
            reason = (
                record.control[6:]
                if record.control.startswith("error:")
                else (f"unknown control marker {record.control!r}")
            )
            dead.append(dead_letter(reason, record.value, _where(record), record.key))
            continue
        if record.value is None:
            dead.append(dead_letter("empty value", None, _where(record), record.key))
            continue
        try:
            event = decode(record.value)
        except InvalidEvent as exc:
            dead.append(dead_letter(str(exc), record.value, _where(record), record.key))
            continue
        partition, ts = record.partition, event["ts"]
        clock = clocks.get(partition)
        if clock is None:
            clock = clocks[partition] = PartitionClock()
        top = clock.newest
        if partition in ended or (top is not None and ts < top - lateness_ms):
            reason = (
                f"late: after partition {partition}'s end-of-partition marker"
                if partition in ended
                else f"late: {top - ts} ms older than an earlier event of partition {partition} "
                f"(allowed lateness {lateness_ms} ms)"
            )
            dead.append(dead_letter(reason, record.value, _where(record), record.key))
            continue
        if ts > horizon or (top is not None and ts > top + MAX_AHEAD_MS):
            clock.ahead += 1
            if ts > horizon or clock.ahead < FUTURE_RUN:
                reason = (
                    f"future: ts {ts} is more than {MAX_AHEAD_MS} ms ahead of the wall clock"
                    if ts > horizon
                    else f"future: ts {ts} is {ts - top} ms ahead of partition {partition}'s newest event "
                    f"(bound {MAX_AHEAD_MS} ms)"
                )
                dead.append(dead_letter(reason, record.value, _where(record), record.key))
                continue
        clock.ahead = 0
        if top is None or ts > top:
            clock.newest = ts
        events = by_partition.get(partition)
        if events is None:
            events = by_partition[partition] = []
        events.append(event)
    for partition, events in by_partition.items():
        if partition in ended:
            watermark = END_OF_TIME
        elif events:
            watermark = clocks[partition].newest - lateness_ms
        else:
            continue
        out.extend(to_streamer_shards(events, partition, watermark, shards, forwarded))
    for partition in idle - by_partition.keys():  # not waited for until it sends again
        out.extend(to_streamer_shards([], partition, IDLE_WATERMARK, shards, forwarded))
    if dead:
        out.append((DEAD_LETTER, dead))
    return out


def forwarded_types(decisions: bool) -> frozenset:
    """The event types the stages after decode use."""
    return _FOR_DECISIONS if decisions else _FOR_FEATURES


def to_streamer_shards(
    events: list[dict[str, Any]], partition: int, watermark: int, shards: int, forwarded: frozenset
) -> list[tuple[str, Packet]]:
    """One packet per streamer shard (``streamer_id % shards``) of a partition's events, with its watermark;
    every shard gets one, possibly empty, so that its watermark advances."""
    per_shard: list[list[dict[str, Any]]] = [[] for _ in range(shards)]
    for event in events:
        if event["type"] in forwarded:
            per_shard[event["streamer_id"] % shards].append(event)
    return [
        (streamer_key(shard), Packet(shard, partition, watermark, shard_events))
        for shard, shard_events in enumerate(per_shard)
    ]


def _where(record: RawRecord) -> str:
    return f"partition {record.partition} position {record.position}"

"""decode_batch: good events to per-shard packets with the partition's watermark, bad records to dead
letters with a reason, late events judged by their partition's order alone."""

from flows.stages.decode import FUTURE_RUN, RawRecord, decode_batch
from flows.stages.protocol import DEAD_LETTER, Packet, streamer_key
from giftlive.events import END_OF_PARTITION, encode
from giftlive.stream_time import END_OF_TIME

T = 1_746_057_600_000


def _click(i: int, ts: int, streamer: int = 3) -> dict:
    return {"id": f"c{i}", "type": "click", "ts": ts, "user_id": 1, "streamer_id": streamer, "live_id": 9}


def _records(*events: dict, partition: int = 0) -> list[RawRecord]:
    return [RawRecord(partition, i, None, encode(e)) for i, e in enumerate(events)]


def test_events_go_to_their_streamer_shard_and_every_shard_gets_the_watermark():
    items = decode_batch(_records(_click(1, T, streamer=3), _click(2, T + 10, streamer=4)), 2, 5)
    packets = dict(items)
    assert set(packets) == {streamer_key(0), streamer_key(1)}
    assert [e["id"] for e in packets[streamer_key(1)].events] == ["c1"]  # streamer 3 -> shard 1
    assert [e["id"] for e in packets[streamer_key(0)].events] == ["c2"]
    assert packets[streamer_key(0)].watermark == packets[streamer_key(1)].watermark == T + 10 - 5


def test_bad_and_late_records_are_dead_lettered_with_a_reason():
    records = [
        *_records(_click(1, T + 10_000), _click(2, T)),  # the second is 10 s older than the first
        RawRecord(0, 2, b"k", b"not json"),
        RawRecord(0, 3, None, None),
    ]
    dead = dict(decode_batch(records, 1, 5_000))[DEAD_LETTER]
    reasons = [d["reason"] for d in dead]
    assert len(dead) == 3
    assert reasons[0].startswith("late: 10000 ms older")
    assert reasons[2] == "empty value"
    assert dead[1]["raw"] == b"not json" and dead[1]["key"] == b"k"


def test_end_of_partition_releases_the_partition_for_ever():
    items = decode_batch([RawRecord(0, 0, None, None, END_OF_PARTITION)], 2, 5)
    assert items == [
        (streamer_key(0), Packet(0, 0, END_OF_TIME, [])),
        (streamer_key(1), Packet(1, 0, END_OF_TIME, [])),
    ]


DAY = 86_400_000
NOW = T + 30 * DAY  # the wall clock the tests pretend


def test_a_far_future_event_is_dead_lettered_and_leaves_the_watermark_where_it_was():
    clocks: dict = {}
    first = decode_batch(_records(_click(1, T), _click(2, T + DAY + 1)), 1, 5, clocks=clocks, now_ms=NOW)
    (dead,) = dict(first)[DEAD_LETTER]
    assert dead["reason"].startswith("future: ts") and "partition 0's newest" in dead["reason"]
    assert dict(first)[streamer_key(0)].watermark == T - 5
    later = dict(decode_batch(_records(_click(3, T + 1000)), 1, 5, clocks=clocks, now_ms=NOW))
    assert DEAD_LETTER not in later and [e["id"] for e in later[streamer_key(0)].events] == ["c3"]


def test_the_first_event_of_a_partition_is_checked_against_the_wall_clock():
    items = dict(decode_batch(_records(_click(1, NOW + DAY + 1), _click(2, T)), 1, 5, now_ms=NOW))
    (dead,) = items[DEAD_LETTER]
    assert "ahead of the wall clock" in dead["reason"]
    assert [e["id"] for e in items[streamer_key(0)].events] == ["c2"]


def test_a_partition_whose_time_really_jumped_is_not_stuck():
    jumped = [_click(i, T + 2 * DAY + i) for i in range(FUTURE_RUN + 1)]
    items = dict(decode_batch(_records(_click(-1, T), *jumped), 1, 5, now_ms=NOW))
    assert len(items[DEAD_LETTER]) == FUTURE_RUN - 1
    assert [e["id"] for e in items[streamer_key(0)].events] == ["c-1", f"c{FUTURE_RUN - 1}", f"c{FUTURE_RUN}"]

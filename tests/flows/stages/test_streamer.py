"""StreamerStage: merges partitions by event time, attaches streamer and room features to clicks from
strictly before their millisecond, routes user events by user shard and room events to the decision stage."""

from flows.stages.protocol import DECISION_STAGE_KEY, Packet, user_key
from flows.stages.streamer import StreamerStage
from giftlive.events import EventType

T = 1_746_057_600_000


def _event(kind: EventType, i: int, ts: int, user: int | None = 1) -> dict:
    event = {"id": f"e{i}", "type": kind, "ts": ts, "streamer_id": 3, "live_id": 9}
    if user is not None:
        event["user_id"] = user
    return event


def test_waits_for_every_partition_then_releases_in_event_time_order():
    stage = StreamerStage(0, senders=2, user_shards=2)
    first = stage.on_packets([Packet(0, 0, T + 100, [_event(EventType.CLICK, 1, T + 50, user=2)])])
    assert all(not p.events for _, p in first)  # partition 1 has said nothing yet
    out = dict(stage.on_packets([Packet(0, 1, T + 100, [_event(EventType.CLICK, 2, T + 20, user=3)])]))
    assert [e["id"] for e in out[user_key(0)].events] == ["e1"]  # user 2 -> shard 0
    assert [e["id"] for e in out[user_key(1)].events] == ["e2"]
    assert out[user_key(0)].watermark == T + 100


def test_a_click_sees_only_clicks_from_before_its_millisecond_and_rooms_go_to_the_decision_stage():
    stage = StreamerStage(0, senders=1, user_shards=1)
    events = [
        _event(EventType.ROOM_START, 0, T, user=None) | {"live_type": 1, "category": "chat"},
        _event(EventType.CLICK, 1, T + 10),
        _event(EventType.CLICK, 2, T + 10, user=2),
        _event(EventType.CLICK, 3, T + 20),
    ]
    out = dict(stage.on_packets([Packet(0, 0, T + 1_000, events)]))
    clicks = {e["id"]: e["streamer_features"] for e in out[user_key(0)].events}
    assert clicks["e1"][0] == clicks["e2"][0] == 0  # streamer clicks before that millisecond
    assert clicks["e3"][0] == 2
    assert [e["id"] for e in out[DECISION_STAGE_KEY].events] == ["e0"]


def test_an_event_behind_the_released_watermark_is_a_dead_letter():
    stage = StreamerStage(0, senders=1, user_shards=1)
    stage.on_packets([Packet(0, 0, T + 1_000, [_event(EventType.CLICK, 1, T + 500)])])
    out = stage.on_packets([Packet(0, 0, T + 2_000, [_event(EventType.CLICK, 2, T + 100)])])
    dead = [records for key, records in out if key == "!deadletter"]
    assert dead and dead[0][0]["reason"].startswith("late: 900 ms behind sender 0")


def test_viewers_go_to_the_decision_stage_at_each_multiple_counted_from_strictly_before_it():
    every = 60_000
    stage = StreamerStage(0, senders=1, user_shards=1, viewers_every_ms=every)
    start = _event(EventType.ROOM_START, 0, T, user=None) | {"live_type": 1, "category": "chat"}
    clicks = [_event(EventType.CLICK, i, T + every - 2 + i) for i in range(1, 4)]  # one before, two after
    out = dict(stage.on_packets([Packet(0, 0, T + every + 10, [start, *clicks])]))
    reports = [e for e in out[DECISION_STAGE_KEY].events if e["id"].startswith("viewers@")]
    assert [(r["ts"], r["viewers"]) for r in reports] == [(T, []), (T + every, [(9, 1)])]
    # A quiet stretch: every multiple is still reported (prices step once a period, whatever the shards).
    out = dict(stage.on_packets([Packet(0, 0, T + 5 * every + 10, [])]))
    reports = [e for e in out[DECISION_STAGE_KEY].events if e["id"].startswith("viewers@")]
    assert [(r["ts"], r["viewers"]) for r in reports] == [(T + k * every, [(9, 3)]) for k in range(2, 6)]

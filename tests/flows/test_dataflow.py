"""Hand-built event sequences through the real dataflow (bytewax.testing): expected features and labels."""

from __future__ import annotations

import orjson
import pytest

from tests.flow_harness import run_flow

MIN = 60_000
W = 3_600_000
T0 = 1_746_374_400_000  # 2025-05-05 00:00 China time


def room(live: int, streamer: int, ts: int, category: str = "game") -> dict:
    return dict(
        id=f"rs{live}",
        type="room_start",
        ts=ts,
        streamer_id=streamer,
        live_id=live,
        live_type=1,
        category=category,
    )


def click(n: int, user: int, streamer: int, live: int, ts: int) -> dict:
    return dict(id=f"c{n}", type="click", ts=ts, user_id=user, streamer_id=streamer, live_id=live)


def gift(n: int, user: int, streamer: int, live: int, ts: int, amount: float) -> dict:
    return dict(
        id=f"g{n}", type="gift", ts=ts, user_id=user, streamer_id=streamer, live_id=live, amount=amount
    )


def dwell(n: int, user: int, streamer: int, live: int, click_ts: int, watch_ms: int) -> dict:
    return dict(
        id=f"d{n}",
        type="dwell",
        ts=click_ts + watch_ms,
        user_id=user,
        streamer_id=streamer,
        live_id=live,
        watch_ms=watch_ms,
    )


def test_gift_in_the_same_millisecond_is_credited_to_the_click_but_invisible_to_its_features():
    out = run_flow(
        [
            room(1, 7, T0),
            click(1, 3, 7, 1, T0 + 1000),
            gift(1, 3, 7, 1, T0 + 1000, 5.0),
            click(2, 3, 7, 1, T0 + 2000),
        ]
    )
    rows = out.training_by_click()
    assert rows["c1"]["label_amount"] == 5.0 and rows["c1"]["label_first_gift_ms"] == 0
    assert rows["c1"]["pair_gift_count"] == 0 and rows["c1"]["user_gift_sum"] == 0.0
    assert rows["c1"]["streamer_gift_count"] == 0
    # the second click sees the gift as history, and takes over the room for later gifts
    assert rows["c2"]["pair_gift_count"] == 1 and rows["c2"]["pair_gift_sum"] == 5.0
    assert rows["c2"]["user_streamers_gifted"] == 1 and rows["c2"]["streamer_gifters"] == 1
    assert rows["c2"]["label_amount"] == 0.0
    assert out.label("c1@60s")["gift_prob"] == 1.0


def test_two_clicks_in_one_millisecond_do_not_see_each_other():
    out = run_flow([click(1, 3, 7, 1, T0), click(2, 3, 7, 1, T0), click(3, 3, 7, 1, T0 + 1)])
    rows = out.training_by_click()
    assert rows["c1"]["pair_clicks"] == rows["c2"]["pair_clicks"] == 0
    assert rows["c1"]["room_viewers"] == rows["c2"]["room_viewers"] == 0
    assert rows["c3"]["pair_clicks"] == 2 and rows["c3"]["room_viewers"] == 2


def test_gift_after_leave_but_within_the_window_counts():
    out = run_flow(
        [
            room(1, 7, T0),
            click(1, 3, 7, 1, T0 + 1000),
            dwell(1, 3, 7, 1, T0 + 1000, 30_000),
            gift(1, 3, 7, 1, T0 + 1000 + 10 * MIN, 88.0),
        ]
    )
    assert out.training_by_click()["c1"]["label_amount"] == 88.0
    leave = out.label("c1@leave")
    assert leave["elapsed_ms"] == 30_000 and leave["count"] == 0 and 0 < leave["gift_prob"] < 1
    assert out.label("c1@60s")["count"] == 0  # the gift came after the 1-minute point
    final = out.label("c1@final")
    assert (final["amount"], final["count"], final["ts"]) == (88.0, 1, T0 + 1000 + W)


def test_gift_after_the_window_is_an_orphan():
    out = run_flow([click(1, 3, 7, 1, T0), gift(1, 3, 7, 1, T0 + W, 2.0), gift(2, 3, 7, 1, T0 + W + 1, 9.0)])
    assert out.training_by_click()["c1"]["label_amount"] == 2.0  # exactly W after the click is inside
    orphans = [label for label in out.labels if label["kind"] == "orphan"]
    assert [(o["gift_id"], o["amount"]) for o in orphans] == [("g2", 9.0)]


def test_repeat_gifts_add_up_and_the_first_delay_is_kept():
    out = run_flow(
        [
            click(1, 3, 7, 1, T0),
            gift(1, 3, 7, 1, T0 + 5000, 1.0),
            gift(2, 3, 7, 1, T0 + 20 * MIN, 10.0),
            gift(3, 3, 7, 1, T0 + 50 * MIN, 100.0),
        ]
    )
    row = out.training_by_click()["c1"]
    assert (row["label_amount"], row["label_count"], row["label_first_gift_ms"]) == (111.0, 3, 5000)
    one_minute = out.label("c1@60s")
    assert (one_minute["amount"], one_minute["count"], one_minute["gift_prob"]) == (1.0, 1, 1.0)


def test_gift_without_any_click_in_that_room_is_an_orphan():
    out = run_flow(
        [click(1, 3, 7, 1, T0), gift(1, 3, 7, 2, T0 + 1000, 4.0), gift(2, 4, 7, 1, T0 + 1000, 6.0)]
    )
    assert out.training_by_click()["c1"]["label_amount"] == 0.0
    assert sorted(o["gift_id"] for o in out.labels if o["kind"] == "orphan") == ["g1", "g2"]


def test_two_rooms_of_one_streamer_keep_their_own_clicks_and_share_the_streamer_history():
    out = run_flow(
        [
            room(1, 7, T0, "game"),
            room(2, 7, T0 + 1000, "chat"),
            click(1, 3, 7, 1, T0 + 2000),
            click(2, 3, 7, 2, T0 + 3000),
            gift(1, 3, 7, 1, T0 + 4000, 5.0),  # room 1: goes to c1 although c2 is the user's latest click
            gift(2, 3, 7, 2, T0 + 5000, 7.0),
            click(3, 4, 7, 2, T0 + 6000),
        ]
    )
    rows = out.training_by_click()
    assert rows["c1"]["label_amount"] == 5.0 and rows["c2"]["label_amount"] == 7.0
    assert rows["c2"]["category"] == "chat" and rows["c2"]["room_age_s"] == 2.0
    assert rows["c2"]["pair_clicks"] == 1  # the pair is (user, streamer), across rooms
    assert rows["c3"]["streamer_gift_sum"] == 12.0 and rows["c3"]["streamer_gifters"] == 1
    assert rows["c3"]["room_viewers"] == 1 and rows["c3"]["pair_clicks"] == 0


def test_rows_out_of_time_order_within_the_lateness_give_the_sorted_result():
    events = [
        room(1, 7, T0),
        click(1, 3, 7, 1, T0 + 1000),
        gift(1, 3, 7, 1, T0 + 2000, 5.0),
        click(2, 3, 7, 1, T0 + 3000),
        dwell(1, 3, 7, 1, T0 + 1000, 1500),
        gift(2, 3, 7, 1, T0 + 4000, 1.0),
    ]
    shuffled = [events[3], events[2], events[0], events[5], events[1], events[4]]
    in_order = run_flow(sorted(events, key=lambda e: e["ts"]), lateness_ms=0)
    disordered = run_flow(shuffled, lateness_ms=10_000)
    assert disordered.dead == []
    assert sorted(disordered.training, key=str) == sorted(in_order.training, key=str)
    assert sorted(disordered.labels, key=str) == sorted(in_order.labels, key=str)
    assert in_order.training_by_click()["c2"]["pair_gift_sum"] == 5.0


def test_an_event_later_than_the_allowed_lateness_is_dead_lettered_not_dropped():
    events = [click(1, 3, 7, 1, T0 + 10 * MIN), click(2, 3, 7, 1, T0)]
    out = run_flow(events, lateness_ms=1000, batch_size=1)
    assert list(out.training_by_click()) == ["c1"]
    (late,) = out.dead
    assert late["reason"].startswith("late:") and orjson.loads(late["raw"])["id"] == "c2"


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        (b"{not json", "not JSON"),
        (
            b'{"v": 1, "id": "x1", "type": "teleport", "ts": 1, "streamer_id": 1, "live_id": 1}',
            "unknown event type",
        ),
        (
            b'{"v": 1, "id": "g9", "type": "gift", "ts": 1746374400500, "user_id": 1, "streamer_id": 1, '
            b'"live_id": 1, '
            b'"amount": -3}',
            "'amount' must be a finite number >= 0",
        ),
        (
            b'{"v": 1, "id": "c9", "type": "click", "ts": "noon", "user_id": 1, "streamer_id": 1, '
            b'"live_id": 1}',
            "'ts' must be an integer",
        ),
        (b"[1, 2]", "JSON object"),
    ],
)
def test_bad_records_go_to_the_dead_letters_with_reason_and_raw_bytes(raw: bytes, reason: str):
    out = run_flow([click(1, 3, 7, 1, T0), raw, click(2, 3, 7, 1, T0 + 1000)], partitions=2)
    (dead,) = out.dead
    assert reason in dead["reason"] and dead["raw"] == raw
    assert sorted(out.training_by_click()) == ["c1", "c2"]


def test_every_click_gets_one_training_row_and_one_final_label_across_partitions_and_shards():
    events = [room(live, live % 3, T0) for live in range(1, 7)]
    events += [click(i, i % 5, (i % 6 + 1) % 3, i % 6 + 1, T0 + 1000 * i) for i in range(1, 200)]
    events += [gift(i, i % 5, (i % 6 + 1) % 3, i % 6 + 1, T0 + 1000 * i + 500, 1.0) for i in range(1, 200, 7)]
    events.sort(key=lambda e: e["ts"])
    for partitions, shards in ((1, 1), (4, 4), (3, 2)):
        out = run_flow(events, partitions=partitions, shards=shards, batch_size=7)
        assert len(out.training) == len(out.training_by_click()) == 199
        assert sum(label["kind"] == "final" for label in out.labels) == 199
        assert out.dead == []
        assert sum(row["label_amount"] for row in out.training) == len(range(1, 200, 7))


def test_a_replayed_copy_of_an_event_is_counted_once_and_dead_lettered():
    events = [click(1, 3, 7, 1, T0), gift(1, 3, 7, 1, T0 + 1000, 5.0)]
    out = run_flow(events + events + [click(2, 3, 7, 1, T0 + 2000)], partitions=2, lateness_ms=10_000)
    rows = out.training_by_click()
    assert len(out.training) == 2 and rows["c1"]["label_amount"] == 5.0
    assert rows["c2"]["pair_gift_count"] == 1 and rows["c2"]["pair_clicks"] == 1
    assert sorted(orjson.loads(d["raw"])["id"] for d in out.dead) == ["c1", "g1"]
    assert all(d["reason"].startswith("duplicate:") for d in out.dead)


def test_a_click_id_reused_at_another_time_is_dead_lettered_not_a_crash():
    out = run_flow([click(1, 3, 7, 1, T0), click(1, 3, 8, 2, T0 + 1000)])
    assert len(out.training) == 1 and out.training[0]["streamer_id"] == 7
    (dead,) = out.dead
    assert dead["reason"].startswith("duplicate: click id 'c1'")


def test_a_timestamp_in_microseconds_is_rejected_instead_of_ending_the_stream():
    out = run_flow([click(1, 3, 7, 1, T0), click(2, 3, 7, 1, T0 * 1000), click(3, 3, 7, 1, T0 + 1000)])
    assert sorted(out.training_by_click()) == ["c1", "c3"]
    (dead,) = out.dead
    assert dead["reason"].startswith("ts_implausible:")


@pytest.mark.parametrize("partitions", [1, 2])
def test_which_events_are_late_depends_on_the_partition_order_not_on_batching(partitions: int):
    events = [
        click(1, 3, 7, 1, T0 + 10_000),
        click(2, 3, 7, 1, T0),
        gift(1, 3, 7, 1, T0 + 1, 5.0),
        click(3, 4, 7, 1, T0 + 20_000),
    ]
    runs = [run_flow(events, partitions=partitions, lateness_ms=1000, batch_size=b) for b in (1, 2, 10)]
    for out in runs:  # the reason says where it was caught: in its batch, or against earlier batches
        assert sorted(out.training, key=str) == sorted(runs[0].training, key=str)
        assert sorted(orjson.loads(d["raw"])["id"] for d in out.dead) == ["c2", "g1"]
        assert all(d["reason"].startswith("late:") for d in out.dead)


FAR_FUTURE = 4_070_908_800_000  # 2099-01-01


@pytest.mark.parametrize("batch_size", [1, 10])
def test_an_event_far_in_the_future_is_dead_lettered_and_does_not_move_event_time(batch_size: int):
    """One stray 2099 timestamp mid-partition once made every later event of the partition late."""
    events = [
        click(1, 3, 7, 1, T0),
        click(2, 3, 7, 1, FAR_FUTURE),
        click(3, 3, 7, 1, T0 + 1000),
        click(4, 3, 7, 1, T0 + 2000),
    ]
    out = run_flow(events, lateness_ms=1000, batch_size=batch_size)
    assert sorted(out.training_by_click()) == ["c1", "c3", "c4"]
    (dead,) = out.dead
    assert dead["reason"].startswith("future:") and orjson.loads(dead["raw"])["id"] == "c2"


def test_a_timestamp_in_seconds_is_rejected_as_implausible():
    out = run_flow([click(1, 3, 7, 1, T0), click(2, 3, 7, 1, T0 // 1000), click(3, 3, 7, 1, T0 + 1000)])
    assert sorted(out.training_by_click()) == ["c1", "c3"]
    (dead,) = out.dead
    assert dead["reason"].startswith("ts_implausible:")


def test_replayed_copies_of_likes_and_comments_are_dead_lettered_too():
    """Likes and comments feed no feature yet; their copies were dropped without a dead letter."""
    room_of = dict(user_id=3, streamer_id=7, live_id=1)
    events = [
        click(1, 3, 7, 1, T0),
        dict(id="l1", type="like", ts=T0 + 500, **room_of),
        dict(id="m1", type="comment", ts=T0 + 600, **room_of),
    ]
    out = run_flow(events + events[1:] + [click(2, 3, 7, 1, T0 + 2000)], lateness_ms=10_000)
    assert sorted(out.training_by_click()) == ["c1", "c2"]
    assert sorted(orjson.loads(d["raw"])["id"] for d in out.dead) == ["l1", "m1"]
    assert all(d["reason"].startswith("duplicate:") for d in out.dead)

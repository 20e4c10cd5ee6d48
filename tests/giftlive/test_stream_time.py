"""WatermarkMerge: release order, the minimum over senders, late events."""

from __future__ import annotations

from giftlive.stream_time import END_OF_TIME, IDLE_WATERMARK, WatermarkMerge


def ev(ts: int, kind: int = 2, id_: str = "x") -> dict:
    return {"ts": ts, "type": kind, "id": id_}


def test_releases_only_below_the_slowest_sender_in_event_time_order():
    merge = WatermarkMerge(senders=2)
    assert merge.push(0, 100, [ev(50, id_="a"), ev(10, id_="b")]) == []
    assert merge.release() == []  # sender 1 has promised nothing yet
    merge.push(1, 30, [ev(20, 5, "c"), ev(20, 2, "d")])
    assert [e["id"] for e in merge.release()] == ["b", "d", "c"]  # 10, then ts 20 by type order
    merge.push(1, 60, [])
    assert [e["id"] for e in merge.release()] == ["a"]


def test_an_event_at_the_watermark_waits_for_its_millisecond_to_close():
    merge = WatermarkMerge(senders=1)
    merge.push(0, 100, [ev(100, id_="at"), ev(99, id_="before")])
    assert [e["id"] for e in merge.release()] == ["before"]
    merge.push(0, 101, [ev(100, 5, "same-ms gift")])
    assert [e["id"] for e in merge.release()] == ["at", "same-ms gift"]


def test_events_older_than_what_was_released_come_back_as_late():
    merge = WatermarkMerge(senders=1)
    merge.push(0, 100, [ev(90)])
    merge.release()
    late = merge.push(0, 100, [ev(100, id_="ok"), ev(99, id_="late")])
    assert [e["id"] for e in late] == ["late"]
    assert [e["id"] for e in merge.release_all()] == ["ok"]
    assert merge.watermark == END_OF_TIME


def test_watermarks_never_go_back():
    merge = WatermarkMerge(senders=1)
    merge.push(0, 100, [])
    merge.push(0, 50, [])
    assert merge.watermark == 100


def test_an_idle_sender_is_not_waited_for_and_its_older_events_come_back_late_when_it_returns():
    merge = WatermarkMerge(senders=2)
    merge.push(0, 100, [ev(50, id_="a")])
    assert merge.release() == []  # sender 1 has promised nothing
    merge.push(1, IDLE_WATERMARK, [])
    assert [e["id"] for e in merge.release()] == ["a"]  # not waited for while idle
    late = merge.push(1, 80, [ev(70, id_="old"), ev(120, id_="new")])
    assert [e["id"] for e in late] == ["old"]  # older than what was released meanwhile
    merge.push(0, 200, [])
    assert merge.release() == []  # sender 1 is waited for again: it promised only 80
    merge.push(1, 130, [])
    assert [e["id"] for e in merge.release()] == ["new"]


def test_when_every_sender_is_idle_nothing_moves():
    merge = WatermarkMerge(senders=1)
    merge.push(0, 100, [ev(99, id_="a"), ev(150, id_="b")])
    assert [e["id"] for e in merge.release()] == ["a"]
    merge.push(0, IDLE_WATERMARK, [])
    assert merge.release() == [] and merge.watermark == 100

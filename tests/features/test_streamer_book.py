"""StreamerBook: the viewer report lists exactly the rooms with viewers, through clicks, leaves, room ends,
restarts and expiry (it is kept as an index beside the rooms, so it is checked against them)."""

from __future__ import annotations

import numpy as np

from features.streamer_book import StreamerBook
from giftlive.events import EventType

HOUR = 3_600_000


def event(kind: EventType, ts: int, live_id: int, streamer: int = 0, user: int = 1) -> dict:
    return {"type": kind, "ts": ts, "live_id": live_id, "streamer_id": streamer, "user_id": user}


def rooms_with_viewers(book: StreamerBook) -> dict[int, int]:
    """The definition: every known room with viewers."""
    return {live_id: room.viewers for live_id, room in book.rooms.items() if room.viewers > 0}


def test_the_viewer_report_is_every_room_with_viewers_as_rooms_fill_empty_end_and_expire():
    book = StreamerBook(ttl_ms=6 * HOUR)
    rng = np.random.default_rng(3)
    reports = filled = 0
    for step in range(4_000):
        ts = step * 10_000  # 10 s apart: rooms idle for the TTL expire within the run
        live_id = int(rng.integers(0, 40))
        kind = rng.choice(["start", "click", "click", "leave", "end"])
        if kind == "start":
            book.apply_room_event(event(EventType.ROOM_START, ts, live_id, streamer=live_id % 7))
        elif kind == "end":
            book.apply_room_event(event(EventType.ROOM_END, ts, live_id))
        elif kind == "click":
            book.learn(event(EventType.CLICK, ts, live_id, streamer=live_id % 7))
        else:
            book.learn(event(EventType.DWELL, ts, live_id, streamer=live_id % 7))
        if step % 500 == 499:  # every other sweep is as if 7 h had passed: every room expires
            book.expire(ts + 7 * HOUR * (step % 1000 == 999))
        if step % 7 == 0:
            report = book.viewers()
            assert len(report) == len(dict(report))
            assert dict(report) == rooms_with_viewers(book)
            reports += 1
            filled += bool(report)
    assert reports > 500 and filled > 400


def test_a_room_that_empties_and_fills_again_is_reported_again():
    book = StreamerBook()
    book.learn(event(EventType.CLICK, 0, 5))
    book.learn(event(EventType.DWELL, 1, 5))
    assert book.viewers() == []
    book.learn(event(EventType.CLICK, 2, 5))
    assert book.viewers() == [(5, 1)]

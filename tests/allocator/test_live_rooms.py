"""Live rooms from room_start/room_end, bounded when an end is lost."""

from __future__ import annotations

from allocator.live_rooms import LiveRooms

DAY = 86_400_000


def test_rooms_start_and_end_per_streamer():
    rooms = LiveRooms()
    rooms.start(10, 1, 0)
    rooms.start(11, 1, 5)
    rooms.start(10, 1, 9)  # a repeated start changes nothing
    assert 10 in rooms and rooms.by_streamer == {1: [10, 11]} and len(rooms) == 2
    rooms.end(10)
    rooms.end(10)
    assert rooms.by_streamer == {1: [11]}
    rooms.end(11)
    assert rooms.by_streamer == {} and len(rooms) == 0


def test_a_room_whose_end_was_lost_is_dropped_after_the_longest_plausible_stream():
    rooms = LiveRooms(max_live_ms=DAY)
    rooms.start(10, 1, 0)
    rooms.start(11, 2, DAY)
    assert rooms.expired(DAY) == [10]  # the caller ends it

"""A request's cold-start floor: counted without listing, listed (and drawn from) only when asked."""

from __future__ import annotations

import numpy as np

from allocator.cold_floor import ColdFloor, indices_in

MASK = np.array([False, True, True, False, True, True, False])  # cold-start rooms at 1, 2, 4, 5


def floor(blocked: np.ndarray | None) -> ColdFloor:
    return ColdFloor(MASK, int(MASK.sum()), blocked)


def test_the_size_and_membership_need_no_list_of_rooms():
    cold = floor(np.array([4, 0]))  # a cold-start room and a warm one are capped
    assert cold.size == 3
    assert [cold.holds(room) for room in range(7)] == [False, True, True, False, False, True, False]
    assert not cold.holds(-1)
    assert cold._rooms is None  # nothing listed yet


def test_the_rooms_are_listed_once_without_the_blocked_ones_and_drawn_by_the_hash():
    cold = floor(np.array([4, 0]))
    rooms = cold.rooms
    assert rooms.tolist() == [1, 2, 5] and cold.rooms is rooms
    assert [cold.pick(h) for h in (0, 1, 2, 3, 2**32 - 1)] == [1, 2, 5, 1, [1, 2, 5][(2**32 - 1) % 3]]
    unblocked = floor(None)
    assert unblocked.size == 4 and unblocked.rooms.tolist() == [1, 2, 4, 5]


def test_indices_in_finds_the_items_a_sorted_array_holds():
    ascending = np.array([2, 5, 9, 14])
    assert indices_in(ascending, np.array([14, 3, 2, 20, 9])).tolist() == [3, 0, 2]
    assert indices_in(ascending, np.array([], dtype=np.int64)).size == 0

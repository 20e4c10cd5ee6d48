"""State objects pickle as bare tuples; a snapshot from a version with other fields is refused clearly."""

from __future__ import annotations

import pickle

import pytest

from giftlive.compact_state import CompactState


class Counter(CompactState):
    __slots__ = ("count", "last")

    def __init__(self) -> None:
        self.count, self.last = 3, 9


def test_round_trip_and_a_snapshot_of_another_version_is_refused():
    again = pickle.loads(pickle.dumps(Counter()))
    assert (again.count, again.last) == (3, 9)
    stale = Counter.__new__(Counter)
    with pytest.raises(RuntimeError, match="holds 3 fields, this GiftLive's has 2"):
        stale.__setstate__((1, 2, 3))

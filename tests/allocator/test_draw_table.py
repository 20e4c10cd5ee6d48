"""Thompson draws are kept between rounds and renewed only for news: labels, age, or a first appearance."""

from __future__ import annotations

import numpy as np

from allocator.draw_table import DrawTable
from allocator.posteriors import PosteriorBook


def test_draws_are_renewed_after_labels_or_age_and_freed_when_no_longer_live():
    table, book, rng = DrawTable(rows=8), PosteriorBook(), np.random.default_rng(1)
    table.ensure([1, 2, 3], 0, 0, rng, book)
    first = {s: table.values[table.slot_of[s]].copy() for s in (1, 2, 3)}
    table.ensure([1, 2, 3], 1, 0, rng, book)  # already drawn: nothing changes
    table.relabelled.add(2)
    table.renew({1, 2, 3}, 1, max_age_rounds=5, now_ms=0, rng=rng, posteriors=book)
    assert (table.values[table.slot_of[1]] == first[1]).all()
    assert not (table.values[table.slot_of[2]] == first[2]).all()
    table.renew({1, 2, 3}, 5, max_age_rounds=5, now_ms=0, rng=rng, posteriors=book)  # drawn in round 0
    assert not (table.values[table.slot_of[1]] == first[1]).all()
    assert table.drawn_in == {1: 5, 2: 1, 3: 5}
    slot = table.slot_of[3]
    table.forget({1, 2})
    assert 3 not in table.slot_of and table.free == [slot]
    table.ensure([4], 6, 0, rng, book)
    assert table.slot_of[4] == slot  # its slot is reused


def test_the_table_grows_past_its_first_block():
    table, book, rng = DrawTable(rows=4), PosteriorBook(), np.random.default_rng(2)
    table.ensure(list(range(1000)), 0, 0, rng, book)
    assert len(table.values) >= 1000 and (table.values[table.slots(list(range(1000)))] >= 0).all()

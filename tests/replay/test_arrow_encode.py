"""The column-wise encoder must give exactly the bytes of giftlive.events.encode/kafka_key."""

from __future__ import annotations

import math

import pyarrow as pa

from giftlive.events import ARROW_SCHEMA, encode, kafka_key
from replay.arrow_encode import encode_batch
from tests.fake_events import fake_event_table


def _reference(rows: list[dict]) -> tuple[list[bytes], list[bytes]]:
    return [encode(r) for r in rows], [kafka_key(r) for r in rows]


def test_whole_log_matches_encode() -> None:
    for batch in fake_event_table(20_000, seed=4).to_batches(max_chunksize=4096):
        assert encode_batch(batch) == _reference(batch.to_pylist())


def _row(**fields: object) -> dict:
    base = dict.fromkeys(ARROW_SCHEMA.names)
    base.update(id="n1", type=1, ts=0, streamer_id=2, live_id=3)
    base.update(fields)
    return base


def test_edge_values_match_encode() -> None:
    rows = [
        _row(user_id=-7, amount=0.1, type=5),
        _row(amount=1e16, type=5, category="游戏 ünïcode/slash"),
        _row(amount=1.5e-7, type=5, user_id=0),
        _row(amount=math.nan, type=5, user_id=1),
        _row(amount=math.inf, type=5, user_id=1),
        _row(type=0, live_type=2, category="", ts=2**62),
        _row(type=6, watch_ms=0, user_id=9),
        _row(type=7),
    ]
    batch = pa.RecordBatch.from_pylist(rows, schema=ARROW_SCHEMA)
    assert encode_batch(batch) == _reference(rows)


def test_strings_needing_escapes_fall_back() -> None:
    for text in ['say "hi"', "back\\slash", "new\nline", "\x01"]:
        batch = pa.RecordBatch.from_pylist([_row(type=0, category=text)], schema=ARROW_SCHEMA)
        assert encode_batch(batch) is None

"""The event schema check: every value that passes fits its Arrow column; reasons stay short."""

from __future__ import annotations

import orjson
import pytest

from giftlive.events import EventType, InvalidEvent, decode, encode, validate

CLICK = {
    "v": 1,
    "id": "c1",
    "type": "click",
    "ts": 1_746_374_400_000,
    "user_id": 3,
    "streamer_id": 7,
    "live_id": 1,
}


def test_a_valid_record_comes_back_with_its_type_as_an_enum():
    event = decode(encode(CLICK))
    assert event["type"] is EventType.CLICK and event["ts"] == CLICK["ts"]


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"ts": 1_746_374_400_000_000}, "ts_implausible: field 'ts' must be epoch milliseconds in"),  # µs
        ({"ts": 1_746_374_400}, "ts_implausible: field 'ts'"),  # seconds read as milliseconds
        ({"ts": -1}, "ts_implausible: field 'ts'"),
        ({"user_id": 2**63}, "'user_id' must be in [0, "),
        ({"live_id": 1.0}, "'live_id' must be an integer"),
        ({"streamer_id": True}, "'streamer_id' must be an integer"),
        ({"type": "gift", "amount": float("inf")}, "'amount' must be a finite number"),
        ({"type": "gift", "amount": -1}, "'amount' must be a finite number >= 0"),
        ({"type": "dwell", "watch_ms": 2 * 1_746_374_400_000}, "'watch_ms'"),
        ({"type": "room_start", "live_type": 2**40}, "'live_type' must be in [0, 2147483648)"),
        ({"type": "room_start", "category": 5}, "'category' must be a string"),
        ({"type": "teleport"}, "unknown event type"),
        ({"v": 2}, "unsupported schema version"),
        ({"v": 1.0}, "unsupported schema version 1.0"),  # equal to 1, but not the integer version
        ({"v": True}, "unsupported schema version True"),
        ({"type": "gift", "amount": 1e100}, "'amount' 1e\\+100 is beyond the plausible 1,000,000"),
    ],
)
def test_values_that_would_not_fit_the_schema_are_rejected(change: dict, reason: str):
    with pytest.raises(
        InvalidEvent, match=reason.replace("[", r"\[").replace("(", r"\(").replace(")", r"\)")
    ):
        validate({**CLICK, **change})


def test_a_huge_value_does_not_make_a_huge_reason():
    with pytest.raises(InvalidEvent) as caught:
        decode(orjson.dumps({**CLICK, "ts": "x" * 100_000}))
    assert len(str(caught.value)) < 200

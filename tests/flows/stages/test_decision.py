"""DecisionStage: merges room events, requests and labels by event time and answers every request once,
with a room that is live at the request's time."""

from flows.stages.decision import DecisionStage
from flows.stages.protocol import (
    DECISION,
    Packet,
    decision_sender_of_labels,
    decision_sender_of_streamer,
    decision_sender_of_user,
    decision_senders,
    request_item,
)
from giftlive.events import EventType

T = 1_746_057_600_000


def _room(kind: EventType, live: int, ts: int) -> dict:
    return {"id": f"r{kind}{live}", "type": kind, "ts": ts, "streamer_id": live, "live_id": live}


def _request(i: int, ts: int) -> dict:
    event = {"id": f"n{i}", "type": EventType.IMPRESSION, "ts": ts, "user_id": 1}
    return request_item(event, history=[])


def test_every_request_gets_one_decision_for_a_live_room():
    stage = DecisionStage(decision_senders(1, 1, 0))
    rooms = [_room(EventType.ROOM_START, 5, T), _room(EventType.ROOM_END, 5, T + 1_000)]
    requests = [_request(1, T + 500), _request(2, T + 2_000)]
    out = stage.on_packets(
        [
            Packet(0, decision_sender_of_labels(0), T + 5_000, []),
            Packet(0, decision_sender_of_streamer(0), T + 5_000, rooms),
            Packet(0, decision_sender_of_user(1, 0, 1), T + 5_000, requests),
        ]
    )
    decisions = {d["request_id"]: d for key, records in out if key == DECISION for d in records}
    assert set(decisions) == {"n1", "n2"}
    assert decisions["n1"]["live_id"] == 5
    assert decisions["n2"]["live_id"] is None  # the only room had ended


def test_nothing_is_decided_before_every_sender_has_passed_the_request():
    stage = DecisionStage(decision_senders(1, 1, 0))
    out = stage.on_packets([Packet(0, decision_sender_of_user(1, 0, 1), T + 5_000, [_request(1, T)])])
    assert not [key for key, _ in out if key == DECISION]
    out = stage.on_eof()
    assert [len(records) for key, records in out if key == DECISION] == [1]

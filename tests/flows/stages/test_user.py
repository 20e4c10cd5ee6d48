"""UserStage: user and pair features from strictly before the click, gift attribution, labels for the label
stage, a training row per click at the end of its window, and one request per impression or click."""

from features.columns import FEATURES
from flows.stages.protocol import DECISION_STAGE_KEY, TRAINING, Packet, label_key, user_key
from flows.stages.streamer import StreamerStage
from flows.stages.user import UserStage
from giftlive.events import EventType

T = 1_746_057_600_000
HOUR = 3_600_000


def _event(kind: EventType, i: int, ts: int, **extra) -> dict:
    event = {"id": f"{kind.wire_name}{i}", "type": kind, "ts": ts, "user_id": 1, "streamer_id": 3}
    return event | {"live_id": 9} | extra


def _through_streamer_stage(events: list[dict]) -> Packet:
    """The events as the streamer stage hands them on (with streamer and room features on clicks)."""
    stage = StreamerStage(0, senders=1, user_shards=1)
    return dict(stage.on_packets([Packet(0, 0, events[-1]["ts"] + 1, events)]))[user_key(0)]


def test_a_gifted_click_gives_labels_a_training_row_and_requests():
    events = [
        _event(EventType.IMPRESSION, 1, T),
        _event(EventType.CLICK, 1, T + 1),
        _event(EventType.GIFT, 1, T + 5_000, amount=52.0),
        _event(EventType.CLICK, 2, T + 2 * HOUR),
    ]
    stage = UserStage(0, senders=1)
    out = stage.on_packets([_through_streamer_stage(events)])
    out += stage.on_eof()
    requests = [e for key, p in out if key == DECISION_STAGE_KEY for e in p.events]
    assert [r["id"] for r in requests] == ["impression1", "click1", "click2"]
    labels = [e["label"] for key, p in out if key == label_key(0) for e in p.events if "label" in e]
    finals = {label["label_id"]: label for label in labels if label["kind"] == "final"}
    assert finals["click1@final"]["amount"] == 52.0
    rows = {row["click_id"]: row for key, rows in out if key == TRAINING for row in rows}
    assert rows["click1"]["label_amount"] == 52.0
    gift_count = FEATURES.index("pair_gift_count")
    assert rows["click1"][FEATURES[gift_count]] == 0  # the gift came after the click
    assert rows["click2"][FEATURES[gift_count]] == 1  # ... and before the next one


def test_value_requests_carry_the_users_counts_from_strictly_before_them():
    events = [
        _event(EventType.CLICK, 1, T),
        _event(EventType.IMPRESSION, 1, T + 10),
        _event(EventType.IMPRESSION, 2, T + 20),
        _event(EventType.GIFT, 1, T + 30, amount=10.0),
        _event(EventType.CLICK, 2, T + 30),  # same millisecond as the gift: the gift is not counted yet
        _event(EventType.IMPRESSION, 3, T + 40),
    ]
    stage = UserStage(0, senders=1, profile=True)
    out = stage.on_packets([_through_streamer_stage(events)])
    requests = {e["id"]: e for key, p in out if key == DECISION_STAGE_KEY for e in p.events}
    assert requests["click1"]["profile"] == ((0, 0, 0, 0.0), {})
    assert requests["impression2"]["profile"] == ((1, 1, 0, 0.0), {3: (1, 1, 0, 0.0)})
    assert requests["click2"]["profile"] == ((2, 1, 0, 0.0), {3: (2, 1, 0, 0.0)})
    assert requests["impression3"]["profile"] == ((2, 2, 1, 10.0), {3: (2, 2, 1, 10.0)})

"""The online model in the flow: one prediction per click, made before any label of that click (or of its
millisecond) was learned, and learning from the labels moves later predictions."""

from __future__ import annotations

from estimation.online import OnlineGiftModel
from features.columns import FEATURES
from tests.flow_harness import run_flow

T0 = 1_746_374_400_000


def _events(n: int) -> list[dict]:
    events = [dict(id="rs1", type="room_start", ts=T0 - 1, streamer_id=1, live_id=1)]
    for i in range(n):
        ts = T0 + i * 120_000  # every click's 60 s label comes before the next click
        user = i % 5
        events.append(dict(id=f"c{i}", type="click", ts=ts, user_id=user, streamer_id=1, live_id=1))
        if user == 0:
            events.append(
                dict(
                    id=f"g{i}",
                    type="gift",
                    ts=ts + 10_000,
                    user_id=user,
                    streamer_id=1,
                    live_id=1,
                    amount=100.0,
                )
            )
    return events


def test_one_prediction_per_click_made_before_its_labels():
    out = run_flow(_events(200), batch_size=7)
    predictions = {p["click_id"]: p for p in out.predictions}
    rows = out.training_by_click()
    assert predictions.keys() == rows.keys() and len(predictions) == 200
    first = rows["c0"]
    fresh = OnlineGiftModel()
    untrained = fresh.predict_one(fresh.prepare(tuple(first[name] for name in FEATURES)))
    assert (predictions["c0"]["p_gift"], predictions["c0"]["amount_if_gift"]) == untrained[:2]
    # user 0 gifts every time: by the end the model tells them apart from the others
    late = [p for cid, p in predictions.items() if int(cid[1:]) >= 150]
    gifters = [p["value"] for p in late if int(p["click_id"][1:]) % 5 == 0]
    others = [p["value"] for p in late if int(p["click_id"][1:]) % 5 != 0]
    assert min(gifters) > max(others)
    assert all(0 < p["p_gift"] < 1 and p["model"] == "online-river.v1" for p in out.predictions)


def test_the_online_model_can_be_switched_off():
    out = run_flow(_events(20), online_model=False)
    assert out.predictions == [] and len(out.training) == 20

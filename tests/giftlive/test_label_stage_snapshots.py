"""The label stage's online-model snapshots for the decision stage: stamped by event time alone, each holding
exactly what the model learned from items strictly before its stamp, whatever the batching."""

from __future__ import annotations

import numpy as np

from estimation.online import OnlineGiftModel
from features.columns import FEATURES
from giftlive.stages import DECISION_STAGE_KEY, Packet
from giftlive.stages.label_stage import MODEL_ITEM_TYPE, LabelStage, click_item

ROUND = 600_000
T0 = 1_746_374_400_000
PROBES = [
    tuple(float(i + k) if n != "category" else "game" for k, n in enumerate(FEATURES)) for i in range(3)
]


def _clicks() -> list[dict]:
    """Clicks with quiet gaps of several rounds between bursts (the watermark passes stamps with no item)."""
    rng = np.random.default_rng(2)
    ts = np.sort(
        np.concatenate([T0 + rng.integers(0, 1200_000, 40), T0 + 4_000_000 + rng.integers(0, 300_000, 30)])
    )
    ts = np.concatenate([ts, T0 + 9_100_000 + np.arange(5)])
    clicks = []
    for i, t in enumerate(ts.tolist()):
        features = tuple(float(rng.integers(0, 50)) if n != "category" else "game" for n in FEATURES)
        clicks.append(click_item({"ts": t, "id": f"c{i:03d}"}, features))
    return clicks


def _snapshots(packets: list[Packet]) -> list[dict]:
    """The model items sent to the decision stage; none older than a watermark sent before it (the decision
    stage's merge would take it for late)."""
    stage = LabelStage(1, 3_600_000, decisions=True, online=True, snapshot_every_ms=ROUND)
    items, sent = [], 0
    for out in [stage.on_packets([packet]) for packet in packets] + [stage.on_eof()]:
        for key, payload in out:
            if key == DECISION_STAGE_KEY:
                models = [item for item in payload.events if item["type"] == MODEL_ITEM_TYPE]
                assert all(item["ts"] >= sent for item in models)
                items += models
                sent = payload.watermark
    return items


def _one_by_one(clicks: list[dict]) -> list[Packet]:
    """Each click alone, then a packet that only moves the watermark on to the next click."""
    packets = []
    for click, following in zip(clicks, clicks[1:] + [None], strict=True):
        packets.append(Packet(0, 0, click["ts"], [click]))
        until = click["ts"] + 5 * ROUND if following is None else following["ts"]
        packets.append(Packet(0, 0, until, []))
    return packets


def _effective(snapshots: list[dict], t: int) -> dict | None:
    """The snapshot a request at ``t`` decides with: the latest stamped at or before it."""
    before = [s for s in snapshots if s["ts"] <= t]
    return before[-1] if before else None


def test_snapshots_hold_what_was_learned_before_the_round_whatever_the_batching():
    clicks = _clicks()
    batched = _snapshots([Packet(0, 0, T0 + 20_000_000, clicks)])
    trickled = _snapshots(_one_by_one(clicks))
    for snapshots in (batched, trickled):
        assert all(s["ts"] % ROUND == 0 for s in snapshots)
        assert [s["ts"] for s in snapshots] == sorted({s["ts"] for s in snapshots})
    # the watermark alone stamped some of the trickled ones: the stamps differ, what they hold must not
    assert [s["ts"] for s in trickled] != [s["ts"] for s in batched]
    for t in range(T0, T0 + 9_500_000, 97_000):
        start = t // ROUND * ROUND
        expected = OnlineGiftModel()
        for click in clicks:
            if click["ts"] < start:
                expected.prepare(click["features"])
        for snapshots in (batched, trickled):
            snapshot = _effective(snapshots, t)
            if snapshot is None:  # no model yet: nothing was learned before the round
                assert not any(c["ts"] < start for c in clicks)
                continue
            for probe in PROBES:  # the scaler learns every click's features: it shows what was learned
                got, want = snapshot["model"].scaled(probe)[1], expected.scaled(probe)[1]
                assert got.keys() == want.keys()
                assert np.allclose([got[k] for k in want], list(want.values())), t

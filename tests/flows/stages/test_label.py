"""The label stage's online-model snapshots for the decision stage: stamped by event time alone, each holding
exactly what the model learned (clicks' features, labels) from items strictly before its stamp, whatever
the batching."""

from __future__ import annotations

import numpy as np

from estimation.online import OnlineGiftModel
from features.columns import FEATURES
from flows.stages.label import LabelStage
from flows.stages.protocol import (
    DECISION_STAGE_KEY,
    LABEL_ITEM_TYPE,
    MODEL_ITEM_TYPE,
    Packet,
    click_item,
    label_item,
)
from labels.label_book import FIRST_GIFT_MS

ROUND = 600_000
T0 = 1_746_374_400_000
PROBES = [
    tuple(float(i + k) if n != "category" else "game" for k, n in enumerate(FEATURES)) for i in range(3)
]


def _items() -> list[dict]:
    """Clicks and their final labels 45 s later, in bursts with quiet gaps of several rounds (so the
    watermark passes stamps with no item), in event-time order."""
    rng = np.random.default_rng(2)
    ts = np.concatenate([T0 + rng.integers(0, 1200_000, 40), T0 + 4_000_000 + rng.integers(0, 300_000, 30)])
    ts = np.concatenate([np.sort(ts), T0 + 9_100_000 + np.arange(5)])
    items = []
    for i, t in enumerate(ts.tolist()):
        features = tuple(float(rng.integers(0, 50)) if n != "category" else "game" for n in FEATURES)
        items.append(click_item({"ts": t, "id": f"c{i:03d}"}, features))
        gifted = bool(features[FEATURES.index("pair_clicks")] > 25)
        amount = float(rng.integers(1, 100)) if gifted else 0.0
        label = {
            "kind": "final",
            "label_id": f"c{i:03d}@final",
            "click_id": f"c{i:03d}",
            "ts": t + 45_000,
            "segment": "new",
            FIRST_GIFT_MS: 1_000 if gifted else None,
            "gift_prob": float(gifted),
            "amount": amount,
            "count": int(gifted),
        }
        items.append(label_item(label))
    return sorted(items, key=lambda item: (item["ts"], item["type"], item["id"]))


def _learned_before(items: list[dict], stamp: int) -> OnlineGiftModel:
    """The online model taught by hand, in order, every item strictly before ``stamp``."""
    model, prepared = OnlineGiftModel(), {}
    for item in items:
        if item["ts"] >= stamp:
            break
        if item["type"] == LABEL_ITEM_TYPE:
            label = dict(item["label"])
            label.pop(FIRST_GIFT_MS)
            model.learn_label(prepared[label["click_id"]], label)
        else:
            prepared[item["id"]] = model.prepare(item["features"])
    return model


def _snapshots(packets: list[Packet]) -> list[dict]:
    """The model items sent to the decision stage; none older than a watermark sent before it (the decision
    stage's merge would take it for late)."""
    stage = LabelStage(1, 3_600_000, decisions=True, online=True, snapshot_every_ms=ROUND)
    models, sent = [], 0
    for out in [stage.on_packets([packet]) for packet in packets] + [stage.on_eof()]:
        for key, payload in out:
            if key == DECISION_STAGE_KEY:
                found = [item for item in payload.events if item["type"] == MODEL_ITEM_TYPE]
                assert all(item["ts"] >= sent for item in found)
                models += found
                sent = payload.watermark
    return models


def _one_by_one(items: list[dict]) -> list[Packet]:
    """Each item alone, then a packet that only moves the watermark on to the next item."""
    packets = []
    for item, following in zip(items, items[1:] + [None], strict=True):
        packets.append(Packet(0, 0, item["ts"], [item]))
        until = item["ts"] + 5 * ROUND if following is None else following["ts"]
        packets.append(Packet(0, 0, until, []))
    return packets


def _copy(items: list[dict]) -> list[dict]:
    """The stage corrects labels in place: each run gets its own."""
    return [item | {"label": dict(item["label"])} if "label" in item else item for item in items]


def test_snapshots_hold_what_was_learned_before_the_round_whatever_the_batching():
    items = _items()
    batched = _snapshots([Packet(0, 0, T0 + 20_000_000, _copy(items))])
    trickled = _snapshots(_one_by_one(_copy(items)))
    for snapshots in (batched, trickled):
        assert all(s["ts"] % ROUND == 0 for s in snapshots)
        assert [s["ts"] for s in snapshots] == sorted({s["ts"] for s in snapshots})
    # the watermark alone stamped some of the trickled ones: the stamps differ, what they hold must not
    assert [s["ts"] for s in trickled] != [s["ts"] for s in batched]
    changed = 0
    for t in range(T0, T0 + 9_500_000, 97_000):
        start = t // ROUND * ROUND
        expected = _learned_before(items, start)
        want_values = expected.values(PROBES)
        for snapshots in (batched, trickled):
            before = [s for s in snapshots if s["ts"] <= t]  # what a request at t decides with
            if not before:  # no model yet: nothing was learned before the round
                assert not any(item["ts"] < start for item in items)
                continue
            model = before[-1]["model"]
            assert np.allclose(model.values(PROBES), want_values), t
            for probe in PROBES:  # the scaler learns every click's features
                got, want = model.scaled(probe)[1], expected.scaled(probe)[1]
                assert got.keys() == want.keys()
                assert np.allclose([got[k] for k in want], list(want.values())), t
        changed += not np.allclose(want_values, OnlineGiftModel().values(PROBES))
    assert changed > 50  # the labels taught the model something the probes see

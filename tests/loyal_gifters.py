"""A toy population for the online model's tests: loyal pairs (with gift history) give often and much,
everyone else rarely and little."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from estimation.online import OnlineGiftModel


def teach_loyal_gifters(model: OnlineGiftModel, row: Callable[[bool], tuple], n: int, seed: int) -> None:
    """``n`` clicks, 30 % of them loyal (``row(True)``, P(gift) 0.3, ~e^4) and the rest not (``row(False)``,
    P(gift) 0.02, ~e^1), each with its final label."""
    rng = np.random.default_rng(seed)
    for i in range(n):
        loyal = rng.random() < 0.3
        gifted = rng.random() < (0.3 if loyal else 0.02)
        amount = float(np.exp(rng.normal(4.0 if loyal else 1.0, 0.3))) if gifted else 0.0
        label = {"kind": "final", "click_id": f"c{i}", "gift_prob": float(gifted), "amount": amount}
        model.learn_label(model.prepare(row(loyal)), label | {"count": int(gifted)})

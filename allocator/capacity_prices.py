"""Capacity through dual (shadow) prices, from the viewers the rooms actually have.

A streamer has room for about ``capacity`` viewers before its gifting saturates. Every ``price_every_ms``
(a minute) of event time the streamer stages report every room's viewers (clicks in, leaves out:
features/streamer_book.py); a streamer's price follows the dual (sub)gradient of its capacity constraint,

    lambda_s <- max(0, lambda_s + step x (viewers_s / capacity - 1))

and a room's value is multiplied by exp(-lambda_s): a crowded streamer costs more each report it stays
crowded and is released gradually as it empties, instead of a hard cap flipping it on and off (``step``
None is that hard cap on the same reports, the baseline the prices are measured against). Prices move
only on the viewer reports, which every decision shard receives, so a request is priced the same wherever
it is decided; nothing depends on the allocator's own decisions.
"""

from __future__ import annotations

import numpy as np

from giftlive.compact_state import CompactState


class CapacityPrices(CompactState):
    __slots__ = ("capacity", "step", "price", "viewers", "version")

    def __init__(self, capacity: float, step: float | None = 0.5) -> None:
        self.capacity = capacity  # viewers per streamer; 0: no prices
        self.step = step  # None: a hard cap instead (infinite price while at capacity, none below)
        self.price: dict[int, float] = {}  # streamer -> lambda (only the positive ones)
        self.viewers: dict[int, int] = {}  # streamer -> viewers at its latest report (only the non-zero)
        self.version = 0  # counts the reports that changed a price

    def observe(
        self, viewers: list[tuple[int, int]], streamer_of: dict[int, int], shard: tuple[int, int] = (0, 1)
    ) -> None:
        """One streamer shard's report of its rooms with viewers (room, viewers); rooms not live are left
        out, and the shard's priced streamers (``streamer % count == index``) not in it have none."""
        if self.capacity <= 0:
            return
        load: dict[int, int] = {}
        for live_id, count in viewers:
            streamer = streamer_of.get(live_id)
            if streamer is not None:
                load[streamer] = load.get(streamer, 0) + count
        mine, shards = shard
        for streamer in self.price:
            if streamer % shards == mine and streamer not in load:
                load[streamer] = 0
        for streamer in [s for s in self.viewers if s % shards == mine and s not in load]:
            del self.viewers[streamer]
        changed = False
        for streamer, count in load.items():
            if count:
                self.viewers[streamer] = count
            else:
                self.viewers.pop(streamer, None)
            old = self.price.get(streamer, 0.0)
            if self.step is None:
                new = np.inf if count >= self.capacity else 0.0
            else:
                new = max(0.0, old + self.step * (count / self.capacity - 1.0))
            if new != old:
                changed = True
                if new > 0:
                    self.price[streamer] = new
                else:
                    del self.price[streamer]
        if changed:
            self.version += 1

    def multipliers(self, streamers: np.ndarray) -> np.ndarray:
        """exp(-lambda_s) of each streamer (1 without a price)."""
        if not self.price:
            return np.ones(streamers.size)
        price = self.price
        return np.exp(-np.array([price.get(s, 0.0) for s in streamers.tolist()]))

    def forget(self, live: dict[int, list[int]]) -> None:
        """Drop the prices of streamers with no live room (``live``: streamer -> rooms)."""
        for streamer in [s for s in self.price if s not in live]:
            del self.price[streamer]
        for streamer in [s for s in self.viewers if s not in live]:
            del self.viewers[streamer]

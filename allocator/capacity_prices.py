"""Capacity through prices per streamer, from the viewers the rooms actually have.

A streamer has room for about ``capacity`` viewers before its gifting saturates. Every ``price_every_ms``
(a minute) of event time the streamer stages report every room's viewers (clicks in, leaves out:
features/streamer_book.py); each report sets the streamer's price lambda_s, and a room's value is
multiplied by exp(-lambda_s). Three rules (PRICE_RULES):

- ``dilution`` (the default): lambda_s = log(viewers_s / capacity) past capacity, 0 below. Past capacity a
  room does not refuse newcomers, it dilutes them: a newcomer's gifting shrinks to capacity / viewers
  (soft saturation, as in the synthetic world: replay/synth/truth.py ``saturate``), so exp(-lambda_s) is the
  share of its value an exposure still brings at the room's load, and a crowded good room can still beat
  an empty poor one.
- ``subgradient``: the dual (sub)gradient of a hard capacity constraint,
  lambda_s <- max(0, lambda_s + step x (viewers_s / capacity - 1)): a streamer costs more each report it
  stays crowded and is released gradually as it empties.
- ``hard-cap``: an infinite price while at capacity, none below (the baseline the prices are measured
  against).

Prices move only on the viewer reports, which every decision shard receives, so a request is priced the
same wherever it is decided; nothing depends on the allocator's own decisions.
"""

from __future__ import annotations

import math

import numpy as np

from giftlive.compact_state import CompactState

PRICE_RULES = ("dilution", "subgradient", "hard-cap")


class CapacityPrices(CompactState):
    __slots__ = ("capacity", "rule", "step", "price", "viewers", "shards", "version")

    def __init__(self, capacity: float, rule: str = "dilution", step: float = 0.5) -> None:
        if rule not in PRICE_RULES:
            raise ValueError(f"price rule {rule!r}: choose one of {', '.join(PRICE_RULES)}")
        self.capacity = capacity  # viewers per streamer; 0: no prices
        self.rule = rule
        self.step = step  # the subgradient's step per report
        self.price: dict[int, float] = {}  # streamer -> lambda (only the positive ones)
        # Per streamer shard, its latest report as {streamer: viewers} (streamers with viewers only): a
        # report replaces its shard's dict whole instead of touching every other shard's streamers.
        self.viewers: dict[int, dict[int, int]] = {}
        self.shards = 1  # the streamer shards' count, from the reports
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
            if streamer is not None and count:
                load[streamer] = load.get(streamer, 0) + count
        mine, shards = shard
        if shards != self.shards:  # regroup the reports by the new shards
            regrouped: dict[int, dict[int, int]] = {}
            for streamer, count in [item for known in self.viewers.values() for item in known.items()]:
                regrouped.setdefault(streamer % shards, {})[streamer] = count
            self.viewers, self.shards = regrouped, shards
        self.viewers[mine] = load
        price, capacity = self.price, self.capacity
        changed = False
        # Every rule keeps an unpriced streamer below capacity at price 0: only the others are repriced.
        for streamer in [s for s in price if s % shards == mine and s not in load]:
            changed |= self._reprice(streamer, 0)
        for streamer, count in load.items():
            if count >= capacity or streamer in price:
                changed |= self._reprice(streamer, count)
        if changed:
            self.version += 1

    def viewers_of(self, streamer: int) -> int:
        """The streamer's viewers at its shard's latest report."""
        return self.viewers.get(streamer % self.shards, {}).get(streamer, 0)

    def _reprice(self, streamer: int, viewers: int) -> bool:
        """Set the streamer's price after a report of ``viewers``; did it change?"""
        old = self.price.get(streamer, 0.0)
        new = self._price(old, viewers)
        if new == old:
            return False
        if new > 0:
            self.price[streamer] = new
        else:
            del self.price[streamer]
        return True

    def _price(self, old: float, viewers: int) -> float:
        """The streamer's price after a report of ``viewers`` (``old``: its price before)."""
        load = viewers / self.capacity
        if self.rule == "dilution":
            return math.log(load) if load > 1.0 else 0.0
        if self.rule == "subgradient":
            return max(0.0, old + self.step * (load - 1.0))
        return math.inf if load >= 1.0 else 0.0

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
        for load in self.viewers.values():
            for streamer in [s for s in load if s not in live]:
                del load[streamer]

"""Users' gift rates and the population's, learned from the flow's final labels.

A streamer's gift multiplier compares its gifts with the gifts its viewers were expected to give
(allocator/streamer_lift.py); that expectation is the clicking user's gift rate, read here when the click's
first label arrives. Every decision shard learns every label, so every shard holds the same rates.
"""

from __future__ import annotations

from typing import Any

from allocator.exposure_value import Population, shrunk
from giftlive.compact_state import CompactState

USER_TTL_MS = 7 * 86_400_000
KUAILIVE = Population()  # the published rates
POPULATION_PRIOR_CLICKS = 100.0


class UserRates(CompactState):
    __slots__ = ("strength", "users", "clicks", "gifted", "amount", "known")

    def __init__(self, strength: float) -> None:
        self.strength = strength  # pseudo-clicks of the population's rate in a user's
        self.users: dict[int, list[float]] = {}  # user -> [clicks, gifted clicks, last label ts, amount]
        self.clicks = 0.0  # the population's final labels ...
        self.gifted = 0.0  # ... those with a gift ...
        self.amount = 0.0  # ... and their gift value
        self.known: Population | None = None  # ``population()`` until the next final label

    def learn_label(self, label: dict[str, Any]) -> None:
        """Count a final label (one click, gifted or not); other kinds are left to the posteriors."""
        if label["kind"] != "final":
            return
        gifted = 1.0 if label["count"] else 0.0
        entry = self.users.get(label["user_id"])
        if entry is None:
            entry = self.users[label["user_id"]] = [0.0, 0.0, 0, 0.0]
        entry[0] += 1.0
        entry[1] += gifted
        entry[2] = label["ts"]
        entry[3] += float(label["amount"])
        self.clicks += 1.0
        self.gifted += gifted
        self.amount += float(label["amount"])
        self.known = None

    def population(self) -> Population:
        """The population's rates, shrunk toward KuaiLive's published ones by POPULATION_PRIOR_CLICKS: never
        zero, so before the first gift lands every room still has a value and the rooms keep their order."""
        if self.known is None:
            prior = KUAILIVE
            self.known = Population(
                shrunk(self.gifted, self.clicks, prior.gift_rate, POPULATION_PRIOR_CLICKS),
                shrunk(self.amount, self.clicks, prior.value_per_click, POPULATION_PRIOR_CLICKS),
            )
        return self.known

    def gift_rate(self, user_id: int, population: Population) -> float:
        """The user's P(gift | click), shrunk to the population's."""
        entry = self.users.get(user_id)
        if entry is None:
            return population.gift_rate
        return shrunk(entry[1], entry[0], population.gift_rate, self.strength)

    def value_per_click(self, user_id: int, population: Population) -> float:
        """The user's E[gift value | click], shrunk to the population's."""
        entry = self.users.get(user_id)
        if entry is None:
            return population.value_per_click
        return shrunk(entry[3], entry[0], population.value_per_click, self.strength)

    def sweep(self, now_ms: int) -> None:
        """Forget users with no final label for a week (their rate falls back to the population's)."""
        since = now_ms - USER_TTL_MS
        for user_id in [u for u, entry in self.users.items() if entry[2] < since]:
            del self.users[user_id]

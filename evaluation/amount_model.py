"""Gift amounts modelled per giver: the reward of an off-policy estimate with the amounts' tail taken from
history instead of from the reweighted week.

Who gives matters far more than where: in KuaiLive the top 1% of users give 60% of the revenue, and in the
synthetic world a gift's amount depends on its giver's wealth alone. A week of logs reweighted towards
rooms the logging policy seldom showed holds few of the rare large gifts, so estimates from the realised
amounts have a median far below their mean, and their intervals, built from the same week, miss the truth
in the seeds that lack those gifts. Replacing each logged gift's amount by its giver's mean gift from
before the logged window (shrunk to the population's mean by ``strength`` pseudo-gifts) keeps the gift
counts the logs show and takes the amounts from the whole earlier history: unbiased when a user's amounts
do not depend on the room and their mean is known, and biased by the error of that mean otherwise.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

STRENGTH = 5.0  # pseudo-gifts at the population's mean in each user's


@dataclass(frozen=True)
class UserAmounts:
    """Each known giver's shrunk mean gift amount, and the population's for everyone else."""

    users: np.ndarray  # distinct givers, ascending
    means: np.ndarray  # their shrunk mean amounts
    prior: float  # the population's mean gift amount

    @classmethod
    def fit(cls, users: np.ndarray, amounts: np.ndarray, strength: float = STRENGTH) -> UserAmounts:
        """From the gifts of the history (one giver and amount each)."""
        users = np.asarray(users, dtype=np.int64)
        amounts = np.asarray(amounts, dtype=np.float64)
        if users.shape != amounts.shape:
            raise ValueError(f"{users.size} givers for {amounts.size} gift amounts")
        if not strength > 0:
            raise ValueError(f"strength must be positive, got {strength}")
        if not amounts.size:
            raise ValueError("no gifts in the history to learn the amounts from")
        prior = float(amounts.mean())
        givers, index = np.unique(users, return_inverse=True)
        totals = np.bincount(index, amounts, givers.size)
        counts = np.bincount(index, minlength=givers.size)
        return cls(givers, (totals + strength * prior) / (counts + strength), prior)

    def predict(self, users: np.ndarray) -> np.ndarray:
        """The modelled amount of a gift by each of ``users``."""
        users = np.asarray(users, dtype=np.int64)
        out = np.full(users.shape, self.prior)
        if self.users.size:
            at = np.minimum(np.searchsorted(self.users, users), self.users.size - 1)
            known = self.users[at] == users
            out[known] = self.means[at[known]]
        return out


def modelled_rewards(gift_counts: np.ndarray, users: np.ndarray, amounts: UserAmounts) -> np.ndarray:
    """Each logged request's reward with its gifts' amounts modelled: gift count x its user's mean gift."""
    counts = np.asarray(gift_counts, dtype=np.float64)
    return counts * amounts.predict(users)

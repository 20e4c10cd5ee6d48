"""Where a sampled session's randomness comes from.

A session's draws are of two shapes: one per clicked session (``per`` is the number of sessions) or one per
item of a session (gifts, likes: ``per`` is the owning session of each item, sorted). ``GeneratorDraws``
hands them to a numpy Generator in the order asked (how a world is synthesized: one stream for all);
``KeyedDraws`` derives each from its session's key, the call and the item's rank in its session, so a
session's response does not depend on which other sessions are sampled beside it (common random numbers
for the simulator)."""

from __future__ import annotations

from typing import Protocol

import numpy as np

from giftlive.counter_random import hash_bits

Per = int | np.ndarray  # the number of sessions, or each item's session (sorted)


class Draws(Protocol):
    def random(self, per: Per) -> np.ndarray: ...
    def geometric(self, p: float, per: Per) -> np.ndarray: ...
    def lognormal(self, mean: float, sigma: float, per: Per) -> np.ndarray: ...
    def standard_normal(self, per: Per) -> np.ndarray: ...
    def uniform(self, low: float, high: float, per: Per) -> np.ndarray: ...
    def poisson(self, lam: np.ndarray) -> np.ndarray: ...


def _size(per: Per) -> int:
    return per if isinstance(per, int | np.integer) else len(per)


class GeneratorDraws:
    """One numpy Generator for every draw, in the order asked."""

    def __init__(self, rng: np.random.Generator) -> None:
        self.rng = rng

    def random(self, per: Per) -> np.ndarray:
        return self.rng.random(_size(per))

    def geometric(self, p: float, per: Per) -> np.ndarray:
        return self.rng.geometric(p, _size(per))

    def lognormal(self, mean: float, sigma: float, per: Per) -> np.ndarray:
        return self.rng.lognormal(mean, sigma, _size(per))

    def standard_normal(self, per: Per) -> np.ndarray:
        return self.rng.standard_normal(_size(per))

    def uniform(self, low: float, high: float, per: Per) -> np.ndarray:
        return self.rng.uniform(low, high, _size(per))

    def poisson(self, lam: np.ndarray) -> np.ndarray:
        return self.rng.poisson(lam)


class KeyedDraws:
    """Counter-based draws: element = hash(session key, call number, rank of the item in its session).

    The per-session draws of the first ``block`` calls come from one hash of a (sessions x block) grid made
    at the first of them: a session has a few dozen draws, and one array operation beats many small ones."""

    def __init__(self, keys: np.ndarray, block: int = 32) -> None:
        self.keys = np.asarray(keys, dtype=np.uint64)
        self.calls = 0
        self.block = block
        self.grid: np.ndarray | None = None

    def random(self, per: Per) -> np.ndarray:
        """Uniform in (0, 1): never exactly 0, so logarithms are finite."""
        self.calls += 1
        if isinstance(per, int | np.integer):
            if per == self.keys.size and self.calls <= self.block:
                if self.grid is None:
                    columns = np.arange(1, self.block + 1, dtype=np.uint64)
                    self.grid = _uniform(hash_bits(0, self.keys[:, None], columns[None, :]))
                return self.grid[:, self.calls - 1]
            owner, rank = np.arange(per), np.zeros(per, dtype=np.int64)
        else:
            owner = np.asarray(per, dtype=np.int64)
            rank = rank_in_session(owner)
        return _uniform(hash_bits(self.calls, self.keys[owner], rank))

    def geometric(self, p: float, per: Per) -> np.ndarray:
        """Trials up to the first success (1, 2, ...), by inversion."""
        return 1 + np.floor(np.log(self.random(per)) / np.log1p(-p)).astype(np.int64)

    def standard_normal(self, per: Per) -> np.ndarray:
        """Box-Muller on two uniforms."""
        u1, u2 = self.random(per), self.random(per)
        return np.sqrt(-2.0 * np.log(u1)) * np.cos(2.0 * np.pi * u2)

    def lognormal(self, mean: float, sigma: float, per: Per) -> np.ndarray:
        return np.exp(mean + sigma * self.standard_normal(per))

    def uniform(self, low: float, high: float, per: Per) -> np.ndarray:
        return low + (high - low) * self.random(per)

    def poisson(self, lam: np.ndarray) -> np.ndarray:
        """One count per session, by inversion of the CDF (the rates here are small)."""
        lam = np.asarray(lam, dtype=np.float64)
        u = self.random(lam.size)
        count = np.zeros(lam.size, dtype=np.int64)
        term = np.exp(-lam)
        cdf = term.copy()
        going = u > cdf
        while going.any():
            count[going] += 1
            term = np.where(going, term * lam / np.maximum(count, 1), term)
            cdf = np.where(going, cdf + term, cdf)
            going = going & (u > cdf) & (term > 1e-300)
        return count


def rank_in_session(owner: np.ndarray) -> np.ndarray:
    """Each item's place among its session's items (0, 1, ...), for owners sorted by session."""
    return np.arange(owner.size) - np.searchsorted(owner, owner, side="left")


def _uniform(bits: np.ndarray) -> np.ndarray:
    """64 random bits -> a uniform in (0, 1)."""
    return ((bits >> np.uint64(11)).astype(np.float64) + 0.5) / 2.0**53

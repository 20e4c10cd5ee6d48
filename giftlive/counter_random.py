"""Counter-based random numbers: a draw keyed by (seed, stream, a pair of integers), the same whichever other
keys are drawn beside it and in whichever process: the synthetic world's pair noise and sessions and the
simulator's responses (common random numbers). SplitMix64 (Steele, Lea and Flood 2014) by hand:
numpy's generators are sequential, and one generator per key costs ~10 us."""

from __future__ import annotations

import numpy as np

_MASK64 = (1 << 64) - 1
_GOLDEN, _MIX = np.uint64(0x9E3779B97F4A7C15), np.uint64(0xC2B2AE3D27D4EB4F)
_M1, _M2 = np.uint64(0xBF58476D1CE4E5B9), np.uint64(0x94D049BB133111EB)
_S30, _S27, _S31 = np.uint64(30), np.uint64(27), np.uint64(31)


def hash_bits(seed: int, first: np.ndarray, second: np.ndarray, stream: int = 0) -> np.ndarray:
    """64 deterministic random bits for every (first, second) pair under (seed, stream)."""
    key = _splitmix_int((seed * 0xD1B54A32D192ED03 + stream) & _MASK64)
    return splitmix(splitmix(pair_mix(first, second, key)))


def pair_mix(first: np.ndarray, second: np.ndarray, key: int) -> np.ndarray:
    """Each (first, second) pair and ``key`` folded into one uint64, the input of ``splitmix``."""
    a = np.atleast_1d(np.asarray(first, dtype=np.uint64))  # arrays wrap around silently; scalars would warn
    b = np.atleast_1d(np.asarray(second, dtype=np.uint64))
    return (a * _GOLDEN) ^ (b * _MIX) ^ np.uint64(key)


def hash_uniform(seed: int, first: np.ndarray, second: np.ndarray, stream: int = 0) -> np.ndarray:
    """A uniform draw in [0, 1) for every (first, second) pair, from ``hash_bits``."""
    return (hash_bits(seed, first, second, stream) >> np.uint64(11)).astype(np.float64) / 2.0**53


def splitmix(x: np.ndarray) -> np.ndarray:
    """SplitMix64's output function on every element of a uint64 array (not a scalar: arrays wrap around)."""
    z = x + _GOLDEN
    z = (z ^ (z >> _S30)) * _M1
    z = (z ^ (z >> _S27)) * _M2
    return z ^ (z >> _S31)


def _splitmix_int(z: int) -> int:
    """SplitMix64 of one Python int (a scalar key costs no array operations)."""
    z = (z + 0x9E3779B97F4A7C15) & _MASK64
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & _MASK64
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & _MASK64
    return z ^ (z >> 31)

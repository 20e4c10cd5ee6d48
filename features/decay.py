"""Exponentially decayed sums: recent activity weighs more, and the state is two numbers per half-life."""

from __future__ import annotations

HOUR_MS = 3_600_000
DAY_MS = 24 * HOUR_MS

# Half-lives of the decayed spend and revenue features: the last hour, the last day, the last week.
HALF_LIVES_MS: tuple[int, ...] = (HOUR_MS, DAY_MS, 7 * DAY_MS)


def decay_factor(elapsed_ms: int, half_life_ms: int) -> float:
    """Weight left after ``elapsed_ms``: 1/2 per half-life."""
    return 0.5 ** (elapsed_ms / half_life_ms)


def decayed(values: tuple[float, ...], at_ms: int, now_ms: int) -> tuple[float, ...]:
    """Sums last updated at ``at_ms`` (one per HALF_LIVES_MS), as seen at ``now_ms``."""
    elapsed = now_ms - at_ms
    if elapsed <= 0:
        return values
    return tuple(v * decay_factor(elapsed, h) for v, h in zip(values, HALF_LIVES_MS, strict=True))


def add_decayed(values: tuple[float, ...], at_ms: int, now_ms: int, amount: float) -> tuple[float, ...]:
    """Sums after adding ``amount`` at ``now_ms``."""
    return tuple(v + amount for v in decayed(values, at_ms, now_ms))


ZERO_DECAYED: tuple[float, ...] = (0.0,) * len(HALF_LIVES_MS)

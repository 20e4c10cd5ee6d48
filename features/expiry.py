"""Idle keys expire: exact on read, swept now and then to free memory.

An entry (anything with ``last_seen``, the event time of its last event) idle for more than the TTL at
``now`` is treated as never seen, whether or not a sweep has removed it yet, so results do not depend on
when sweeps run; sweeps only bound memory.
"""

from __future__ import annotations

from typing import Any, TypeVar

DEFAULT_TTL_MS = 7 * 86_400_000

Entry = TypeVar("Entry")


def live_entry(table: dict[Any, Entry], key: Any, now_ms: int, ttl_ms: int) -> Entry | None:
    """``table[key]`` unless missing or expired at ``now_ms`` (then it is dropped and None returned)."""
    entry = table.get(key)
    if entry is not None and now_ms - entry.last_seen > ttl_ms:  # type: ignore[attr-defined]
        del table[key]
        return None
    return entry


def sweep(table: dict[Any, Any], now_ms: int, ttl_ms: int) -> int:
    """Drop every entry expired at ``now_ms``; returns how many went."""
    horizon = now_ms - ttl_ms
    gone = [key for key, entry in table.items() if entry.last_seen < horizon]
    for key in gone:
        del table[key]
    return len(gone)


def sweep_interval(ttl_ms: int) -> int:
    """How often (event time) to sweep: a seventh of the TTL, at least an hour. A sweep walks every key,
    so sweeping hourly would cost more than the features; memory overshoots by at most this."""
    return max(3_600_000, ttl_ms // 7)

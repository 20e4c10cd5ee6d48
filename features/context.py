"""Calendar context of a request in China time (UTC+8), where KuaiLive's audience lives."""

from __future__ import annotations

CHINA_OFFSET_MS = 8 * 3_600_000
_DAY_MS = 86_400_000
_EPOCH_WEEKDAY = 3  # 1970-01-01 was a Thursday (Monday = 0)


def china_hour(ts_ms: int) -> int:
    """Hour of day 0-23 in China time."""
    return (ts_ms + CHINA_OFFSET_MS) % _DAY_MS // 3_600_000


def china_weekday(ts_ms: int) -> int:
    """Day of week in China time, Monday = 0."""
    return ((ts_ms + CHINA_OFFSET_MS) // _DAY_MS + _EPOCH_WEEKDAY) % 7

"""Time splits by UTC day: the first ``train`` days of the table train, the next ``validation`` days tune,
the next ``test`` days are held out. On KuaiLive (2025-05-04 ... 05-24) 7,7,7 is the seed research's split."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np

from giftlive.errors import UserError

DAY_MS = 86_400_000


def parse_split(text: str) -> tuple[int, int, int]:
    """'7,7,7' -> (7, 7, 7); a UserError naming the option otherwise."""
    try:
        parts = tuple(int(part) for part in text.split(","))
    except ValueError:
        parts = ()
    if len(parts) != 3 or min(parts) < 1:
        raise UserError(f"--split {text!r}: give three day counts >= 1, e.g. 7,7,7 (train, validation, test)")
    return parts  # type: ignore[return-value]


def split_masks(
    click_ts: np.ndarray, days: tuple[int, int, int], start_ms: int | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(train, validation, test) boolean masks over the clicks, by UTC day from the table's first day (or
    from ``start_ms``'s day: to split other records, such as decisions, on the days a table was split)."""
    day = np.asarray(click_ts) // DAY_MS
    start = int(day.min()) if start_ms is None else start_ms // DAY_MS
    bounds = np.cumsum([start, *days])
    masks = tuple((day >= lo) & (day < hi) for lo, hi in zip(bounds[:-1], bounds[1:], strict=True))
    for name, mask in zip(("train", "validation", "test"), masks, strict=True):
        if not mask.any():
            raise UserError(
                f"the {name} period of --split {','.join(map(str, days))} holds no click: the table covers "
                f"{int(day.max()) - start + 1} UTC days from its first click"
            )
    return masks  # type: ignore[return-value]


def describe_split(click_ts: np.ndarray, days: tuple[int, int, int]) -> str:
    """'train 2025-05-04..05-10, validation 05-11..05-17, test 05-18..05-24 (UTC days)': to check a split
    against the seed research's dates."""
    start = int(np.asarray(click_ts).min()) // DAY_MS
    parts, first = [], start
    for name, count in zip(("train", "validation", "test"), days, strict=True):
        lo, hi = (datetime.fromtimestamp(d * 86_400, UTC) for d in (first, first + count - 1))
        parts.append(f"{name} {lo:%Y-%m-%d}..{hi:%m-%d}")
        first += count
    return ", ".join(parts) + " (UTC days)"

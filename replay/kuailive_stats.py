"""The published KuaiLive statistics, computed for any KuaiLive-format directory (real or synthetic).

Definitions follow the dataset paper and the GiftLive research notes (shared/kuailive-facts.md):
- gift rate = gift rows / click rows; amount quantiles over gift rows;
- Gini and top-1% shares over users (streamers) that gave (received) at least one gift;
- delay = gift time minus the same user's latest click in the same live room at or before the gift
  (gifts without such a click are orphans and have no delay);
- a click "converts" when at least one gift is credited to it by that same last-touch rule; the repeat
  statistic splits clicks by whether the (user, streamer) pair had a gift strictly before the click.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from evaluation.concentration import gini, top_share

_TS_SPAN = np.int64(1) << 32  # ms offsets below 2**32 (49 days) pack with a group id into one int64


@dataclass(frozen=True)
class GiftLog:
    """The columns the statistics need, as numpy arrays."""

    click_user: np.ndarray
    click_streamer: np.ndarray
    click_live: np.ndarray
    click_ts: np.ndarray
    click_watch_ms: np.ndarray
    gift_user: np.ndarray
    gift_streamer: np.ndarray
    gift_live: np.ndarray
    gift_ts: np.ndarray
    gift_amount: np.ndarray


def _pack(group: np.ndarray, ts: np.ndarray, origin: int) -> np.ndarray:
    return group.astype(np.int64) * _TS_SPAN + (ts.astype(np.int64) - origin)


def _groups(*columns: tuple[np.ndarray, np.ndarray]) -> list[np.ndarray]:
    """Dense ids for (a, b) pairs, consistent across several (a, b) column pairs."""
    a = np.concatenate([c[0] for c in columns]).astype(np.int64)
    b = np.concatenate([c[1] for c in columns]).astype(np.int64)
    pairs = np.stack([a, b], axis=1)
    _, inverse = np.unique(pairs, axis=0, return_inverse=True)
    inverse = inverse.reshape(-1)
    out, start = [], 0
    for c in columns:
        out.append(inverse[start : start + c[0].size])
        start += c[0].size
    return out


def latest_click_index(log: GiftLog) -> np.ndarray:
    """Per gift: index of the user's latest click in the same live room at or before it (-1: none)."""
    if log.gift_ts.size == 0 or log.click_ts.size == 0:
        return np.full(log.gift_ts.size, -1, dtype=np.int64)
    click_group, gift_group = _groups((log.click_user, log.click_live), (log.gift_user, log.gift_live))
    origin = int(min(log.click_ts.min(), log.gift_ts.min()))
    click_key = _pack(click_group, log.click_ts, origin)
    order = np.argsort(click_key, kind="stable")
    sorted_key = click_key[order]
    pos = np.searchsorted(sorted_key, _pack(gift_group, log.gift_ts, origin), side="right") - 1
    valid = pos >= 0
    matched = np.full(log.gift_ts.size, -1, dtype=np.int64)
    candidate = order[np.clip(pos, 0, None)]
    same_room = valid & (click_group[candidate] == gift_group)
    matched[same_room] = candidate[same_room]
    return matched


def _pair_first_gift_ts(log: GiftLog) -> np.ndarray:
    """For each click, the time of the pair's first gift (int64 max if the pair never gifted)."""
    click_pair, gift_pair = _groups((log.click_user, log.click_streamer), (log.gift_user, log.gift_streamer))
    n_pairs = int(max(click_pair.max(initial=-1), gift_pair.max(initial=-1))) + 1
    first = np.full(n_pairs, np.iinfo(np.int64).max, dtype=np.int64)
    np.minimum.at(first, gift_pair, log.gift_ts.astype(np.int64))
    return first[click_pair]


def _quantile(values: np.ndarray, q: float) -> float:
    return float(np.quantile(values, q)) if values.size else float("nan")


def stats_from_log(log: GiftLog, n_users: int | None = None, n_streamers: int | None = None) -> dict:
    """Every statistic as a flat dict of plain numbers (JSON-ready)."""
    clicks, gifts = int(log.click_ts.size), int(log.gift_ts.size)
    amount = log.gift_amount.astype(np.float64)
    users = n_users or int(np.unique(np.concatenate([log.click_user, log.gift_user])).size)
    streamers = n_streamers or int(np.unique(np.concatenate([log.click_streamer, log.gift_streamer])).size)
    _, user_revenue = _totals(log.gift_user, amount)
    gifted_streamers, streamer_revenue = _totals(log.gift_streamer, amount)

    matched = latest_click_index(log)
    has_click = matched >= 0
    delay_s = (log.gift_ts[has_click] - log.click_ts[matched[has_click]]) / 1000.0
    converted = np.zeros(clicks, dtype=bool)
    converted[matched[has_click]] = True
    prior_gift = _pair_first_gift_ts(log) < log.click_ts if clicks else np.zeros(0, dtype=bool)
    watch_s = log.click_watch_ms / 1000.0
    pairs = (
        np.unique(np.stack([log.click_user, log.click_streamer], axis=1), axis=0).shape[0] if clicks else 0
    )

    return {
        "users": users,
        "streamers": streamers,
        "clicks": clicks,
        "gifts": gifts,
        "gift_rate": gifts / clicks if clicks else float("nan"),
        "revenue": float(amount.sum()),
        "amount_mean": float(amount.mean()) if gifts else float("nan"),
        "amount_p50": _quantile(amount, 0.5),
        "amount_p90": _quantile(amount, 0.9),
        "amount_p99": _quantile(amount, 0.99),
        "amount_max": float(amount.max()) if gifts else float("nan"),
        "price1_share": float(np.mean(amount == 1)) if gifts else float("nan"),
        "gifting_users": int(user_revenue.size),
        "user_gini": gini(user_revenue),
        "user_top1_share": top_share(user_revenue, 0.01),
        "user_top10_share": top_share(user_revenue, 0.10),
        "gifted_streamers": int(gifted_streamers.size),
        "streamer_gini": gini(streamer_revenue),
        "streamer_top1_share": top_share(streamer_revenue, 0.01),
        "streamer_top10_share": top_share(streamer_revenue, 0.10),
        "cold_start_streamer_share": 1.0 - gifted_streamers.size / streamers if streamers else float("nan"),
        "click_pair_density": pairs / (users * streamers) if users and streamers else float("nan"),
        "orphan_gift_share": float(np.mean(~has_click)) if gifts else float("nan"),
        "delay_zero_share": float(np.mean(delay_s < 1.0)) if delay_s.size else float("nan"),
        "delay_p90_s": _quantile(delay_s, 0.9),
        "delay_p99_s": _quantile(delay_s, 0.99),
        "watch_p50_s": _quantile(watch_s, 0.5),
        "watch_p90_s": _quantile(watch_s, 0.9),
        "watch_p99_s": _quantile(watch_s, 0.99),
        "repeat_click_share": float(np.mean(prior_gift)) if clicks else float("nan"),
        "repeat_pair_conversion": float(np.mean(converted[prior_gift])) if prior_gift.any() else float("nan"),
        "first_pair_conversion": float(np.mean(converted[~prior_gift])) if clicks else float("nan"),
    }


def _totals(keys: np.ndarray, amount: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    unique, inverse = np.unique(keys, return_inverse=True)
    return unique, np.bincount(inverse.reshape(-1), weights=amount, minlength=unique.size)


def _profile_count(directory: Path, name: str) -> int | None:
    path = directory / name
    if not path.exists():
        return None
    with path.open("rb") as handle:
        return max(0, sum(1 for _ in handle) - 1)


def compute_stats(directory: Path) -> dict:
    """Read click.csv and gift.csv (valid rows only) of a KuaiLive-format directory and describe them."""
    from replay.kuailive_files import read_valid, require_directory

    directory = Path(directory)
    require_directory(directory)
    clicks = read_valid(
        directory, "click", ["user_id", "streamer_id", "live_id", "timestamp", "watch_live_time"]
    )
    gifts = read_valid(directory, "gift", ["user_id", "streamer_id", "live_id", "timestamp", "gift_price"])

    def col(table, name: str) -> np.ndarray:
        return table.column(name).to_numpy()

    log = GiftLog(
        click_user=col(clicks, "user_id"),
        click_streamer=col(clicks, "streamer_id"),
        click_live=col(clicks, "live_id"),
        click_ts=col(clicks, "timestamp"),
        click_watch_ms=col(clicks, "watch_live_time"),
        gift_user=col(gifts, "user_id"),
        gift_streamer=col(gifts, "streamer_id"),
        gift_live=col(gifts, "live_id"),
        gift_ts=col(gifts, "timestamp"),
        gift_amount=col(gifts, "gift_price"),
    )
    return stats_from_log(
        log, _profile_count(directory, "user.csv"), _profile_count(directory, "streamer.csv")
    )


# (label, key, KuaiLive published value or None, format)
_TABLE = (
    ("users", "users", 23772, "{:,.0f}"),
    ("streamers", "streamers", 452621, "{:,.0f}"),
    ("clicks", "clicks", 4909515, "{:,.0f}"),
    ("gifts", "gifts", 72646, "{:,.0f}"),
    ("gift rate per click", "gift_rate", 0.0148, "{:.2%}"),
    ("amount mean", "amount_mean", 82.68, "{:.1f}"),
    ("amount P50", "amount_p50", 2, "{:.0f}"),
    ("amount P90", "amount_p90", 88, "{:.0f}"),
    ("amount P99", "amount_p99", 1488, "{:.0f}"),
    ("share of price-1 gifts", "price1_share", 0.439, "{:.1%}"),
    ("user revenue Gini (gifting users)", "user_gini", 0.942, "{:.3f}"),
    ("top-1% users' revenue share", "user_top1_share", 0.599, "{:.1%}"),
    ("streamer revenue Gini (gifted streamers)", "streamer_gini", 0.930, "{:.3f}"),
    ("top-1% streamers' revenue share", "streamer_top1_share", 0.534, "{:.1%}"),
    ("streamers never gifted (cold start)", "cold_start_streamer_share", 0.922, "{:.1%}"),
    ("click matrix density", "click_pair_density", 0.000064, "{:.4%}"),
    ("orphan gifts (no click in room)", "orphan_gift_share", 0.048, "{:.1%}"),
    ("click->gift delay = 0 s", "delay_zero_share", 0.863, "{:.1%}"),
    ("click->gift delay P90 (s)", "delay_p90_s", 1021, "{:,.0f}"),
    ("click->gift delay P99 (s)", "delay_p99_s", 8617, "{:,.0f}"),
    ("watch time P50 (s)", "watch_p50_s", 4.87, "{:,.1f}"),
    ("watch time P90 (s)", "watch_p90_s", 1026, "{:,.0f}"),
    ("watch time P99 (s)", "watch_p99_s", 9231, "{:,.0f}"),
    ("clicks on pairs with an earlier gift", "repeat_click_share", 0.042, "{:.1%}"),
    ("  their conversion", "repeat_pair_conversion", 0.1105, "{:.2%}"),
    ("first-time pairs' conversion", "first_pair_conversion", 0.0111, "{:.2%}"),
)


def format_stats(stats: dict) -> str:
    """A two-column table: this directory beside the published KuaiLive figure."""
    lines = [f"{'statistic':42s} {'this data':>14s} {'KuaiLive':>14s}"]
    for label, key, published, fmt in _TABLE:
        value = stats.get(key)
        shown = "n/a" if value is None or value != value else fmt.format(value)
        reference = "" if published is None else fmt.format(published)
        lines.append(f"{label:42s} {shown:>14s} {reference:>14s}")
    return "\n".join(lines)

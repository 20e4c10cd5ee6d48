"""Write a world in the exact KuaiLive file schema (CSV, epoch-ms timestamps, range-valued profiles)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv

from replay.synth.params import CATEGORIES, CHINA_OFFSET_MS, DAY_MS, EPOCH_MS
from replay.synth.population import Population
from replay.synth.rooms import Rooms

INTERACTION_COLUMNS = ("user_id", "live_id", "streamer_id", "timestamp")
_EXTRA_COLUMN = {"click": "watch_live_time", "gift": "gift_price"}
_WRITE = pacsv.WriteOptions(quoting_style="needed")


class KuaiLiveWriter:
    """Streams click.csv and negative.csv batch by batch; the smaller files are written whole."""

    def __init__(self, directory: Path) -> None:
        self.directory = Path(directory)
        self._writers: dict[str, pacsv.CSVWriter] = {}
        self._rows: dict[str, int] = {}
        self.files: list[str] = []

    def _append(self, name: str, table: pa.Table) -> np.ndarray:
        writer = self._writers.get(name)
        if writer is None:
            writer = pacsv.CSVWriter(self.directory / f"{name}.csv", table.schema, write_options=_WRITE)
            self._writers[name] = writer
            self._rows[name] = 0
            self.files.append(f"{name}.csv")
        writer.write_table(table)
        first = self._rows[name]
        self._rows[name] += table.num_rows
        return np.arange(first, first + table.num_rows, dtype=np.int64)

    def _interactions(self, name: str, users, lives, streamers, ts, extra=None) -> pa.Table:
        columns = dict(zip(INTERACTION_COLUMNS, (users, lives, streamers, ts), strict=True))
        if extra is not None:
            columns[_EXTRA_COLUMN[name]] = extra
        return pa.table({k: np.asarray(v, dtype=np.int64) for k, v in columns.items()})

    def write_negatives(self, users, lives, streamers, ts) -> np.ndarray:
        return self._append("negative", self._interactions("negative", users, lives, streamers, ts))

    def write_clicks(self, users, lives, streamers, ts, watch_ms) -> np.ndarray:
        return self._append("click", self._interactions("click", users, lives, streamers, ts, watch_ms))

    def write_interactions(self, name: str, rows: np.ndarray) -> None:
        """Rows stacked as (user, live, streamer, ts[, extra]); written sorted by time."""
        rows = rows[:, np.argsort(rows[3], kind="stable")]
        extra = rows[4] if rows.shape[0] > 4 else None
        self._append(name, self._interactions(name, rows[0], rows[1], rows[2], rows[3], extra))

    def write_rooms(self, rooms: Rooms) -> None:
        order = np.argsort(rooms.start, kind="stable")
        start = rooms.start[order]
        table = pa.table(
            {
                "p_date": _china_dates(start, "%Y%m%d").astype(np.int64),
                "live_id": rooms.live_id[order],
                "streamer_id": rooms.streamer[order],
                "live_type": rooms.live_type[order].astype(np.int64),
                "start_timestamp": start,
                "end_timestamp": rooms.end[order],
                "live_content_category": np.array(CATEGORIES, dtype=object)[rooms.category[order]],
                "live_name_id": rooms.name_id[order],
            }
        )
        self._append("room", table)

    def write_profiles(self, population: Population, rng: np.random.Generator) -> None:
        self._append("user", _user_profiles(population, rng))
        self._append("streamer", _streamer_profiles(population, rng))

    def close(self) -> None:
        for writer in self._writers.values():
            writer.close()
        self._writers.clear()


def _china_dates(ts_ms: np.ndarray, fmt: str) -> np.ndarray:
    """Calendar date strings in China time; computed once per distinct day."""
    days = (np.asarray(ts_ms, dtype=np.int64) + CHINA_OFFSET_MS) // DAY_MS
    unique, inverse = np.unique(days, return_inverse=True)
    labels = np.array(
        [datetime.fromtimestamp(d * 86_400, tz=UTC).strftime(fmt) for d in unique], dtype=object
    )
    return labels[inverse.reshape(-1)]


def _ranges(values: np.ndarray, edges: tuple[int, ...]) -> np.ndarray:
    """KuaiLive-style range strings: "0-10", "10-100", ..., "<last>+"."""
    labels = [f"{lo}-{hi}" for lo, hi in zip(edges[:-1], edges[1:], strict=True)] + [f"{edges[-1]}+"]
    idx = np.clip(np.searchsorted(np.asarray(edges), values, side="right") - 1, 0, len(labels) - 1)
    return np.array(labels, dtype=object)[idx]


def _choice(rng: np.random.Generator, options: tuple[str, ...], n: int) -> np.ndarray:
    return np.array(options, dtype=object)[rng.integers(0, len(options), n)]


def _past_dates(rng: np.random.Generator, n: int, max_days: int) -> np.ndarray:
    return _china_dates(EPOCH_MS - rng.integers(1, max_days, n) * DAY_MS, "%Y-%m-%d")


def _onehots(rng: np.random.Generator, n: int) -> dict[str, np.ndarray]:
    return {f"onehot_feat{i}": rng.integers(0, 2 + 3 * i, n) for i in range(7)}


_BRANDS = ("HUAWEI", "OPPO", "vivo", "Xiaomi", "Apple", "HONOR", "other")
_AGES = ("12-17", "18-23", "24-30", "31-40", "41-49", "50+")


def _user_profiles(pop: Population, rng: np.random.Generator) -> pa.Table:
    n = pop.n_users
    wealth_rank = np.argsort(np.argsort(pop.wealth)) / max(n - 1, 1)
    return pa.table(
        {
            "user_id": np.arange(n, dtype=np.int64),
            "age": _choice(rng, _AGES, n),
            "gender": _choice(rng, ("M", "F", "UNKNOWN"), n),
            "country": np.full(n, "CN", dtype=object),
            "device_brand": _choice(rng, _BRANDS, n),
            "device_price": _ranges(
                500 + 9000 * wealth_rank * rng.random(n), (0, 1000, 2000, 3000, 5000, 8000)
            ),
            "reg_timestamp": _past_dates(rng, n, 3000),
            "fans_num": _ranges(rng.lognormal(2, 2, n), (0, 10, 100, 1000, 10000)),
            "follow_num": _ranges(rng.lognormal(4, 1.5, n), (0, 10, 100, 1000, 10000)),
            "first_watch_live_timestamp": _past_dates(rng, n, 2500),
            "accu_watch_live_cnt": _ranges(pop.activity * rng.lognormal(3, 1, n), (0, 10, 100, 1000, 10000)),
            "accu_watch_live_duration": _ranges(
                pop.activity * rng.lognormal(8, 1, n), (0, 1000, 10000, 100000)
            ),
            "is_live_streamer": (rng.random(n) < 0.1).astype(np.int64),
            "is_photo_author": (rng.random(n) < 0.3).astype(np.int64),
            **_onehots(rng, n),
        }
    )


def _streamer_profiles(pop: Population, rng: np.random.Generator) -> pa.Table:
    n = pop.n_streamers
    fans = pop.popularity * rng.lognormal(5, 1, n)
    return pa.table(
        {
            "streamer_id": np.arange(n, dtype=np.int64),
            "gender": _choice(rng, ("M", "F", "UNKNOWN"), n),
            "age": _choice(rng, _AGES, n),
            "country": np.full(n, "CN", dtype=object),
            "device_brand": _choice(rng, _BRANDS, n),
            "device_price": _ranges(rng.lognormal(7.5, 0.6, n), (0, 1000, 2000, 3000, 5000, 8000)),
            "live_operation_tag": _choice(rng, ("none", "guild", "ecommerce", "official"), n),
            "fans_user_num": _ranges(fans, (0, 10, 100, 1000, 10000, 100000, 1000000)),
            "fans_group_fans_num": _ranges(fans * 0.05, (0, 10, 100, 1000, 10000)),
            "follow_user_num": _ranges(rng.lognormal(4, 1.5, n), (0, 10, 100, 1000, 10000)),
            "first_live_timestamp": _past_dates(rng, n, 2000),
            "accu_live_cnt": _ranges(pop.room_rate * rng.lognormal(5, 1, n), (0, 10, 100, 1000, 10000)),
            "accu_live_duration": _ranges(
                pop.room_rate * rng.lognormal(12, 1, n), (0, 10000, 100000, 1000000)
            ),
            "accu_play_cnt": _ranges(fans * 10, (0, 100, 1000, 10000, 100000, 1000000)),
            "accu_play_duration": _ranges(fans * 1000, (0, 10000, 100000, 1000000, 10000000)),
            "reg_timestamp": _past_dates(rng, n, 3000),
            **_onehots(rng, n),
        }
    )

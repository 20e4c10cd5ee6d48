"""Room schedules: when each streamer is live. A streamer has at most one room live at a time."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from replay.synth.params import CATEGORIES, DAY_MS, LIVE_TYPES, WorldParams, sample_china_times

_MIN_ROOM_MS = 60_000
_GAP_MS = 60_000


@dataclass
class Rooms:
    """Rooms sorted by (streamer, start); ``live_id`` is unique."""

    live_id: np.ndarray
    streamer: np.ndarray
    start: np.ndarray
    end: np.ndarray
    live_type: np.ndarray
    category: np.ndarray  # index into CATEGORIES
    name_id: np.ndarray

    def __post_init__(self) -> None:
        self._origin = int(self.start.min(initial=0))
        self._key = self._pack(self.streamer, self.start)

    def _pack(self, streamers: np.ndarray, ts: np.ndarray) -> np.ndarray:
        """(streamer, time) as one sortable int64: time offsets stay below 2**42 ms (139 years)."""
        return np.asarray(streamers, dtype=np.int64) * (np.int64(1) << 42) + (np.asarray(ts) - self._origin)

    @property
    def size(self) -> int:
        return int(self.live_id.size)

    def live_room(self, streamers: np.ndarray, ts: np.ndarray) -> np.ndarray:
        """Index of the room streamer ``s`` has live at ``ts`` (start <= ts < end), or -1."""
        pos = np.searchsorted(self._key, self._pack(streamers, ts), side="right") - 1
        safe = np.clip(pos, 0, None)
        ok = (pos >= 0) & (self.streamer[safe] == streamers) & (self.end[safe] > ts)
        return np.where(ok, safe, -1)

    def live_weight_curve(self, weights_by_streamer: np.ndarray) -> LiveWeight:
        """Sum of streamer weights over the rooms live at any time, as a step function (built once)."""
        w = weights_by_streamer[self.streamer]
        times = np.concatenate([self.start, self.end])
        order = np.argsort(times, kind="stable")
        return LiveWeight(times=times[order], level=np.cumsum(np.concatenate([w, -w])[order]))


@dataclass
class LiveWeight:
    """A step function of time: ``level[i]`` holds from ``times[i]`` on."""

    times: np.ndarray
    level: np.ndarray

    def at(self, ts: np.ndarray) -> np.ndarray:
        pos = np.searchsorted(self.times, ts, side="right") - 1
        return np.where(pos >= 0, self.level[np.clip(pos, 0, None)], 0.0).clip(min=0.0)


def sample_rooms(
    params: WorldParams, room_rate: np.ndarray, room_minutes: np.ndarray, rng: np.random.Generator
) -> Rooms:
    """Poisson room counts per streamer, evening-heavy start times, log-normal durations, no overlaps."""
    counts = rng.poisson(room_rate * params.days)
    streamer = np.repeat(np.arange(room_rate.size, dtype=np.int64), counts)
    n = streamer.size
    start = sample_china_times(params, n, rng)
    minutes = room_minutes[streamer] * rng.lognormal(0.0, params.room_minutes_sigma, n)
    end = start + np.maximum(minutes * 60_000, _MIN_ROOM_MS).astype(np.int64)

    order = np.lexsort((start, streamer))
    streamer, start, end = streamer[order], start[order], end[order]
    # A streamer has one room at a time: drop rooms that start before the previous one ended (plus a gap).
    # Each pass only removes rooms, so this terminates; overlaps are rare and it takes a few passes.
    while True:
        clash = np.zeros(streamer.size, dtype=bool)
        clash[1:] = (streamer[1:] == streamer[:-1]) & (start[1:] < end[:-1] + _GAP_MS)
        first = clash & ~np.concatenate([[False], clash[:-1]])  # drop only the first of a run per pass
        if not first.any():
            break
        streamer, start, end = streamer[~first], start[~first], end[~first]
    keep = end <= params.end_ms + DAY_MS  # rooms may run past the last day, as in any log window
    streamer, start, end = streamer[keep], start[keep], end[keep]
    n = streamer.size
    live_id = 1_000_000 + rng.permutation(n).astype(np.int64)
    return Rooms(
        live_id=live_id,
        streamer=streamer,
        start=start.astype(np.int64),
        end=end.astype(np.int64),
        live_type=rng.choice(np.array(LIVE_TYPES), size=n, p=[0.7, 0.2, 0.1]),
        category=rng.integers(0, len(CATEGORIES), n),
        name_id=rng.integers(1, 5_000_000, n),
    )

"""A small, fast stand-in for the synthetic world: a valid, event-time-ordered log in ARROW_SCHEMA.

Rooms open and close; inside a room, users get an impression, click, like/comment/gift and leave (dwell).
Only as realistic as the Kafka tests and the replay benchmark need; the real generator lives in replay/synth/.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from giftlive.events import ARROW_SCHEMA, ID_PREFIX, USER_EVENT_TYPES, EventType

T0_MS = 1_746_057_600_000  # 2025-05-01T00:00:00Z, inside the KuaiLive collection window
_SESSION = np.array(sorted(USER_EVENT_TYPES), dtype=np.int8)  # impression, click, ..., dwell


def fake_event_table(n_events: int, span_s: float = 3600.0, seed: int = 0, users: int = 2000) -> pa.Table:
    """About ``n_events`` events (at least one of every type) over ``span_s`` seconds of event time."""
    rng = np.random.default_rng(seed)
    span_ms = max(int(span_s * 1000), 10)
    n_sessions = max(1, n_events // len(_SESSION))
    n_rooms = max(1, min(n_sessions // 20, 5000))
    room_start = T0_MS + rng.integers(0, span_ms // 2, n_rooms)
    room_end = np.minimum(room_start + rng.integers(span_ms // 4, span_ms, n_rooms), T0_MS + span_ms)
    live_ids = np.arange(1, n_rooms + 1, dtype=np.int64) * 10 + 7
    streamer_ids = rng.integers(1, 500, n_rooms)

    room = rng.integers(0, n_rooms, n_sessions)
    length = room_end[room] - room_start[room]
    enter = room_start[room] + 1 + (rng.random(n_sessions) * np.maximum(length - 4, 1) * 0.5).astype(np.int64)
    watch = (rng.random(n_sessions) * np.maximum(room_end[room] - enter - 1, 1) * 0.5).astype(np.int64)
    offsets = np.stack([np.zeros(n_sessions, np.int64)] * 2 + [watch // 3, watch // 2, watch // 2, watch], 1)
    ts_user = (enter[:, None] + offsets).ravel()
    types_user = np.tile(_SESSION, n_sessions)
    sess = np.repeat(np.arange(n_sessions), len(_SESSION))
    users_ = rng.integers(1, users + 1, n_sessions)[sess]
    rooms_ = room[sess]

    ts = np.concatenate([room_start, room_end, ts_user])
    kind = np.concatenate([np.full(n_rooms, 0, np.int8), np.full(n_rooms, 7, np.int8), types_user])
    room_of = np.concatenate([np.arange(n_rooms), np.arange(n_rooms), rooms_])
    user = np.concatenate([np.zeros(2 * n_rooms, np.int64), users_])
    session = np.concatenate([np.full(2 * n_rooms, -1, np.int64), sess])
    order = np.lexsort((kind, ts))
    ts, kind, room_of, user, session = ts[order], kind[order], room_of[order], user[order], session[order]

    ids = np.empty(len(ts), dtype=object)
    for t in EventType:
        mask = kind == t
        if t in (EventType.ROOM_START, EventType.ROOM_END):
            numbers = live_ids[room_of[mask]]
        else:
            numbers = np.flatnonzero(mask)
        ids[mask] = [f"{ID_PREFIX[t]}{n}" for n in numbers.tolist()]
    is_room = (kind == 0) | (kind == 7)
    is_dwell, is_gift, is_start = (
        kind == EventType.DWELL,
        kind == EventType.GIFT,
        kind == EventType.ROOM_START,
    )
    watch_per_row = np.zeros(len(ts), np.int64)
    watch_per_row[is_dwell] = watch[session[is_dwell]]  # a dwell lasts from the click to the leave
    amount = np.round(rng.lognormal(1.5, 1.2, len(ts)), 1)
    return pa.table(
        {
            "id": pa.array(ids, pa.string()),
            "type": pa.array(kind, pa.int8()),
            "ts": pa.array(ts, pa.int64()),
            "user_id": pa.array(user, pa.int64(), mask=is_room),
            "streamer_id": pa.array(streamer_ids[room_of], pa.int64()),
            "live_id": pa.array(live_ids[room_of], pa.int64()),
            "watch_ms": pa.array(watch_per_row, pa.int64(), mask=~is_dwell),
            "amount": pa.array(amount, pa.float64(), mask=~is_gift),
            "live_type": pa.array(np.full(len(ts), 1, np.int32), pa.int32(), mask=~is_start),
            "category": pa.array(np.full(len(ts), "game", object), pa.string(), mask=~is_start),
        },
        schema=ARROW_SCHEMA,
    )


def write_fake_event_log(path: Path, n_events: int, span_s: float = 3600.0, seed: int = 0) -> Path:
    """Write the fake log as Parquet (row groups of 64k, like a real conversion) and return its path."""
    path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(fake_event_table(n_events, span_s=span_s, seed=seed), path, row_group_size=65_536)
    return path

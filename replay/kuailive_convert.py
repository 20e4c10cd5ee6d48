"""KuaiLive CSV directory -> one canonical, event-time-ordered Parquet event log (``ARROW_SCHEMA``).

Order: ``ts``, then the EventType tie-break order, then the source row (room events: the room's first row in
room.csv). A click carries no ``watch_ms``: the watch time is only known when the viewer leaves, so it goes on
the dwell event at ``timestamp + watch_live_time``. room.csv rows of one live_id (one per p_date for rooms
spanning midnight) merge into one room with the earliest start and the latest end.

Peak memory (full dataset, ~30M source rows -> ~46M events): valid rows are kept once as numpy columns
(~1.3 GB: negative 12.7M x 5 int64, room 11.8M x 6, click 4.9M x 6, plus category dictionary codes); a
click feeds both its click and its dwell event, so events do not copy source columns. Sorting needs one
int64 key per event (``ts * 8 + type``, ~370 MB; ts <= 9999-12-31 keeps it inside int64) and a stable
argsort permutation (~370 MB plus the sort's scratch). Source rows are appended in row order within each
type, so a *stable* sort on that key gives exactly (ts, type, row). Output columns, including the string
ids, are built for one row group (1M events) at a time from the permutation. Reading adds one chunk (1M
lines) and a transient concat of one file's columns. Total stays around 3 GB; CSV chunks and rejects are
streamed, never held whole.
"""

from __future__ import annotations

import os
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from giftlive.errors import UserError
from giftlive.events import ARROW_SCHEMA, ID_PREFIX, EventType
from replay.kuailive_files import (
    FILE_SPECS,
    PROFILE_FILES,
    REJECT_SCHEMA,
    iter_valid_chunks,
    require_directory,
)

ROW_GROUP = 1_000_000
_NUMERIC_BY_FILE = {
    "click": ("user_id", "live_id", "streamer_id", "timestamp", "watch_live_time", "row"),
    "gift": ("user_id", "live_id", "streamer_id", "timestamp", "gift_price", "row"),
    "like": ("user_id", "live_id", "streamer_id", "timestamp", "row"),
    "comment": ("user_id", "live_id", "streamer_id", "timestamp", "row"),
    "negative": ("user_id", "live_id", "streamer_id", "timestamp", "row"),
    "room": ("live_id", "streamer_id", "live_type", "start_timestamp", "end_timestamp", "row"),
}
# (event type, source file, timestamp column) in the order blocks are laid out.
_BLOCKS = (
    (EventType.ROOM_START, "room", "start_timestamp"),
    (EventType.ROOM_END, "room", "end_timestamp"),
    (EventType.IMPRESSION, "negative", "timestamp"),
    (EventType.CLICK, "click", "timestamp"),
    (EventType.LIKE, "like", "timestamp"),
    (EventType.COMMENT, "comment", "timestamp"),
    (EventType.GIFT, "gift", "timestamp"),
    (EventType.DWELL, "click", "dwell_ts"),
)


@dataclass
class FileReport:
    present: bool
    rows_read: int = 0
    valid: int = 0
    rejected: int = 0
    rejects_by_reason: Counter[str] = field(default_factory=Counter)


@dataclass
class ConvertReport:
    files: dict[str, FileReport]
    rejects_by_reason: Counter[str]
    events_by_type: dict[str, int]
    merged_room_duplicates: int
    out_path: Path
    rejects_path: Path
    elapsed_s: float
    profiles_present: dict[str, bool] = field(default_factory=dict)

    @property
    def events(self) -> int:
        return sum(self.events_by_type.values())


class _Progress:
    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled
        self.start = time.perf_counter()

    def __call__(self, message: str) -> None:
        if self.enabled:
            print(f"[{time.perf_counter() - self.start:7.1f}s] {message}", file=sys.stderr, flush=True)


def _read_file(
    directory: Path, name: str, report: FileReport, writer: pq.ParquetWriter, progress: _Progress
) -> dict[str, np.ndarray]:
    """Valid rows of one file as numpy columns; rejects go straight to ``writer``."""
    parts: dict[str, list[np.ndarray]] = {c: [] for c in _NUMERIC_BY_FILE[name]}
    categories: list[pa.Array] = []
    started = time.perf_counter()
    for chunk in iter_valid_chunks(directory, name):
        report.rows_read += chunk.rows_read
        report.valid += chunk.table.num_rows
        report.rejected += chunk.rejects.num_rows
        if chunk.rejects.num_rows:
            report.rejects_by_reason.update(chunk.rejects.column("reason").to_pylist())
            writer.write_table(chunk.rejects)
        for column, bucket in parts.items():
            bucket.append(chunk.table.column(column).to_numpy())
        if name == "room":
            categories.extend(chunk.table.column("live_content_category").chunks)
        rate = report.rows_read / max(time.perf_counter() - started, 1e-9)
        progress(f"{FILE_SPECS[name].file}: {report.rows_read:,} rows read ({rate:,.0f} rows/s)")
    out = {
        c: np.concatenate(b) if b else np.zeros(0, np.float64 if c == "gift_price" else np.int64)
        for c, b in parts.items()
    }
    if name == "room":
        out |= _category_codes(categories)
    return out


def _category_codes(chunks: list[pa.Array]) -> dict[str, np.ndarray]:
    """Dictionary-encode room categories: int32 codes (-1 = null) plus the dictionary as an object array."""
    if not chunks:
        return {"category_code": np.zeros(0, np.int32), "category_dict": np.zeros(0, object)}
    encoded = pa.chunked_array(chunks, pa.string()).dictionary_encode().unify_dictionaries()
    codes = [c.indices.fill_null(-1).to_numpy().astype(np.int32) for c in encoded.chunks]
    dictionary = encoded.chunks[0].dictionary.to_numpy(zero_copy_only=False)
    return {"category_code": np.concatenate(codes), "category_dict": dictionary}


def _merge_rooms(room: dict[str, np.ndarray]) -> tuple[dict[str, np.ndarray], int]:
    """One room per live_id (earliest start, latest end, attributes of its first row), in first-row order."""
    n = len(room["live_id"])
    if n == 0:
        return room, 0
    order = np.argsort(room["live_id"], kind="stable")
    live = room["live_id"][order]
    starts = np.flatnonzero(np.r_[True, live[1:] != live[:-1]])
    first = order[starts]  # stable sort: the earliest row of each live_id
    merged = {c: room[c][first] for c in ("live_id", "streamer_id", "live_type", "row", "category_code")}
    merged["start_timestamp"] = np.minimum.reduceat(room["start_timestamp"][order], starts)
    merged["end_timestamp"] = np.maximum.reduceat(room["end_timestamp"][order], starts)
    by_row = np.argsort(merged["row"], kind="stable")
    merged = {c: v[by_row] for c, v in merged.items()}
    merged["category_dict"] = room["category_dict"]
    return merged, n - len(starts)


@dataclass
class _Block:
    kind: EventType
    source: dict[str, np.ndarray]
    start: int
    length: int


def _sort(sources: dict[str, dict[str, np.ndarray]]) -> tuple[list[_Block], np.ndarray, np.ndarray]:
    """Event blocks, the sort key ``ts * 8 + type`` per event and the stable permutation ordering them."""
    blocks: list[_Block] = []
    total = 0
    for kind, name, _ts_column in _BLOCKS:
        source = sources.get(name)
        length = 0 if source is None else len(source["live_id"])
        blocks.append(_Block(kind, source or {}, total, length))
        total += length
    key = np.empty(total, np.int64)
    for (kind, _, ts_column), block in zip(_BLOCKS, blocks, strict=True):
        if block.length:
            src = block.source
            ts = src["timestamp"] + src["watch_live_time"] if ts_column == "dwell_ts" else src[ts_column]
            key[block.start : block.start + block.length] = ts * 8 + int(kind)
    return blocks, key, np.argsort(key, kind="stable")


_PREFIXES = pa.array([ID_PREFIX[t] for t in sorted(EventType)])


def _row_group(blocks: list[_Block], key: np.ndarray, perm: np.ndarray) -> pa.Table:
    """Materialise one output row group: gather each column from the source blocks, build the ids."""
    n = len(perm)
    k = key[perm]
    kind = (k & 7).astype(np.int8)
    starts = np.array([b.start for b in blocks])
    which = np.searchsorted(starts, perm, side="right") - 1
    cols = {c: np.zeros(n, np.int64) for c in ("user_id", "streamer_id", "live_id", "watch_ms", "number")}
    amount = np.zeros(n, np.float64)
    live_type = np.zeros(n, np.int32)
    category = np.full(n, -1, np.int32)
    category_dict = np.zeros(0, object)
    has_user = np.zeros(n, bool)
    for b in np.unique(which):
        block = blocks[b]
        if not block.length:
            continue
        mask = which == b
        local = perm[mask] - block.start
        src = block.source
        cols["streamer_id"][mask] = src["streamer_id"][local]
        cols["live_id"][mask] = src["live_id"][local]
        if block.kind in (EventType.ROOM_START, EventType.ROOM_END):
            cols["number"][mask] = src["live_id"][local]
            if block.kind is EventType.ROOM_START:
                live_type[mask] = src["live_type"][local]
                category[mask] = src["category_code"][local]
                category_dict = src["category_dict"]
            continue
        has_user[mask] = True
        cols["user_id"][mask] = src["user_id"][local]
        cols["number"][mask] = src["row"][local]
        if block.kind is EventType.DWELL:
            cols["watch_ms"][mask] = src["watch_live_time"][local]
        elif block.kind is EventType.GIFT:
            amount[mask] = src["gift_price"][local]
    ids = pc.binary_join_element_wise(
        pc.take(_PREFIXES, pa.array(kind)), pc.cast(pa.array(cols["number"]), pa.string()), ""
    )
    is_start = kind == int(EventType.ROOM_START)
    cat_idx = pa.array(category, mask=category < 0)
    arrays = {
        "id": ids,
        "type": pa.array(kind, pa.int8()),
        "ts": pa.array(k >> 3),
        "user_id": pa.array(cols["user_id"], mask=~has_user),
        "streamer_id": pa.array(cols["streamer_id"]),
        "live_id": pa.array(cols["live_id"]),
        "watch_ms": pa.array(cols["watch_ms"], mask=kind != int(EventType.DWELL)),
        "amount": pa.array(amount, mask=kind != int(EventType.GIFT)),
        "live_type": pa.array(live_type, pa.int32(), mask=~is_start),
        "category": pc.take(pa.array(category_dict, pa.string()), cat_idx),
    }
    return pa.Table.from_arrays([arrays[f.name] for f in ARROW_SCHEMA], schema=ARROW_SCHEMA)


def _write(
    directory: Path, files: dict[str, FileReport], out_tmp: Path, rejects_tmp: Path, say: _Progress
) -> tuple[dict[str, int], int]:
    """Read every present file, sort, write both outputs; returns events by type and merged room rows."""
    sources: dict[str, dict[str, np.ndarray]] = {}
    with pq.ParquetWriter(rejects_tmp, REJECT_SCHEMA) as rejects_writer:
        for name in FILE_SPECS:
            if files[name].present:
                sources[name] = _read_file(directory, name, files[name], rejects_writer, say)
    merged = 0
    if "room" in sources:
        sources["room"], merged = _merge_rooms(sources["room"])
    say("sorting events")
    blocks, key, perm = _sort(sources)
    events_by_type = {k.wire_name: 0 for k in EventType}
    for block in blocks:
        events_by_type[block.kind.wire_name] += block.length
    with pq.ParquetWriter(out_tmp, ARROW_SCHEMA) as writer:
        for begin in range(0, len(perm), ROW_GROUP):
            writer.write_table(
                _row_group(blocks, key, perm[begin : begin + ROW_GROUP]), row_group_size=ROW_GROUP
            )
            say(f"{out_tmp.stem}: {min(begin + ROW_GROUP, len(perm)):,} / {len(perm):,} events written")
    return events_by_type, merged


def convert(
    directory: Path, out_path: Path, rejects_path: Path | None = None, progress: bool = False
) -> ConvertReport:
    """Convert a KuaiLive directory; writes the event log and the rejects file atomically (tmp + rename)."""
    started = time.perf_counter()
    directory, out_path = Path(directory), Path(out_path)
    require_directory(directory)
    rejects_path = Path(rejects_path) if rejects_path else out_path.with_suffix(".rejects.parquet")
    if out_path.resolve() == rejects_path.resolve():
        raise UserError(f"--rejects must differ from --out ({out_path})")
    for path in (out_path, rejects_path):
        if path.is_dir():
            raise UserError(
                f"{path} is a directory; give the event log a file path, e.g. {path / 'events.parquet'}"
            )
        if not path.parent.is_dir():
            raise UserError(f"output folder {path.parent} does not exist; create it or choose another path")
    say = _Progress(progress)
    files = {name: FileReport(present=(directory / spec.file).is_file()) for name, spec in FILE_SPECS.items()}
    rejects_tmp = rejects_path.with_name(rejects_path.name + ".tmp")
    out_tmp = out_path.with_name(out_path.name + ".tmp")
    try:
        events_by_type, merged = _write(directory, files, out_tmp, rejects_tmp, say)
        os.replace(out_tmp, out_path)
        os.replace(rejects_tmp, rejects_path)
    finally:  # never leave half-written files behind, whatever failed
        out_tmp.unlink(missing_ok=True)
        rejects_tmp.unlink(missing_ok=True)
    rejects_by_reason: Counter[str] = Counter()
    for report in files.values():
        rejects_by_reason.update(report.rejects_by_reason)
    return ConvertReport(
        files=files,
        rejects_by_reason=rejects_by_reason,
        events_by_type=events_by_type,
        merged_room_duplicates=merged,
        out_path=out_path,
        rejects_path=rejects_path,
        elapsed_s=time.perf_counter() - started,
        profiles_present={f: (directory / f).is_file() for f in PROFILE_FILES},
    )


# What a missing optional file costs downstream, said where it is noticed.
_ABSENT_MEANS = {
    "room": "  warning: no room events, so the flow sees no live room and serves no request a room",
    "negative": "  (no impressions: the flow answers clicks only)",
}


def print_report(report: ConvertReport) -> None:
    """Human summary: per file, per reject reason, per event type."""
    print(f"{'file':<14}{'rows read':>14}{'valid':>14}{'rejected':>12}")
    for name, file in report.files.items():
        label = FILE_SPECS[name].file
        if not file.present:
            print(f"{label:<14}{'absent':>14}{_ABSENT_MEANS.get(name, '')}")
            continue
        print(f"{label:<14}{file.rows_read:>14,}{file.valid:>14,}{file.rejected:>12,}")
    for profile, present in report.profiles_present.items():
        print(f"{profile:<14}{'present' if present else 'absent':>14}  (profile snapshot, not used)")
    if report.rejects_by_reason:
        print("rejects by reason:")
        for name, file in report.files.items():
            for reason, count in sorted(file.rejects_by_reason.items()):
                print(f"  {FILE_SPECS[name].file:<14}{reason:<40}{count:>10,}")
    else:
        print("rejects: none")
    if report.merged_room_duplicates:
        print(f"room rows merged into an earlier row of the same live_id: {report.merged_room_duplicates:,}")
    print("events by type:")
    for label, count in report.events_by_type.items():
        print(f"  {label:<14}{count:>14,}")
    print(f"  {'total':<14}{report.events:>14,}")
    print(f"event log: {report.out_path}")
    print(f"rejects:   {report.rejects_path}")
    print(f"elapsed:   {report.elapsed_s:.1f}s")


def ensure_event_log(source: Path) -> Path:
    """Event log for ``source``: a .parquet log as is, or DIR/events.parquet, (re)converted when stale."""
    source = Path(source)
    if source.is_file() and source.suffix == ".parquet":
        return source
    if source.suffix == ".parquet" and not source.exists():
        raise UserError(
            f"event log {source} does not exist; create it with `giftlive data convert DIR --out {source}`"
        )
    require_directory(source)
    out = source / "events.parquet"
    newest_csv = max((p.stat().st_mtime for p in source.glob("*.csv")), default=0.0)
    if not out.is_file() or out.stat().st_mtime < newest_csv:
        try:
            convert(source, out, progress=True)
        except PermissionError:
            raise UserError(
                f"cannot write the converted event log into {source} (read-only?): convert it elsewhere with "
                f"`giftlive data convert {source} --out EVENTS.parquet` and pass that file"
            ) from None
    return out

"""Read KuaiLive CSV files (published schema) in chunks, with row validation.

Why line-based parsing: pyarrow's CSV reader can skip rows with the wrong number of fields, but it cannot tell
where they were, so row numbers after a malformed row would be wrong. We therefore let pyarrow read each line
as one string (fast, multithreaded), split it on ',' with pyarrow.compute and validate column-wise. Lines
holding a quote character go through Python's csv module (rare in KuaiLive; exact but slower).

Every data row ends up either in ``Chunk.table`` (typed) or in ``Chunk.rejects`` (file, row, reason, raw
line), never silently dropped. ``row`` is the 0-based data row number in the file (header excluded; blank
lines are not rows), stable across chunk sizes.
"""

from __future__ import annotations

import csv
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pcsv

from giftlive.errors import UserError
from giftlive.events import MAX_AHEAD_MS, MAX_AMOUNT, MAX_TS_MS, MIN_TS_MS

Kind = Literal["int", "float", "str"]
ARROW_TYPE: dict[Kind, pa.DataType] = {"int": pa.int64(), "float": pa.float64(), "str": pa.string()}
# Beyond 9999-12-31 a watch time is corrupt; the bound also keeps the leave time inside int64.
MAX_TIMESTAMP_MS = 253_402_300_799_999
_EVENT_TIME_COLUMNS = ("timestamp", "start_timestamp", "end_timestamp")
_INT_RE = r"^-?\d{1,18}$"
_FLOAT_RE = r"^-?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$"


@dataclass(frozen=True)
class Column:
    name: str
    kind: Kind
    nullable: bool = False  # empty value -> null instead of a "missing field" reject


@dataclass(frozen=True)
class FileSpec:
    file: str
    columns: tuple[Column, ...]
    required: bool = False
    nonnegative: tuple[tuple[str, str], ...] = ()  # (column, reject reason when < 0)
    end_after_start: bool = False  # room.csv: end_timestamp >= start_timestamp

    @property
    def names(self) -> list[str]:
        return [c.name for c in self.columns]

    @property
    def schema(self) -> pa.Schema:
        return pa.schema([(c.name, ARROW_TYPE[c.kind]) for c in self.columns] + [("row", pa.int64())])


def _ints(*names: str) -> tuple[Column, ...]:
    return tuple(Column(n, "int") for n in names)


_EVENT = _ints("user_id", "live_id", "streamer_id", "timestamp")
_TS = ("timestamp", "negative timestamp")
FILE_SPECS: dict[str, FileSpec] = {
    "click": FileSpec(
        "click.csv",
        (*_EVENT, Column("watch_live_time", "int")),
        required=True,
        nonnegative=(_TS, ("watch_live_time", "negative watch_live_time")),
    ),
    "gift": FileSpec(
        "gift.csv",
        (*_EVENT, Column("gift_price", "float")),
        nonnegative=(_TS, ("gift_price", "negative gift_price")),
    ),
    "like": FileSpec("like.csv", _EVENT, nonnegative=(_TS,)),
    "comment": FileSpec("comment.csv", _EVENT, nonnegative=(_TS,)),
    "negative": FileSpec("negative.csv", _EVENT, nonnegative=(_TS,)),
    "room": FileSpec(
        "room.csv",
        (
            *_ints("p_date", "live_id", "streamer_id", "live_type", "start_timestamp", "end_timestamp"),
            Column("live_content_category", "str", nullable=True),
            Column("live_name_id", "int", nullable=True),
        ),
        nonnegative=(("start_timestamp", "negative timestamp"), ("end_timestamp", "negative timestamp")),
        end_after_start=True,
    ),
}
# Profile snapshots: optional, not part of the event log (they leak the future), only reported as present.
PROFILE_FILES = ("user.csv", "streamer.csv")

REJECT_SCHEMA = pa.schema(
    [("file", pa.string()), ("row", pa.int64()), ("reason", pa.string()), ("raw", pa.string())]
)


@dataclass
class Chunk:
    """Valid typed rows (plus ``row``) and the rejected rows of one slice of a file."""

    table: pa.Table
    rejects: pa.Table
    rows_read: int = field(default=0)


def spec_for(name: str) -> FileSpec:
    key = name.removesuffix(".csv")
    if key not in FILE_SPECS:
        raise UserError(f"unknown KuaiLive file {name!r}; expected one of {', '.join(FILE_SPECS)}")
    return FILE_SPECS[key]


def _expected() -> str:
    return ", ".join([s.file for s in FILE_SPECS.values()] + list(PROFILE_FILES))


def require_directory(directory: Path) -> None:
    """Fail early with a clear message unless ``directory`` looks like a KuaiLive directory."""
    directory = Path(directory)
    if not directory.exists():
        raise UserError(f"KuaiLive directory {directory} does not exist; pass the folder holding click.csv")
    if not directory.is_dir():
        raise UserError(f"{directory} is not a directory; pass the KuaiLive folder holding click.csv")
    if not (directory / "click.csv").is_file():
        raise UserError(
            f"{directory} is not a KuaiLive directory: click.csv not found "
            f"(expected click.csv, optionally {_expected().removeprefix('click.csv, ')})"
        )


def _header(path: Path, spec: FileSpec) -> list[str]:
    """Column names of the file; UserError when it is not CSV text or lacks a required column."""
    with path.open("rb") as handle:
        first = handle.readline()
    try:
        text = first.decode("utf-8-sig").strip("\r\n")
    except UnicodeDecodeError:
        raise UserError(f"{path}: not a UTF-8 CSV text file (could not read the header line)") from None
    if not text.strip():
        raise UserError(f"{path}: empty file or empty header line; expected columns {', '.join(spec.names)}")
    header = next(csv.reader([text]))
    for name in spec.names:
        if name not in header:
            raise UserError(
                f"{path}: missing required column '{name}' (found: {', '.join(header)[:200]}); "
                f"{spec.file} must have columns {', '.join(spec.names)} as in the published KuaiLive schema"
            )
    return header


def _split(lines: pa.Array) -> pa.Array:
    """Lines -> list<string> of fields; lines with quotes are parsed by csv for correctness."""
    parts = pc.split_pattern(lines, ",")
    quoted = pc.match_substring(lines, '"')
    if not pc.any(quoted).as_py():
        return parts
    values = parts.to_pylist()
    for i in np.flatnonzero(quoted.to_numpy(zero_copy_only=False)):
        values[i] = next(csv.reader([lines[int(i)].as_py()]), [])
    return pa.array(values, pa.list_(pa.string()))


class _Reasons:
    """Per-row first reject reason as small int codes (0 = valid): vectorised and order-preserving."""

    def __init__(self, n: int) -> None:
        self.code = np.zeros(n, dtype=np.int16)
        self.labels: list[str] = [""]

    def mark(self, mask: np.ndarray, label: str) -> None:
        mask = mask & (self.code == 0)
        if mask.any():
            if label not in self.labels:
                self.labels.append(label)
            self.code[mask] = self.labels.index(label)

    def strings(self, idx: np.ndarray) -> pa.Array:
        return pc.take(pa.array(self.labels), pa.array(self.code[idx].astype(np.int32)))


def _parse_column(values: pa.Array, column: Column, reasons: _Reasons, rows: np.ndarray) -> pa.Array:
    """Typed column; marks missing/non-numeric rows (at positions ``rows``) in ``reasons``."""
    if column.kind == "str":
        empty = pc.equal(pc.utf8_length(values), 0)
        if column.nullable:
            return pc.if_else(empty, pa.scalar(None, pa.string()), values)
        _mark(reasons, rows, empty, f"missing field: {column.name}")
        return values
    target = ARROW_TYPE[column.kind]
    try:
        parsed = pc.cast(values, target)  # fast path: every value well-formed
    except pa.ArrowInvalid:
        empty = pc.equal(pc.utf8_length(values), 0)
        good = pc.match_substring_regex(values, _INT_RE if column.kind == "int" else _FLOAT_RE)
        if not column.nullable:
            _mark(reasons, rows, empty, f"missing field: {column.name}")
        _mark(reasons, rows, pc.and_(pc.invert(good), pc.invert(empty)), f"non-numeric field: {column.name}")
        parsed = pc.cast(pc.if_else(good, values, "0"), target)
        parsed = pc.if_else(good, parsed, pa.scalar(None, target))
    if column.kind == "float":
        _mark(
            reasons,
            rows,
            pc.invert(pc.fill_null(pc.is_finite(parsed), True)),
            f"non-numeric field: {column.name}",
        )
    return parsed


def _mark(reasons: _Reasons, rows: np.ndarray, mask: pa.Array, label: str) -> None:
    full = np.zeros(len(reasons.code), dtype=bool)
    full[rows] = mask.to_numpy(zero_copy_only=False)
    reasons.mark(full, label)


def _as_text(lines: pa.Array) -> tuple[pa.Array, np.ndarray]:
    """Raw lines -> text, and which lines were not UTF-8 (shown with replacement characters, then rejected):
    one bad byte costs its row, not the file."""
    try:
        return lines.cast(pa.string()), np.zeros(len(lines), dtype=bool)
    except pa.ArrowInvalid:
        raw = lines.to_pylist()
        bad = np.zeros(len(raw), dtype=bool)
        text = []
        for i, line in enumerate(raw):
            try:
                text.append(line.decode("utf-8"))
            except UnicodeDecodeError:
                bad[i] = True
                text.append(line.decode("utf-8", errors="replace"))
        return pa.array(text, pa.string()), bad


def _validate(lines: pa.Array, header: list[str], spec: FileSpec, first_row: int) -> Chunk:
    """One slice of raw lines -> valid typed table + rejects."""
    n = len(lines)
    lines, not_utf8 = _as_text(lines)
    parts = _split(lines)
    nfields = pc.list_value_length(parts).to_numpy(zero_copy_only=False)
    reasons = _Reasons(n)
    reasons.mark(not_utf8, "not UTF-8 text")
    reasons.mark(nfields > len(header), "too many fields")
    for count in np.unique(nfields[nfields < len(header)]):  # short rows: name the first absent column
        reasons.mark(nfields == count, f"missing field: {header[count]}")
    rows = np.flatnonzero(nfields == len(header))
    well_formed = parts.take(pa.array(rows)) if len(rows) < n else parts
    columns: dict[str, pa.Array] = {}
    for column in spec.columns:
        values = (
            pc.list_element(well_formed, header.index(column.name))
            if len(rows)
            else pa.array([], pa.string())
        )
        columns[column.name] = _parse_column(values, column, reasons, rows)
    numeric = {
        name: arr.to_numpy(zero_copy_only=False) for name, arr in columns.items() if arr.type == pa.int64()
    }
    numeric |= {n_: a.to_numpy(zero_copy_only=False) for n_, a in columns.items() if a.type == pa.float64()}
    for name, label in spec.nonnegative:
        _mark_values(reasons, rows, numeric[name] < 0, label)
    if "watch_live_time" in numeric:
        _mark_values(
            reasons, rows, numeric["watch_live_time"] > MAX_TIMESTAMP_MS, "watch_live_time out of range"
        )
    # the flow's bounds (giftlive/events.py): before 2015 is seconds read as ms, from 2100 on a unit mistake,
    # more than a day after the wall clock an event that has not happened yet
    horizon = int(time.time() * 1000) + MAX_AHEAD_MS
    for name in (c for c in _EVENT_TIME_COLUMNS if c in numeric):
        ts = numeric[name]
        _mark_values(reasons, rows, ts < MIN_TS_MS, f"ts_implausible: {name} before 2015-01-01")
        _mark_values(reasons, rows, ts >= MAX_TS_MS, f"ts_implausible: {name} from 2100 on")
        _mark_values(reasons, rows, ts > horizon, f"future: {name} more than a day after now")
    if "watch_live_time" in numeric:
        leave = numeric["timestamp"] + numeric["watch_live_time"]
        _mark_values(
            reasons, rows, leave > min(horizon, MAX_TS_MS - 1), "future: timestamp + watch_live_time"
        )
    if "gift_price" in numeric:
        _mark_values(
            reasons, rows, numeric["gift_price"] > MAX_AMOUNT, f"gift_price beyond {MAX_AMOUNT:,.0f}"
        )
    if spec.end_after_start:
        _mark_values(
            reasons, rows, numeric["end_timestamp"] < numeric["start_timestamp"], "room end before start"
        )
    valid_local = np.flatnonzero(reasons.code[rows] == 0)
    valid_take = pa.array(valid_local)
    arrays = [columns[c.name].take(valid_take) for c in spec.columns]
    arrays.append(pa.array(first_row + rows[valid_local], pa.int64()))
    table = pa.Table.from_arrays(arrays, schema=spec.schema)
    bad = np.flatnonzero(reasons.code != 0)
    rejects = pa.Table.from_arrays(
        [
            pa.array([spec.file] * len(bad), pa.string()),
            pa.array(first_row + bad, pa.int64()),
            reasons.strings(bad),
            lines.take(pa.array(bad)),
        ],
        schema=REJECT_SCHEMA,
    )
    return Chunk(table, rejects, rows_read=n)


def _mark_values(reasons: _Reasons, rows: np.ndarray, mask: np.ndarray, label: str) -> None:
    """Like _mark for numpy masks; NaN/placeholder values of already rejected rows do not matter."""
    full = np.zeros(len(reasons.code), dtype=bool)
    full[rows] = mask
    reasons.mark(full, label)


def _lines(path: Path, block_bytes: int) -> Iterator[pa.Array]:
    """Each data line as raw bytes, streamed (header skipped, blank lines dropped)."""
    try:
        reader = pcsv.open_csv(
            path,
            read_options=pcsv.ReadOptions(column_names=["line"], skip_rows=1, block_size=block_bytes),
            parse_options=pcsv.ParseOptions(delimiter="\x1f", quote_char=False, escape_char=False),
            convert_options=pcsv.ConvertOptions(column_types={"line": pa.binary()}),  # text per row: _as_text
        )
        for batch in reader:
            yield batch.column(0)
    except (pa.ArrowInvalid, pa.ArrowIOError) as exc:
        raise UserError(f"{path}: cannot be read as CSV text ({str(exc).splitlines()[0]})") from None


def iter_valid_chunks(directory: Path, name: str, chunk_rows: int = 1_000_000) -> Iterator[Chunk]:
    """Validated chunks of ``chunk_rows`` lines; none for a missing optional file."""
    spec = spec_for(name)
    path = Path(directory) / spec.file
    if not path.is_file():
        if spec.required:
            require_directory(Path(directory))
        return
    if not spec.required and path.stat().st_size == 0:
        return  # an empty optional file holds no rows, like an absent one
    header = _header(path, spec)
    block_bytes = int(min(max(chunk_rows * 64, 1 << 16), 1 << 26))
    pending: list[pa.Array] = []
    held = 0
    first_row = 0
    for lines in _lines(path, block_bytes):
        pending.append(lines)
        held += len(lines)
        if held < chunk_rows:
            continue
        joined = pa.concat_arrays(pending) if len(pending) > 1 else pending[0]
        offset = 0
        while held - offset >= chunk_rows:
            yield _validate(joined.slice(offset, chunk_rows), header, spec, first_row)
            offset += chunk_rows
            first_row += chunk_rows
        rest = joined.slice(offset)
        pending, held = ([rest] if len(rest) else []), len(rest)
    if held:
        yield _validate(pa.concat_arrays(pending), header, spec, first_row)


def read_valid(directory: Path, name: str, columns: list[str] | None = None) -> pa.Table:
    """All valid rows of one file (optionally only ``columns``); an empty table if the file is absent."""
    spec = spec_for(name)
    wanted = columns or [*spec.names, "row"]
    schema = pa.schema([spec.schema.field(c) for c in wanted])
    tables = [chunk.table.select(wanted) for chunk in iter_valid_chunks(directory, name)]
    return pa.concat_tables(tables) if tables else schema.empty_table()

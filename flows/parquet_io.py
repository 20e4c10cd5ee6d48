"""Embedded-mode edges: the canonical Parquet event log as a source, Parquet files as sinks."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
from bytewax.inputs import FixedPartitionedSource, StatefulSourcePartition
from bytewax.outputs import FixedPartitionedSink, StatefulSinkPartition

from flows.outputs import OUTPUTS
from flows.stages.decode import RawRecord
from giftlive.errors import UserError
from giftlive.events import COLUMNS, END_OF_PARTITION, encode, kafka_key
from replay.arrow_encode import encode_batch
from replay.event_log import open_event_log

_READ_ROWS = 65_536  # Arrow batch read and encoded at once: pyarrow.compute has a fixed cost per call


class _LogPartition(StatefulSourcePartition[RawRecord, int]):
    """Reads and encodes big Arrow batches, hands them to Bytewax ``batch_size`` records at a time."""

    def __init__(self, path: Path, batch_size: int, start_row: int) -> None:
        self._log = open_event_log(path)
        self._batch_size = batch_size
        self._row = start_row  # next row to hand out: the resume state
        self._batches = self._log.iter_batches(batch_size=_READ_ROWS, columns=list(COLUMNS))
        self._pending: list[RawRecord] = []
        self._ended = False
        read = 0
        while read < start_row:  # resume: skip the rows already handed out
            batch = next(self._batches, None)
            if batch is None:
                break
            if read + batch.num_rows > start_row:
                self._pending = self._encode(batch, read)[start_row - read :]
            read += batch.num_rows

    def _encode(self, batch: pa.RecordBatch, first_row: int) -> list[RawRecord]:
        encoded = encode_batch(batch)
        if encoded is None:  # a string needs JSON escaping: encode row by row
            rows = batch.to_pylist()
            encoded = ([encode(r) for r in rows], [kafka_key(r) for r in rows])
        values, keys = encoded
        return [RawRecord(0, first_row + i, k, v) for i, (k, v) in enumerate(zip(keys, values, strict=True))]

    def next_batch(self) -> list[RawRecord]:
        if self._ended:
            raise StopIteration
        if not self._pending:
            batch = next(self._batches, None)
            if batch is None:
                self._ended = True
                return [RawRecord(0, self._row, None, None, END_OF_PARTITION)]
            self._pending = self._encode(batch, self._row)
        out = self._pending[: self._batch_size]
        del self._pending[: self._batch_size]
        self._row += len(out)
        return out

    def snapshot(self) -> int:
        return self._row


class ParquetEventSource(FixedPartitionedSource[RawRecord, int]):
    """The log read in file order by one partition; ends with an end-of-partition marker."""

    def __init__(self, path: Path, batch_size: int = 2_000) -> None:
        self.rows = open_event_log(path).metadata.num_rows  # fails at build time, with a clear message
        self._path = path
        self._batch_size = batch_size

    def list_parts(self) -> list[str]:
        return ["events"]

    def build_part(self, step_id: str, for_part: str, resume_state: int | None) -> _LogPartition:
        return _LogPartition(self._path, self._batch_size, resume_state or 0)


class _FilePartition(StatefulSinkPartition[list[dict[str, Any]], None]):
    """Buffers rows and writes row groups; the file appears under its name only when complete."""

    def __init__(self, path: Path, schema: pa.Schema, rows_per_group: int) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._path = path
        self._partial = path.with_name(path.name + ".partial")
        self._schema = schema
        self._writer = pq.ParquetWriter(self._partial, schema)
        self._rows: list[dict[str, Any]] = []
        self._rows_per_group = rows_per_group

    def write_batch(self, values: list[list[dict[str, Any]]]) -> None:
        for rows in values:
            self._rows.extend(rows)
        if len(self._rows) >= self._rows_per_group:
            self._flush()

    def _flush(self) -> None:
        if self._rows:
            self._writer.write_table(pa.Table.from_pylist(self._rows, schema=self._schema))
            self._rows = []

    def snapshot(self) -> None:
        return None

    def close(self) -> None:
        self._flush()
        self._writer.close()
        os.replace(self._partial, self._path)


class ParquetSink(FixedPartitionedSink[list[dict[str, Any]], None]):
    """Every ``(key, [rows])`` item into one Parquet file (a single partition: one worker writes it)."""

    def __init__(self, path: Path, schema: pa.Schema, rows_per_group: int = 50_000) -> None:
        self._path = path
        self._schema = schema
        self._rows_per_group = rows_per_group

    def list_parts(self) -> list[str]:
        return [self._path.name]

    def build_part(self, step_id: str, for_part: str, resume_state: None) -> _FilePartition:
        return _FilePartition(self._path, self._schema, self._rows_per_group)


def make_output_folder(out_dir: Path) -> None:
    """Create the output folder before the run starts, or say in one line why it cannot be."""
    if out_dir.exists() and not out_dir.is_dir():
        raise UserError(f"--out {out_dir} is a file; give a folder for the output files")
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        reason = exc.strerror
        raise UserError(f"--out {out_dir}: cannot create the folder ({reason}); choose another") from None


def clear_outputs(out_dir: Path) -> None:
    """Remove a previous run's output files (and unfinished ones), so none survives into this run's."""
    for output in OUTPUTS:
        (out_dir / output.file).unlink(missing_ok=True)
        (out_dir / (output.file + ".partial")).unlink(missing_ok=True)


def write_missing_outputs(out_dir: Path) -> None:
    """Bytewax builds a sink at its first record: write empty files for the outputs that had none."""
    for output in OUTPUTS:
        path = out_dir / output.file
        if not path.exists():
            out_dir.mkdir(parents=True, exist_ok=True)
            pq.write_table(output.schema.empty_table(), path)

"""The canonical Parquet event log: find it (converting a KuaiLive directory once) and open it checked."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from giftlive.errors import UserError
from giftlive.events import ARROW_SCHEMA


def resolve_event_log(source: Path) -> Path:
    """An events .parquet file as is; a KuaiLive directory converted (once) by replay.kuailive_convert."""
    if source.is_dir():
        from replay.kuailive_convert import ensure_event_log  # heavy, and only needed for directories

        return Path(ensure_event_log(source))
    if not source.exists():
        raise UserError(f"{source} does not exist; pass an events .parquet file or a KuaiLive directory")
    if source.suffix != ".parquet":
        raise UserError(f"{source} is not a .parquet event log; pass one or a KuaiLive directory")
    return source


def open_event_log(path: Path) -> pq.ParquetFile:
    """The log as a ParquetFile, after checking it has every schema column with the schema's type."""
    try:
        log = pq.ParquetFile(path)
    except (OSError, pa.ArrowInvalid) as exc:
        raise UserError(f"cannot read event log {path}: {exc}") from None
    have = log.schema_arrow
    for want in ARROW_SCHEMA:
        if want.name not in have.names:
            raise UserError(
                f"event log {path} has no column {want.name!r}; write it with `giftlive data convert`"
            )
        if have.field(want.name).type != want.type:
            raise UserError(
                f"event log {path}: column {want.name!r} is {have.field(want.name).type}, not {want.type}"
            )
    return log

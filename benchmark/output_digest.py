"""Digest of a flow run's output files, row for row: each file sorted by its records' deterministic id
(flows/outputs.py) and hashed, so two runs (before and after a refactor, 1 vs 2 processes, ...) can be
compared by eye or by `diff`.

    python benchmark/output_digest.py runs/a > a.txt; python benchmark/output_digest.py runs/b > b.txt
    diff a.txt b.txt && echo identical
"""

from __future__ import annotations

import argparse
import hashlib
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # run from a checkout without installing

import pyarrow.parquet as pq  # noqa: E402

from flows.outputs import OUTPUTS  # noqa: E402


def digest(path: Path, id_field: str | None) -> tuple[int, str]:
    """(rows, sha256 prefix) of the file's rows in id order (file order when records have no id)."""
    table = pq.read_table(path)
    if id_field is not None:
        table = table.sort_by(id_field)
    hasher = hashlib.sha256()
    for batch in table.to_batches(100_000):
        for column in batch.columns:
            hasher.update(repr(column.to_pylist()).encode())
    return table.num_rows, hasher.hexdigest()[:16]


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("out", type=Path, help="a flow run's output folder (giftlive run --out)")
    args = parser.parse_args()
    for output in OUTPUTS:
        path = args.out / output.file
        if not path.exists():
            print(f"{output.name:<12} missing")
            continue
        rows, sha = digest(path, output.id_field)
        print(f"{output.name:<12} {rows:>10,} rows  sha256 {sha}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""kuailive_files: schema checks, row validation with exact reasons and row numbers, chunking."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pytest

from giftlive.errors import UserError
from replay.kuailive_files import iter_valid_chunks, read_valid, require_directory

CLICK = "user_id,live_id,streamer_id,timestamp,watch_live_time"
T = 1_746_057_600_000  # 2025-05-01, inside the plausible range of event times


def write(directory: Path, name: str, text: str) -> Path:
    path = directory / name
    path.write_text(text)
    return path


def collect(directory: Path, name: str, chunk_rows: int = 1_000_000) -> tuple[pa.Table, pa.Table]:
    chunks = list(iter_valid_chunks(directory, name, chunk_rows=chunk_rows))
    return (
        pa.concat_tables([c.table for c in chunks]),
        pa.concat_tables([c.rejects for c in chunks]),
    )


def rejects_of(rejects: pa.Table) -> list[tuple[str, int, str, str]]:
    return [(r["file"], r["row"], r["reason"], r["raw"]) for r in rejects.to_pylist()]


def test_valid_rows_are_typed_and_numbered(tmp_path: Path) -> None:
    write(tmp_path, "click.csv", f"{CLICK}\n1,10,5,{T},300\n2,11,6,{T + 1000},0\n")
    table, rejects = collect(tmp_path, "click")
    assert rejects.num_rows == 0
    assert table.schema.field("timestamp").type == pa.int64()
    assert table.column("row").to_pylist() == [0, 1]
    assert table.column("watch_live_time").to_pylist() == [300, 0]


def test_every_reject_reason_with_file_and_row(tmp_path: Path) -> None:
    write(
        tmp_path,
        "click.csv",
        f"{CLICK}\n"
        f"1,10,5,{T},300\n"  # 0 valid
        f",10,5,{T},300\n"  # 1 missing user_id
        "1,10,5,12:00,300\n"  # 2 non-numeric timestamp
        f"1,10,5,{T},-1\n"  # 3 negative watch
        "1,10,5,-5,1\n"  # 4 negative timestamp
        "1,10,5\n"  # 5 short row
        f"1,10,5,{T},300,9\n"  # 6 too many fields
        "\n"  # blank lines are not rows
        f"3,10,5,{T},300\n"  # 7 valid
        "4,10,5,1746057600,300\n"  # 8 seconds, not milliseconds
        "5,10,5,4070908800000,300\n"  # 9 in 2099
        f"6,10,5,{T},4070908800000\n",  # 10 leaves in 2099
    )
    write(
        tmp_path,
        "gift.csv",
        f"user_id,live_id,streamer_id,timestamp,gift_price\n1,10,5,{T},-2\n1,10,5,{T},abc\n1,10,5,{T},nan\n"
        f"1,10,5,{T},1.5\n1,10,5,{T},1e100\n",
    )
    write(
        tmp_path,
        "room.csv",
        "p_date,live_id,streamer_id,live_type,start_timestamp,end_timestamp,live_content_category,live_name_id\n"
        f"20250505,10,5,1,{T + 1000},{T},shop,3\n20250505,11,5,1,{T},{T + 1000},,\n"
        "20250505,12,5,1,0,1,x,4\n",
    )
    table, rejects = collect(tmp_path, "click")
    assert table.column("row").to_pylist() == [0, 7]
    assert rejects_of(rejects) == [
        ("click.csv", 1, "missing field: user_id", f",10,5,{T},300"),
        ("click.csv", 2, "non-numeric field: timestamp", "1,10,5,12:00,300"),
        ("click.csv", 3, "negative watch_live_time", f"1,10,5,{T},-1"),
        ("click.csv", 4, "negative timestamp", "1,10,5,-5,1"),
        ("click.csv", 5, "missing field: timestamp", "1,10,5"),
        ("click.csv", 6, "too many fields", f"1,10,5,{T},300,9"),
        ("click.csv", 8, "ts_implausible: timestamp before 2015-01-01", "4,10,5,1746057600,300"),
        ("click.csv", 9, "future: timestamp more than a day after now", "5,10,5,4070908800000,300"),
        ("click.csv", 10, "future: timestamp + watch_live_time", f"6,10,5,{T},4070908800000"),
    ]
    gifts, gift_rejects = collect(tmp_path, "gift")
    assert gifts.column("gift_price").to_pylist() == [1.5]
    assert [(r[1], r[2]) for r in rejects_of(gift_rejects)] == [
        (0, "negative gift_price"),
        (1, "non-numeric field: gift_price"),
        (2, "non-numeric field: gift_price"),
        (4, "gift_price beyond 1,000,000"),
    ]
    rooms, room_rejects = collect(tmp_path, "room")
    assert [(r[1], r[2]) for r in rejects_of(room_rejects)] == [
        (0, "room end before start"),
        (2, "ts_implausible: start_timestamp before 2015-01-01"),
    ]
    # optional room fields: empty category / live_name_id become null instead of a reject
    assert rooms.column("live_content_category").to_pylist() == [None]
    assert rooms.column("live_name_id").to_pylist() == [None]


def test_chunk_boundaries_do_not_change_rows(tmp_path: Path) -> None:
    rows = [f"{u},10,5,{T + u},{u}" for u in range(7)]
    rows[3] = f"x,10,5,{T},1"
    rows[4] = f"1,10,5,{T},-1"
    write(tmp_path, "click.csv", CLICK + "\n" + "\n".join(rows) + "\n")
    whole, whole_rejects = collect(tmp_path, "click")
    small, small_rejects = collect(tmp_path, "click", chunk_rows=2)
    assert len(list(iter_valid_chunks(tmp_path, "click", chunk_rows=2))) == 4
    assert small.equals(whole)
    assert small_rejects.equals(whole_rejects)
    assert whole_rejects.column("row").to_pylist() == [3, 4]


def test_extra_columns_ignored_and_order_free(tmp_path: Path) -> None:
    write(
        tmp_path,
        "click.csv",
        f"timestamp,extra,watch_live_time,streamer_id,live_id,user_id\n{T},zz,5,7,8,9\n",
    )
    table = read_valid(tmp_path, "click.csv")
    assert table.column_names == ["user_id", "live_id", "streamer_id", "timestamp", "watch_live_time", "row"]
    assert table.to_pylist() == [
        {"user_id": 9, "live_id": 8, "streamer_id": 7, "timestamp": T, "watch_live_time": 5, "row": 0}
    ]


def test_quoted_fields(tmp_path: Path) -> None:
    write(tmp_path, "click.csv", f"{CLICK}\n1,2,3,4,5\n")
    write(
        tmp_path,
        "room.csv",
        "p_date,live_id,streamer_id,live_type,start_timestamp,end_timestamp,live_content_category,live_name_id\n"
        f'20250505,10,5,1,{T},{T + 1},"games, music",3\n',
    )
    assert read_valid(tmp_path, "room", ["live_content_category"]).column(0).to_pylist() == ["games, music"]


def test_missing_column_names_file_and_column(tmp_path: Path) -> None:
    write(tmp_path, "click.csv", "user_id,live_id,streamer_id,timestamp\n1,2,3,4\n")
    with pytest.raises(UserError) as info:
        read_valid(tmp_path, "click")
    message = str(info.value)
    assert (
        "click.csv" in message and "'watch_live_time'" in message and "published KuaiLive schema" in message
    )


def test_not_csv_names_the_file(tmp_path: Path) -> None:
    (tmp_path / "click.csv").write_bytes(b"PAR1\x00\xff\xfe\x80binary")
    with pytest.raises(UserError, match="click.csv"):
        read_valid(tmp_path, "click")


def test_directory_checks(tmp_path: Path) -> None:
    with pytest.raises(UserError, match="does not exist"):
        require_directory(tmp_path / "nope")
    with pytest.raises(UserError, match="click.csv not found.*gift.csv"):
        require_directory(tmp_path)
    write(tmp_path, "click.csv", f"{CLICK}\n")
    require_directory(tmp_path)


def test_absent_optional_file_gives_empty_table(tmp_path: Path) -> None:
    write(tmp_path, "click.csv", f"{CLICK}\n")
    assert list(iter_valid_chunks(tmp_path, "gift")) == []
    gifts = read_valid(tmp_path, "gift", ["user_id", "gift_price"])
    assert gifts.num_rows == 0 and gifts.schema.field("gift_price").type == pa.float64()


def test_a_line_that_is_not_utf8_costs_its_row_not_the_file(tmp_path: Path) -> None:
    (tmp_path / "comment.csv").write_bytes(
        b"user_id,live_id,streamer_id,timestamp\n1,10,5,1746057600000\n2,10,5,17460\xff57600001\n"
        b"3,10,5,1746057600002\n"
    )
    table, rejects = collect(tmp_path, "comment")
    assert table.column("row").to_pylist() == [0, 2]
    assert [(r[1], r[2]) for r in rejects_of(rejects)] == [(1, "not UTF-8 text")]


def test_an_empty_optional_file_is_read_like_an_absent_one(tmp_path: Path) -> None:
    write(tmp_path, "click.csv", f"{CLICK}\n1,10,5,{T},300\n")
    (tmp_path / "gift.csv").write_bytes(b"")
    assert list(iter_valid_chunks(tmp_path, "gift")) == []
    assert read_valid(tmp_path, "gift").num_rows == 0

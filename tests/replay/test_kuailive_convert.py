"""kuailive_convert: event content and order, ids, rejects file, room merging, CLI and ensure_event_log."""

from __future__ import annotations

import os
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from cli.main import main
from giftlive.events import ARROW_SCHEMA
from replay.kuailive_convert import convert, ensure_event_log, print_report

ROOM = "p_date,live_id,streamer_id,live_type,start_timestamp,end_timestamp,live_content_category,live_name_id"
EVENT = "user_id,live_id,streamer_id,timestamp"
CLICK = f"{EVENT},watch_live_time"
T = 1_746_057_600_000  # 2025-05-01, inside the plausible range of event times


def make_dir(directory: Path) -> Path:
    directory.mkdir(exist_ok=True)
    files = {
        # live 100 spans midnight: two rows merge into one room T+1000..T+9000
        "room.csv": f"{ROOM}\n20250505,100,7,1,{T + 1000},{T + 5000},shop,11\n"
        f"20250505,200,8,2,{T + 1500},{T + 2500},,12\n"
        f"20250506,100,7,1,{T + 4000},{T + 9000},shop,11\n",
        "click.csv": f"{CLICK}\n1,100,7,{T + 2000},500\n2,200,8,{T + 1500},1000\n",
        "gift.csv": f"user_id,live_id,streamer_id,timestamp,gift_price\n1,100,7,{T + 2000},52\n",
        "negative.csv": f"{EVENT}\n3,100,7,{T + 2000}\n",
        "like.csv": f"{EVENT}\n1,100,7,{T + 2100}\n",
        "comment.csv": f"{EVENT},extra\n1,100,7,{T + 2100},hello\n",
    }
    for name, text in files.items():
        (directory / name).write_text(text)
    return directory


def test_events_content_and_order(tmp_path: Path) -> None:
    report = convert(make_dir(tmp_path / "kl"), tmp_path / "events.parquet")
    table = pq.read_table(tmp_path / "events.parquet")
    assert table.schema.equals(ARROW_SCHEMA)
    rows = table.to_pylist()
    assert [(r["ts"], r["id"]) for r in rows] == [
        (T + 1000, "rs100"),
        (T + 1500, "rs200"),  # the room starts before the click in the same millisecond
        (T + 1500, "c1"),
        (T + 2000, "n0"),  # impression, click, gift in the same millisecond
        (T + 2000, "c0"),
        (T + 2000, "g0"),
        (T + 2100, "l0"),
        (T + 2100, "m0"),
        (T + 2500, "d0"),  # dwell at click + watch_live_time, ties by source row
        (T + 2500, "d1"),
        (T + 2500, "re200"),  # room end last
        (T + 9000, "re100"),  # merged room: latest end
    ]
    by_id = {r["id"]: r for r in rows}
    assert by_id["c0"]["watch_ms"] is None  # no future leak on the click
    assert by_id["d0"]["watch_ms"] == 500 and by_id["d0"]["user_id"] == 1
    assert by_id["g0"]["amount"] == 52.0
    assert by_id["rs100"] | {} == {
        "id": "rs100", "type": 0, "ts": T + 1000, "user_id": None, "streamer_id": 7, "live_id": 100,
        "watch_ms": None, "amount": None, "live_type": 1, "category": "shop",
    }  # fmt: skip
    assert by_id["rs200"]["category"] is None and by_id["rs200"]["live_type"] == 2
    assert by_id["re100"]["live_type"] is None and by_id["re100"]["user_id"] is None
    assert report.merged_room_duplicates == 1
    assert report.events == 12 and report.events_by_type["dwell"] == 2
    assert report.files["room"].rows_read == 3 and report.files["room"].rejected == 0
    assert not report.rejects_by_reason


def test_ids_are_deterministic(tmp_path: Path) -> None:
    directory = make_dir(tmp_path / "kl")
    convert(directory, tmp_path / "a.parquet")
    convert(directory, tmp_path / "b.parquet")
    assert pq.read_table(tmp_path / "a.parquet").equals(pq.read_table(tmp_path / "b.parquet"))


def test_rejects_file_and_report(tmp_path: Path) -> None:
    directory = make_dir(tmp_path / "kl")
    (directory / "click.csv").write_text(f"{CLICK}\n1,100,7,{T + 2000},500\n1,100,7,{T},-3\n,1,1,1,1\n")
    (directory / "gift.csv").write_text(f"user_id,live_id,streamer_id,timestamp,gift_price\n1,100,7,{T},-1\n")
    (directory / "room.csv").write_text(
        f"{ROOM}\n20250505,100,7,1,{T + 1000},{T + 5000},shop,11\n20250505,300,7,1,{T + 9},{T + 8},x,1\n"
    )
    report = convert(directory, tmp_path / "ev.parquet", rejects_path=tmp_path / "bad.parquet")
    rejects = pq.read_table(tmp_path / "bad.parquet").to_pylist()
    assert [(r["file"], r["row"], r["reason"]) for r in rejects] == [
        ("click.csv", 1, "negative watch_live_time"),
        ("click.csv", 2, "missing field: user_id"),
        ("gift.csv", 0, "negative gift_price"),
        ("room.csv", 1, "room end before start"),
    ]
    assert report.files["click"].valid == 1 and report.files["click"].rejected == 2
    assert report.rejects_by_reason["negative gift_price"] == 1
    ids = pq.read_table(tmp_path / "ev.parquet", columns=["id"]).column(0).to_pylist()
    assert "c1" not in ids and "g0" not in ids and "rs300" not in ids and "c0" in ids


def test_absent_optional_files_reported(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    directory = tmp_path / "kl"
    directory.mkdir()
    (directory / "click.csv").write_text(
        f"user_id,live_id,streamer_id,timestamp,watch_live_time\n1,2,3,{T},5\n"
    )
    report = convert(directory, tmp_path / "ev.parquet")
    print_report(report)
    assert "warning: no room events" in capsys.readouterr().out
    assert not report.files["gift"].present and not report.files["room"].present
    assert report.rejects_path == tmp_path / "ev.rejects.parquet" and report.rejects_path.is_file()
    assert [r["id"] for r in pq.read_table(tmp_path / "ev.parquet").to_pylist()] == ["c0", "d0"]


def test_cli_convert_prints_summary(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    directory = make_dir(tmp_path / "kl")
    assert main(["data", "convert", str(directory), "--out", str(tmp_path / "ev.parquet")]) == 0
    out = capsys.readouterr().out
    assert "click.csv" in out and "events by type" in out and "room rows merged" in out
    assert (tmp_path / "ev.parquet").is_file()


@pytest.mark.parametrize("make", ["missing", "empty", "bad_header"])
def test_cli_bad_directory_exits_2_with_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], make: str
) -> None:
    directory = tmp_path / "kl"
    if make != "missing":
        directory.mkdir()
    if make == "bad_header":
        (directory / "click.csv").write_text("user_id,timestamp\n1,2\n")
    assert main(["data", "convert", str(directory), "--out", str(tmp_path / "ev.parquet")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("giftlive data: error:") and "Traceback" not in err
    assert sorted(p.name for p in tmp_path.iterdir()) == (["kl"] if make != "missing" else [])


def test_ensure_event_log_converts_when_missing_or_stale(tmp_path: Path) -> None:
    directory = make_dir(tmp_path / "kl")
    log = ensure_event_log(directory)
    assert log == directory / "events.parquet" and log.is_file()
    assert ensure_event_log(log) == log
    os.utime(log, (1, 1))  # older than the CSVs -> reconverted
    assert ensure_event_log(directory) == log and log.stat().st_mtime > 1
    mtime = log.stat().st_mtime_ns
    assert ensure_event_log(directory) == log and log.stat().st_mtime_ns == mtime  # fresh: reused

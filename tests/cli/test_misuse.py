"""CLI misuse gives one clear line and exit 2, never a traceback."""

from __future__ import annotations

import pytest

from cli.main import main


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["broker", "--port", "99999"], "--port 99999: a TCP port is 1-65535"),
        (["run", "--events", "E.parquet", "--bootstrap", "127.0.0.1:1", "--out", "o"], "give one of them"),
        (["run", "--events", "{events}", "--out", "{out}", "--policy-seed", "-1"], "the seed must be >= 0"),
        (["run", "--events", "{events}", "--out", "{events}"], "is a file; give a folder"),
        (
            ["data", "synth", "--out", "/dev/null/x", "--users", "5", "--streamers", "9", "--days", "1"],
            "cannot create the directory",
        ),
        (
            ["data", "convert", "{world}", "--out", "{world}"],
            "is a directory; give the event log a file path",
        ),
    ],
)
def test_misuse_is_one_line_and_exit_2(argv, message, tmp_path, capsys):
    from tests.fake_events import write_fake_event_log

    events = tmp_path / "events.parquet"
    write_fake_event_log(events, 200)
    world = tmp_path / "world"
    world.mkdir()
    (world / "click.csv").write_text("user_id,live_id,streamer_id,timestamp,watch_live_time\n1,2,3,4,5\n")
    argv = [a.format(events=events, out=tmp_path / "out", world=world) for a in argv]
    assert main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and message in err

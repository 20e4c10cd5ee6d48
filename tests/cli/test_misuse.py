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
    ],
)
def test_misuse_is_one_line_and_exit_2(argv, message, tmp_path, capsys):
    from tests.fake_events import write_fake_event_log

    events = tmp_path / "events.parquet"
    write_fake_event_log(events, 200)
    argv = [a.format(events=events, out=tmp_path / "out") for a in argv]
    assert main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and message in err

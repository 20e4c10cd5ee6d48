"""CLI misuse gives one clear line on stderr and exit 2, never a traceback: run as a user runs it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["broker", "--port", "99999"], "--port 99999: a TCP port is 1-65535"),
        (["run", "--events", "{events}", "--bootstrap", "127.0.0.1:1", "--out", "{out}"], "give one of them"),
        (["run", "--events", "{events}", "--out", "{out}", "--policy-seed", "-1"], "the seed must be >= 0"),
        (["run", "--events", "{events}", "--out", "{events}"], "is a file; give a folder"),
        (["run", "--events", "{events}", "--out", "/dev/null/x"], "cannot create the folder"),
        (["run", "--events", "{broken}", "--out", "{out}"], "cannot read event log"),
        (["run", "--processes", "3", "--events", "{events}", "--out", "{out}"], "must be a multiple"),
        (["run", "--process-id", "0", "--events", "{events}", "--out", "{out}"], "go together"),
        (
            ["run", "--events", "{events}", "--out", "{out}", "--kafka-config", "nonsense"],
            "expected KEY=VALUE",
        ),
        (["tail", "t", "--bootstrap", "127.0.0.1:1", "--kafka-config", "bootstrap.servers=x"], "--bootstrap"),
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
def test_misuse_is_one_line_and_exit_2(argv: list[str], message: str, tmp_path: Path) -> None:
    from tests.fake_events import write_fake_event_log

    events = tmp_path / "events.parquet"
    write_fake_event_log(events, 200)
    world = tmp_path / "world"
    world.mkdir()
    (world / "click.csv").write_text("user_id,live_id,streamer_id,timestamp,watch_live_time\n1,2,3,4,5\n")
    broken = tmp_path / "broken.parquet"
    broken.write_text("not Parquet")
    argv = [a.format(events=events, out=tmp_path / "out", world=world, broken=broken) for a in argv]
    done = subprocess.run(
        [sys.executable, "-m", "cli.main", *argv], cwd=REPO, capture_output=True, text=True, timeout=120
    )
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert done.returncode == 2 and "Traceback" not in done.stderr, done.stderr
    assert len(lines) == 1 and message in lines[0], done.stderr

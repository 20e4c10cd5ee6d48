"""A topic that does not exist is reported, never created by asking about it (a broker may auto-create a
topic on a metadata request that names it: `run --events-topic no.such.topic` then read an empty topic and
exited 0)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from cli.main import main
from replay.kafka_topics import admin

pytestmark = pytest.mark.kafka
REPO = Path(__file__).resolve().parents[2]


def _exists(bootstrap: str, topic: str) -> bool:
    return topic in admin(bootstrap).list_topics(timeout=10).topics


def test_run_on_a_missing_events_topic_says_so_and_creates_nothing(
    kafka_bootstrap, topic_name, tmp_path, capsys
):
    missing = topic_name("missing")
    argv = ["run", "--bootstrap", kafka_bootstrap, "--events-topic", missing, "--no-decisions"]
    assert main([*argv, "--no-online-model"]) == 2
    err = capsys.readouterr().err
    assert f"topic {missing!r} does not exist" in err
    assert not _exists(kafka_bootstrap, missing)


def test_tail_of_a_missing_topic_says_so_at_once_and_creates_nothing(kafka_bootstrap, topic_name):
    """`giftlive tail no.such.topic --from-beginning` waited for ever for the topic to appear."""
    missing = topic_name("missing")
    argv = ["tail", missing, "--bootstrap", kafka_bootstrap, "--from-beginning"]
    done = subprocess.run(
        [sys.executable, "-m", "cli.main", *argv], cwd=REPO, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 2
    (line,) = done.stderr.strip().splitlines()
    assert f"topic {missing!r} does not exist" in line and "giftlive replay" in line
    assert not _exists(kafka_bootstrap, missing)

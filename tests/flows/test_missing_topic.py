"""A topic that does not exist is reported, never created by asking about it (a broker may auto-create a
topic on a metadata request that names it: `run --events-topic no.such.topic` then read an empty topic and
exited 0)."""

from __future__ import annotations

import pytest

from cli.main import main
from replay.kafka_topics import admin

pytestmark = pytest.mark.kafka


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


def test_tail_of_a_missing_topic_ends_at_its_idle_timeout_and_creates_nothing(
    kafka_bootstrap, topic_name, capsys
):
    missing = topic_name("missing")
    argv = ["tail", missing, "--bootstrap", kafka_bootstrap, "--from-beginning", "--idle-timeout", "2"]
    assert main(argv) == 0
    assert "does not exist" in capsys.readouterr().err
    assert not _exists(kafka_bootstrap, missing)

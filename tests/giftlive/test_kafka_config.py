"""Kafka client settings: file, then KEY=VALUE pairs over it; secrets masked; one-line errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from giftlive.errors import UserError
from giftlive.kafka_config import CONFIG_FILE_ENV, describe, parse_kafka_config


def test_pairs_override_the_file_and_comments_are_skipped(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.delenv(CONFIG_FILE_ENV, raising=False)
    file = tmp_path / "client.properties"
    file.write_text("# SASL\nsecurity.protocol=SASL_SSL\nsasl.mechanism = SCRAM-SHA-256\n\nsasl.username=a\n")
    got = parse_kafka_config(["sasl.username=b", "sasl.password=p=q"], file)
    assert got == {
        "security.protocol": "SASL_SSL",
        "sasl.mechanism": "SCRAM-SHA-256",
        "sasl.username": "b",
        "sasl.password": "p=q",
    }


def test_the_environment_names_the_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    file = tmp_path / "c.properties"
    file.write_text("client.id=x\n")
    monkeypatch.setenv(CONFIG_FILE_ENV, str(file))
    assert parse_kafka_config() == {"client.id": "x"}


def test_describe_never_shows_a_secret():
    shown = describe({"sasl.username": "alice", "sasl.password": "s3cret", "ssl.key.password": "k3y"})
    assert "alice" in shown and "s3cret" not in shown and "k3y" not in shown


@pytest.mark.parametrize("pair", ["sasl.password", "=x", "bootstrap.servers=h:1"])
def test_a_malformed_pair_is_one_line_without_its_value(pair: str):
    with pytest.raises(UserError) as error:
        parse_kafka_config([pair])
    assert "\n" not in str(error.value)


def test_a_missing_file_is_one_line(tmp_path: Path):
    with pytest.raises(UserError, match="cannot read"):
        parse_kafka_config([], tmp_path / "nope")

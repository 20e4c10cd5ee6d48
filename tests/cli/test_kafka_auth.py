"""Bad SASL credentials against a broker that requires authentication (Tansu --authentication): every
command that talks to Kafka says so in one line, exits non-zero within a stated time and never prints the
password. (Tansu with memory storage cannot create a user, so good credentials are for real Kafka only.)"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from replay.broker import LocalBroker
from tests.fake_events import write_fake_event_log

pytestmark = pytest.mark.kafka

SECRET = "s3cret-never-printed"
SASL = [
    "--kafka-config",
    "security.protocol=SASL_PLAINTEXT",
    "--kafka-config",
    "sasl.mechanism=SCRAM-SHA-256",
    "--kafka-config",
    "sasl.username=nobody",
    "--kafka-config",
    f"sasl.password={SECRET}",
]
WITHIN_S = 30.0  # the reachability probe gives up after 10 s; start-up and imports take the rest


@pytest.fixture(scope="module")
def guarded() -> str:
    with LocalBroker(authentication=True) as broker:
        yield broker.bootstrap


@pytest.mark.parametrize("command", ["replay", "run", "tail"])
def test_bad_credentials_are_one_line_naming_authentication(command: str, guarded: str, tmp_path: Path):
    args = {
        "replay": ["replay", str(tmp_path / "missing-but-never-read.parquet")],
        "run": ["run"],
        "tail": ["tail", "giftlive.decisions"],
    }[command]
    if command == "replay":  # replay checks its source first: give it a real (empty) log
        args[1] = str(write_fake_event_log(tmp_path / "events.parquet", 10))
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-m", "cli.main", *args, "--bootstrap", guarded, *SASL],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "RUST_BACKTRACE": "0"},
    )
    took = time.monotonic() - started
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert done.returncode != 0
    assert took < WITHIN_S, took
    assert len(lines) == 1 and "authentication" in lines[0].lower(), done.stderr
    assert SECRET not in done.stdout + done.stderr

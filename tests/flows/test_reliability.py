"""The short version of benchmark/reliability.py: the flow killed with SIGKILL twice mid-run and resumed
from its recovery store loses, adds and changes nothing against an uninterrupted run."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.kafka

SCRIPT = Path(__file__).resolve().parents[2] / "benchmark" / "reliability.py"


def test_two_kills_lose_add_and_change_nothing(kafka_bootstrap: str):
    args = ["--kills", "2", "--users", "400", "--streamers", "4000", "--days", "4", "--seed", "3"]
    done = subprocess.run(
        [sys.executable, str(SCRIPT), *args],
        env={**os.environ, "KAFKA_BOOTSTRAP": kafka_bootstrap},
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    lines = done.stdout.splitlines()
    assert "kills 2 (asked 2)" in done.stdout
    checked = [line for line in lines if "lost " in line]
    assert len(checked) == 4 and all("lost 0  extra 0  differing 0" in line for line in checked), checked

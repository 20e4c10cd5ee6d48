"""A recovery store records the settings that shape the flow's state; a resume with other ones is refused
with one line that names what moved, before anything runs."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest

from allocator.policy import PolicyConfig
from flows.recovery_store import SETTINGS_FILE, open_recovery_store
from flows.settings import FlowSettings
from giftlive.errors import UserError

REPO = Path(__file__).resolve().parents[2]


def _settings(**changes) -> FlowSettings:
    return replace(FlowSettings(bootstrap="127.0.0.1:1"), **changes)


def test_a_new_store_records_its_settings_and_reopens_with_them(tmp_path: Path):
    store = tmp_path / "recovery"
    open_recovery_store(store, 2, _settings())
    recorded = json.loads((store / SETTINGS_FILE).read_text())
    assert recorded["label_shards"] == 4 and recorded["policy"]["seed"] == 7
    assert sorted(p.name for p in store.glob("part-*")) == ["part-0.sqlite3", "part-1.sqlite3"]
    open_recovery_store(store, 2, _settings())  # the same settings resume


@pytest.mark.parametrize(
    ("changes", "named"),
    [
        ({"label_shards": 2}, "label_shards 4 -> 2"),
        ({"shards": 8}, "shards 4 -> 8"),
        ({"decision_shards": 1}, "decision_shards 4 -> 1 (one per worker"),
        ({"window_ms": 60_000}, "window_ms 3600000 -> 60000"),
        ({"policy": PolicyConfig(seed=8)}, "policy.seed 7 -> 8"),
    ],
)
def test_a_resume_with_other_settings_is_refused(tmp_path: Path, changes: dict, named: str):
    store = tmp_path / "recovery"
    open_recovery_store(store, 1, _settings())
    before = {p.name: p.read_bytes() for p in store.iterdir()}
    with pytest.raises(UserError, match="holds state written with other settings") as refused:
        open_recovery_store(store, 1, _settings(**changes))
    assert named in str(refused.value) and "\n" not in str(refused.value)
    assert {p.name: p.read_bytes() for p in store.iterdir()} == before  # nothing lost or rewritten


def test_a_store_from_before_a_policy_field_existed_resumes_while_the_field_is_at_its_default(tmp_path: Path):
    store = tmp_path / "recovery"
    open_recovery_store(store, 1, _settings())
    recorded = json.loads((store / SETTINGS_FILE).read_text())
    del recorded["policy"]["price_every_ms"]  # as a release before that field wrote it
    (store / SETTINGS_FILE).write_text(json.dumps(recorded))
    open_recovery_store(store, 1, _settings())
    with pytest.raises(UserError, match="policy.price_every_ms 60000 -> 30000"):
        open_recovery_store(store, 1, _settings(policy=PolicyConfig(price_every_ms=30_000)))


def test_an_unreadable_settings_file_is_one_line(tmp_path: Path):
    store = tmp_path / "recovery"
    open_recovery_store(store, 1, _settings())
    (store / SETTINGS_FILE).write_text("{not json")
    with pytest.raises(UserError, match="unreadable"):
        open_recovery_store(store, 1, _settings())


@pytest.mark.kafka
def test_giftlive_run_refuses_a_resume_with_other_label_shards(tmp_path: Path, kafka_bootstrap: str):
    store = tmp_path / "recovery"
    open_recovery_store(store, 1, _settings(decision_shards=1))
    done = subprocess.run(
        [sys.executable, "-m", "cli.main", "run", "--recovery", str(store), "--label-shards", "2"],
        cwd=REPO,
        env={**os.environ, "KAFKA_BOOTSTRAP": kafka_bootstrap},
        capture_output=True,
        text=True,
        timeout=120,
    )
    errors = [line for line in done.stderr.splitlines() if line.startswith("giftlive")]
    assert done.returncode == 2 and "Traceback" not in done.stderr, done.stderr
    assert "label_shards 4 -> 2" in done.stderr and len(errors) <= 2, done.stderr

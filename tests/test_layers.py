"""The layer contracts in pyproject.toml hold, and a deliberate bad import breaks them (`make test` fails)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
PACKAGES = tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["importlinter"]["root_packages"]
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def _lint(root: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(root)}
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache"], cwd=root, env=env, capture_output=True, text=True, timeout=120
    )


def _copy(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    for package in PACKAGES:
        shutil.copytree(REPO / package, root / package, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(REPO / "pyproject.toml", root / "pyproject.toml")
    return root


def test_the_layer_contracts_hold(tmp_path):
    result = _lint(_copy(tmp_path))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


def test_the_core_importing_the_dataflow_breaks_a_contract(tmp_path):
    root = _copy(tmp_path)
    policy = root / "allocator" / "policy.py"
    policy.write_text(policy.read_text() + "\nimport flows.dataflow  # noqa\n")
    result = _lint(root)
    assert result.returncode != 0
    assert "allocator.policy -> flows.dataflow" in result.stdout


def test_the_vocabulary_importing_a_stage_breaks_a_contract(tmp_path):
    root = _copy(tmp_path)
    events = root / "giftlive" / "events.py"
    events.write_text(events.read_text() + "\nimport flows.stages.protocol  # noqa\n")
    result = _lint(root)
    assert result.returncode != 0
    assert "giftlive.events -> flows.stages.protocol" in result.stdout

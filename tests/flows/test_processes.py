"""The flow as two Bytewax processes (flows/cluster.py) writes what one process writes."""

from __future__ import annotations

from pathlib import Path

import pytest

from flows.cluster import Cluster
from flows.runner import run_flow
from flows.settings import FlowSettings
from tests.flow_harness import output_rows
from tests.world_log import world_event_log


@pytest.fixture(scope="module")
def event_log(tmp_path_factory: pytest.TempPathFactory) -> Path:
    world = tmp_path_factory.mktemp("world")
    return world_event_log(world, users=120, streamers=1_200, days=2, seed=9)


def test_two_processes_write_what_one_process_writes(event_log: Path, tmp_path: Path):
    one = FlowSettings(events_path=event_log, out_dir=tmp_path / "one", snapshots=False)
    two = FlowSettings(events_path=event_log, out_dir=tmp_path / "two", snapshots=False)
    run_flow(one)
    run_flow(two, cluster=Cluster.on_this_host(2))
    expected, got = output_rows(tmp_path / "one"), output_rows(tmp_path / "two")
    assert len(expected["decisions"]) > 1_000 and len(expected["labels"]) > 1_000
    assert got == expected

"""The flow's Prometheus endpoint, scraped over HTTP while a flow runs and after: its counters agree with the
outputs the run wrote."""

from __future__ import annotations

import socket
import threading
import time
import urllib.request
from collections import Counter
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from prometheus_client.parser import text_string_to_metric_families

from flows.metrics import FlowMetrics
from flows.outputs import output_files
from flows.runner import run_flow
from flows.settings import FlowSettings
from flows.stages.decode import forwarded_types
from giftlive.events import EventType
from tests.world_log import world_event_log


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _scrape(port: int) -> dict[tuple[str, tuple], float]:
    text = urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5).read().decode()
    samples = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            samples[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return samples


@pytest.fixture(scope="module")
def event_log(tmp_path_factory: pytest.TempPathFactory) -> Path:
    world = tmp_path_factory.mktemp("world")
    return world_event_log(world, users=150, streamers=1_500, days=3, seed=5)


def test_metrics_scraped_during_and_after_a_run_agree_with_its_outputs(event_log: Path, tmp_path: Path):
    port = _free_port()
    metrics = FlowMetrics()
    metrics.serve(port, host="127.0.0.1")
    settings = FlowSettings(events_path=event_log, out_dir=tmp_path / "out", snapshots=False)
    run = threading.Thread(target=run_flow, args=(settings,), kwargs={"metrics": metrics})
    try:
        run.start()
        during = []
        while run.is_alive():
            during.append(_scrape(port).get(("giftlive_records_consumed_total", ()), 0.0))
            time.sleep(0.2)
        run.join()
        after = _scrape(port)
    finally:
        metrics.close()
    assert any(0 < n < pq.ParquetFile(event_log).metadata.num_rows for n in during), during

    files = output_files(tmp_path / "out")
    rows = {name: pq.read_table(path) for name, path in files.items()}
    events = pq.read_table(event_log, columns=["type"]).column("type").to_pylist()
    assert after[("giftlive_records_consumed_total", ())] == len(events)
    read = Counter(events)
    assert set(read) == set(forwarded_types(True))  # every type reaches the stages
    for kind, count in read.items():
        assert after[("giftlive_events_total", (("type", EventType(kind).name.lower()),))] == count
    for name, table in rows.items():
        assert after.get(("giftlive_outputs_total", (("kind", name),)), 0.0) == table.num_rows, name
    decisions = rows["decisions"].num_rows
    assert decisions > 0 and after[("giftlive_decisions_total", ())] == decisions
    assert after[("giftlive_decision_latency_seconds_count", ())] == decisions  # every request was read here
    assert after[("giftlive_event_time_lag_ms", ())] >= 0
    assert after[("giftlive_event_time_newest_ms", ())] == max(
        pq.read_table(event_log).column("ts").to_pylist()
    )
    users = [
        v
        for (name, labels), v in after.items()
        if name == "giftlive_state_entries" and ("part", "users") in labels
    ]
    assert len(users) == settings.shards and sum(users) > 0

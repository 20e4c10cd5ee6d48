"""One way to run the flow, for `giftlive run`, the demo and the benchmarks: outputs cleared, output topics
created, GC tuned, the flow built and run, missing output files written.

GC: the flow holds millions of small long-lived objects (users, pairs, open windows, pending events) and
allocates several per event. With CPython's default GC thresholds (700, 10, 10) the collector runs every
few hundred events and its older generations keep re-walking that growing state; on the demo world in
Kafka mode the default settings cost a quarter of the run time (41 s vs 31 s for the first 1.5M events).
The state holds no reference cycles worth collecting early, so collect far less often.
"""

from __future__ import annotations

import gc
import time
from datetime import timedelta
from pathlib import Path
from typing import Any, TextIO

from flows.cluster import Cluster
from flows.dataflow import build_flow
from flows.metrics import FlowMetrics
from flows.parquet_io import clear_outputs, write_missing_outputs
from flows.recovery_store import open_recovery_store
from flows.settings import FlowSettings
from giftlive.config import DEFAULT_PARTITIONS
from giftlive.errors import UserError
from replay.broker_watch import broker_lost_in

GC_THRESHOLDS = (50_000, 20, 100)


def tune_gc() -> None:
    """Collect garbage less often (see the module docstring); call once per process before running."""
    gc.set_threshold(*GC_THRESHOLDS)


def run_flow(
    settings: FlowSettings,
    workers: int = 1,
    recovery: Path | None = None,
    progress: TextIO | None = None,
    source: Any = None,
    senders: int | None = None,
    sinks: dict[str, Any] | None = None,
    metrics: FlowMetrics | None = None,
    cluster: Cluster | None = None,
    snapshot_every_s: float | None = None,
) -> float:
    """Run the flow to the end of its input (or until Ctrl-C with ``follow``); the wall seconds it took.
    ``recovery`` is a Bytewax recovery store (created when missing) to snapshot to and resume from;
    ``source``/``senders``/``sinks`` replace the settings' edges (in-memory runs: tests, benchmarks);
    ``metrics`` (flows/metrics.py, served by the caller) counts what the flow reads and writes;
    ``cluster`` runs it as several Bytewax processes (flows/cluster.py); ``snapshot_every_s`` is Bytewax's
    epoch interval (default 10 s): how much work a crash can take back with ``recovery``."""
    from bytewax.run import cli_main

    total_workers = workers * (cluster.size if cluster is not None else 1)
    settings = settings.for_workers(total_workers)
    recovery_config = open_recovery_store(recovery, total_workers, settings) if recovery is not None else None
    sets_up = cluster is None or cluster.sets_up  # one process creates the topics and the output files
    if sets_up and sinks is None and settings.bootstrap is not None and settings.events_path is None:
        from replay.kafka_topics import check_reachable, ensure_topics

        check_reachable(settings.bootstrap, client=settings.kafka_config)
        topics = [settings.topic(output) for output in settings.outputs]
        ensure_topics(settings.bootstrap, topics, DEFAULT_PARTITIONS, client=settings.kafka_config)
    files = settings.out_dir if sinks is None and sets_up else None
    if files is not None:
        clear_outputs(files)
    tune_gc()
    started = time.monotonic()
    if cluster is not None and cluster.process_id is None:  # start every process here and wait for them
        cluster.run_local(settings, workers, recovery, progress is not None, snapshot_every_s)
    else:
        flow = build_flow(
            settings, source=source, senders=senders, sinks=sinks, progress=progress, metrics=metrics
        )
        where: dict[str, Any] = {}
        if cluster is not None:
            where = {"process_id": cluster.process_id, "addresses": cluster.addresses}
        if snapshot_every_s is not None:
            where["epoch_interval"] = timedelta(seconds=snapshot_every_s)
        try:
            cli_main(flow, workers_per_process=workers, recovery_config=recovery_config, **where)
        except Exception as exc:
            lost = broker_lost_in(exc)
            if lost is None:
                raise
            raise UserError(str(lost)) from None
    elapsed = time.monotonic() - started
    if files is not None:
        write_missing_outputs(files)
    return elapsed

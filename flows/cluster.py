"""One flow as several Bytewax processes: on this host (`giftlive run --processes N`: this process starts
them and waits) or one command per host (`--process-id I --addresses A;B;...`, broker mode). Bytewax
routes each keyed stage's shards to the processes' workers; the outputs do not depend on how many there are
because no stage's output depends on which worker holds it (tests/flows/test_processes.py)."""

from __future__ import annotations

import multiprocessing
import socket
import sys
import time
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from giftlive.errors import UserError

if TYPE_CHECKING:
    from flows.settings import FlowSettings


@dataclass(frozen=True)
class Cluster:
    addresses: tuple[str, ...]  # host:port of every process, in process-id order
    process_id: int | None = None  # None: start every process on this host (run_local) and wait
    sets_up: bool = True  # this process creates the topics and clears the output files (one per cluster)
    metrics_port: int | None = None  # process i serves Prometheus metrics on metrics_port + i

    @property
    def size(self) -> int:
        return len(self.addresses)

    @classmethod
    def on_this_host(cls, processes: int, metrics_port: int | None = None) -> Cluster:
        """``processes`` processes on free local ports."""
        return cls(tuple(f"127.0.0.1:{_free_port()}" for _ in range(processes)), metrics_port=metrics_port)

    def run_local(
        self,
        settings: FlowSettings,
        workers: int,
        recovery: Path | None,
        progress: bool,
        snapshot_every_s: float | None = None,
    ) -> None:
        """Start every process (spawned: a fresh interpreter each) and wait for all; when one fails, stop
        the others and say which failed."""
        context = multiprocessing.get_context("spawn")
        processes = [
            context.Process(
                target=_process_main,
                args=(
                    settings,
                    workers,
                    recovery,
                    replace(self, process_id=i, sets_up=False),
                    progress,
                    snapshot_every_s,
                ),
                name=f"giftlive-process-{i}",
            )
            for i in range(self.size)
        ]
        for process in processes:
            process.start()
        try:
            failed = _wait(processes)
        finally:
            for process in processes:
                if process.is_alive():
                    process.terminate()
                process.join()
        if failed is not None:
            index, code = failed
            raise UserError(
                f"flow process {index} of {self.size} exited with code {code} (its error is above); "
                "the other processes were stopped"
            )


def _wait(processes: list[multiprocessing.Process]) -> tuple[int, int] | None:
    """Wait until all exit; (index, exit code) of the first that failed, at once, else None."""
    while True:
        running = False
        for index, process in enumerate(processes):
            code = process.exitcode
            if code is None:
                running = True
            elif code != 0:
                return index, code
        if not running:
            return None
        time.sleep(0.1)


def _process_main(
    settings: FlowSettings,
    workers: int,
    recovery: Path | None,
    cluster: Cluster,
    progress: bool,
    snapshot_every_s: float | None,
) -> None:
    from flows.metrics import FlowMetrics
    from flows.runner import run_flow

    try:
        metrics = None
        if cluster.metrics_port is not None:
            assert cluster.process_id is not None
            metrics = FlowMetrics(latency=settings.decisions)
            metrics.serve(cluster.metrics_port + cluster.process_id)
        run_flow(
            settings,
            workers=workers,
            recovery=recovery,
            progress=sys.stderr if progress else None,
            metrics=metrics,
            cluster=cluster,
            snapshot_every_s=snapshot_every_s,
        )
    except UserError as exc:
        print(f"giftlive run (process {cluster.process_id}): {exc}", file=sys.stderr)
        raise SystemExit(2) from None
    except KeyboardInterrupt:
        raise SystemExit(130) from None


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]

"""Policies side by side on one world: every (policy, seed) run in closed loop, in parallel processes, and
the table of their metrics across seeds. With ``out``, each run's event log (warm-up included, canonical
schema) and decisions (the flow's decision schema) are written, so anyone can recompute the figures."""

from __future__ import annotations

import multiprocessing
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from allocator.records import DECISION_SCHEMA
from giftlive.errors import UserError
from giftlive.events import ARROW_SCHEMA
from replay.event_log import open_event_log, resolve_event_log
from replay.synth.params import DAY_MS
from replay.synth.world import load_world
from simulator.closed_loop import STEP_MS, Run, Setup, simulate
from simulator.metrics import RunMetrics, measure, summarise
from simulator.policies import POLICIES, with_capacity


@dataclass(frozen=True)
class Comparison:
    world: Path
    warmup_days: int
    days: float
    seeds: list[int]
    runs: list[RunMetrics]
    table: dict[str, dict]  # policy -> figures across seeds (simulator.metrics.summarise)
    seconds: float


def load_setup(world: Path, warmup_days: int, days: int | None, step_ms: int = STEP_MS) -> Setup:
    """The world, its organic log (converted from its CSVs once) and the closed-loop window; a UserError
    for a directory without truth/ or a window that does not fit the world."""
    model = load_world(world)
    total = model.truth.params.days
    if warmup_days < 1 or warmup_days >= total:
        raise UserError(
            f"--warmup-days {warmup_days}: the world has {total} days; leave at least one after it"
        )
    days = total - warmup_days if days is None else days
    if days < 1 or warmup_days + days > total:
        raise UserError(
            f"--days {days} after {warmup_days} warm-up days: the world has {total} days, so at most "
            f"{total - warmup_days}"
        )
    log_path = resolve_event_log(world)
    log = open_event_log(log_path).read()
    start = model.truth.params.start_ms
    return Setup(model, log, start + warmup_days * DAY_MS, start + (warmup_days + days) * DAY_MS, step_ms)


def check_policies(names: list[str]) -> list[str]:
    unknown = [n for n in names if n not in POLICIES]
    if unknown or not names:
        raise UserError(
            f"unknown policy {', '.join(map(repr, unknown)) or '(none given)'}: "
            f"choose from {', '.join(POLICIES)}"
        )
    return names


def compare(
    world: Path,
    policies: list[str],
    seeds: list[int],
    warmup_days: int = 7,
    days: int | None = None,
    out: Path | None = None,
    processes: int = 2,
    step_ms: int = STEP_MS,
    progress: TextIO | None = sys.stderr,
    capacity: int | None = None,
) -> Comparison:
    """Every policy with every seed; ``processes`` runs at a time (each loads the world once). ``capacity``:
    what the allocator policies assume a streamer takes (simulator/policies.py ``with_capacity``)."""
    started = time.monotonic()
    check_policies(policies)
    setup = load_setup(world, warmup_days, days, step_ms)  # errors here, not in a worker
    tasks = [(name, seed) for seed in seeds for name in policies]
    args = (world, warmup_days, days, step_ms, out, capacity)
    results: list[RunMetrics] = []
    if processes <= 1:
        _init(*args, progress=progress, setup=setup)
        for task in tasks:
            results.append(_report(_run(task), len(results), len(tasks), progress))
    else:
        context = multiprocessing.get_context("spawn")  # a fresh interpreter: no inherited threads or state
        with context.Pool(processes, initializer=_init, initargs=args) as pool:
            for metrics in pool.imap_unordered(_run, tasks):
                results.append(_report(metrics, len(results), len(tasks), progress))
    results.sort(key=lambda m: (policies.index(m.policy), m.seed))
    return Comparison(
        world,
        warmup_days,
        setup.days,
        seeds,
        results,
        summarise(results, setup.days),
        time.monotonic() - started,
    )


_WORKER: dict[str, Any] = {}


def _init(
    world: Path,
    warmup_days: int,
    days: int | None,
    step_ms: int,
    out: Path | None,
    capacity: int | None,
    progress: TextIO | None = sys.stderr,
    setup: Setup | None = None,
) -> None:
    _WORKER["setup"] = setup or load_setup(world, warmup_days, days, step_ms)
    _WORKER["out"] = out
    _WORKER["capacity"] = capacity
    _WORKER["progress"] = progress


def _run(task: tuple[str, int]) -> RunMetrics:
    name, seed = task
    setup: Setup = _WORKER["setup"]
    run = simulate(setup, with_capacity(POLICIES[name], _WORKER["capacity"]), seed, _WORKER["progress"])
    if _WORKER["out"] is not None:
        write_run(setup, run, _WORKER["out"] / name / f"seed{seed}")
    return measure(setup, run)


def compare_off_policy(
    world: Path,
    seeds: list[int],
    warmup_days: int = 7,
    days: int | None = None,
    processes: int = 2,
    step_ms: int = STEP_MS,
    progress: TextIO | None = sys.stderr,
) -> dict[str, Any]:
    """Off-policy estimates of the frozen targets from the feed's logs, beside their closed-loop truth,
    for every seed (simulator/off_policy.py), summarised across seeds."""
    from simulator.off_policy import off_policy, summarise_off_policy

    setup = load_setup(world, warmup_days, days, step_ms)
    per_seed: dict[int, dict[str, Any]] = {}
    if processes <= 1:
        for seed in seeds:
            per_seed[seed] = off_policy(setup, seed, progress=progress)
    else:
        context = multiprocessing.get_context("spawn")
        args = (world, warmup_days, days, step_ms, None)
        with context.Pool(processes, initializer=_init, initargs=args) as pool:
            for seed, result in pool.imap_unordered(_off_policy_task, seeds):
                per_seed[seed] = result
                if progress is not None:
                    print(f"off-policy seed {seed} done", file=progress, flush=True)
    return summarise_off_policy(per_seed)


def _off_policy_task(seed: int) -> tuple[int, dict[str, Any]]:
    from simulator.off_policy import off_policy

    return seed, off_policy(_WORKER["setup"], seed, progress=_WORKER["progress"])


def _report(metrics: RunMetrics, done: int, total: int, progress: TextIO | None) -> RunMetrics:
    if progress is not None:
        print(
            f"[{done + 1}/{total}] {metrics.policy} seed {metrics.seed}: "
            f"truth revenue {metrics.revenue_truth:,.0f}, "
            f"realised {metrics.revenue:,.0f}, {metrics.requests:,} requests in {metrics.seconds:.0f}s",
            file=progress,
            flush=True,
        )
    return metrics


def write_run(setup: Setup, run: Run, directory: Path) -> None:
    """DIR/events.parquet (the warm-up log and the closed-loop events, canonical schema, time order) and
    DIR/decisions.parquet (the decision schema)."""
    directory.mkdir(parents=True, exist_ok=True)
    warm = setup.log.filter(pc.less(setup.log["ts"], setup.warmup_end)).cast(ARROW_SCHEMA)
    rows = [{**e, "type": int(e["type"])} for e in run.events]
    closed = pa.Table.from_pylist(rows, schema=ARROW_SCHEMA)
    pq.write_table(pa.concat_tables([warm, closed]), directory / "events.parquet")
    pq.write_table(
        pa.Table.from_pylist(run.decisions, schema=DECISION_SCHEMA), directory / "decisions.parquet"
    )

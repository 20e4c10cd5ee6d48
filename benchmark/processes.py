"""1 vs 2 Bytewax processes (flows/cluster.py): the full flow (features, labels, online model, decisions)
embedded, over the same Parquet event log, interleaved runs, medians; the outputs must be identical.

Goal (the scale issue): 2 processes >= 1.6x one process on 2 cores. Wall time includes starting the
processes (a fresh interpreter each, ~2 s), so use a log big enough for that not to matter.

    python benchmark/processes.py                           # the synthetic world of flow_throughput.py
    python benchmark/processes.py --events runs/w400/events.parquet --repeat 1
"""

from __future__ import annotations

import argparse
import resource
import statistics
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # run from a checkout without installing

import pyarrow.parquet as pq  # noqa: E402

from flows.cluster import Cluster  # noqa: E402
from flows.outputs import output_files  # noqa: E402
from flows.runner import run_flow  # noqa: E402
from flows.settings import FlowSettings  # noqa: E402

sys.path.insert(0, str(ROOT / "benchmark"))
from flow_throughput import synthetic_log  # noqa: E402

GOAL = 1.6  # 2 processes / 1 process


def _digest(out: Path) -> dict[str, int]:
    """Rows per output and a hash of their sorted contents: equal outputs, equal digests."""
    digest = {}
    for name, path in output_files(out).items():
        rows = sorted(repr(sorted(r.items())) for r in pq.read_table(path).to_pylist())
        digest[name] = (len(rows), hash(tuple(rows)))
    return digest


def _cpu_seconds() -> float:
    """CPU seconds of this process and of its waited-for children (the spawned Bytewax processes)."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--events", type=Path, help="Parquet event log (default: flow_throughput's world)")
    parser.add_argument("--cache", type=Path, default=ROOT / "runs" / "bench", help="synthetic world cache")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each, median reported (3)")
    parser.add_argument("--shards", type=int, default=4, help="shards per keyed stage (4)")
    args = parser.parse_args()
    log = args.events or synthetic_log(args.cache, 1000, 15_000, 7)
    events = pq.ParquetFile(log).metadata.num_rows
    seconds: dict[int, list[float]] = {1: [], 2: []}
    digests = {}
    with tempfile.TemporaryDirectory() as tmp:
        for run in range(args.repeat):
            for processes in (1, 2):
                out = Path(tmp) / f"p{processes}"
                settings = FlowSettings(events_path=log, out_dir=out, shards=args.shards, snapshots=False)
                cluster = Cluster.on_this_host(processes) if processes > 1 else None
                cpu_before = _cpu_seconds()
                took = run_flow(settings, cluster=cluster)
                cpu = _cpu_seconds() - cpu_before
                seconds[processes].append(took)
                digests[processes] = _digest(out)
                print(
                    f"run {run + 1}, {processes} process(es): {took:6.1f} s, {events / took:9,.0f} events/s, "
                    f"{cpu:6.1f} CPU s in all ({cpu / took / processes:.0%} of the processes' wall time)"
                )
    if digests[1] != digests[2]:
        print("OUTPUTS DIFFER between 1 and 2 processes", {k: v[0] for k, v in digests[2].items()})
        return 1
    one, two = (events / statistics.median(seconds[p]) for p in (1, 2))
    ratio = two / one
    counts = ", ".join(f"{name} {rows:,}" for name, (rows, _hash) in digests[1].items())
    print(f"\n{events:,} events, outputs identical ({counts})")
    print(f"1 process   {one:9,.0f} events/s")
    verdict = "met" if ratio >= GOAL else "NOT MET"
    print(f"2 processes {two:9,.0f} events/s   {ratio:.2f}x (goal {GOAL}x: {verdict})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

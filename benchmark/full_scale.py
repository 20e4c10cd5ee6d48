"""The full-scale synthetic world end to end through the flow: KuaiLive's size (23,772 users, 452,621
streamers, 21 days), embedded, as N Bytewax processes: wall time and peak memory (the summed RSS of every
process of the run, sampled each second), features and labels alone and the full flow.

Goal (the scale issue): the full flow in <= 20 minutes with <= 8 GB peak RSS on 2 cores (2 processes).

    python benchmark/full_scale.py                      # world and event log cached in runs/full
    python benchmark/full_scale.py --only full --processes 1

The world takes ~4 minutes to synthesize and 2.3 GB on disk, its event log ~1 minute and 3.3 GB.
"""

from __future__ import annotations

import argparse
import os
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
GIFTLIVE = [sys.executable, "-m", "cli.main"]
SIZE = ("--users", "23772", "--streamers", "452621", "--days", "21")
GOAL_S, GOAL_GB = 20 * 60, 8.0
VARIANTS = {
    "features": ("features and labels", ["--no-decisions", "--no-online-model"]),
    "full": ("the full flow", []),
}


def tree_rss_bytes(root: int) -> int:
    """Summed resident memory of ``root`` and every process descended from it (from /proc)."""
    parent: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as stat:
                    parent[int(entry)] = int(stat.read().rsplit(")", 1)[1].split()[1])
            except OSError:
                continue
    tree, grew = {root}, True
    while grew:
        grew = False
        for pid, ppid in parent.items():
            if ppid in tree and pid not in tree:
                tree.add(pid)
                grew = True
    total = 0
    for pid in tree:
        try:
            with open(f"/proc/{pid}/status") as status:
                total += next(int(line.split()[1]) * 1024 for line in status if line.startswith("VmRSS:"))
        except (OSError, StopIteration):
            continue
    return total


def timed(command: list[str], log: Path, limit_s: float | None = None) -> tuple[float, int, bool]:
    """Run ``command`` (output to ``log``): (wall seconds, peak summed RSS in bytes, finished), stopped
    after ``limit_s`` if given. Fails loudly."""
    started = time.monotonic()
    with log.open("w") as out:
        process = subprocess.Popen(
            command, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
        peak = [0]

        def sample() -> None:
            while process.poll() is None:
                peak[0] = max(peak[0], tree_rss_bytes(process.pid))
                time.sleep(1.0)

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        try:
            code = process.wait(timeout=limit_s)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGTERM)  # the run and the processes it started
            process.wait()
            sampler.join()
            return time.monotonic() - started, peak[0], False
        sampler.join()
    if code != 0:
        raise SystemExit(f"{' '.join(command[2:])} failed with exit {code}: see {log}")
    return time.monotonic() - started, peak[0], True


def records_read(log: Path) -> int | None:
    """The records a run had read by its last progress line ("[  12.3s] 1,234 / 5,678 records read ...")."""
    found = re.findall(r"\] ([\d,]+) / [\d,]+ records read", log.read_text(errors="replace"))
    return int(found[-1].replace(",", "")) if found else None


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--cache", type=Path, default=ROOT / "runs" / "full", help="world, log, outputs")
    parser.add_argument("--processes", type=int, default=2, help="Bytewax processes of each run (2)")
    parser.add_argument("--only", choices=sorted(VARIANTS), help="run one variant (default: both)")
    parser.add_argument(
        "--limit-min", type=float, default=60, help="stop a run after this many minutes and say so (60)"
    )
    args = parser.parse_args()
    cache = args.cache.resolve()
    cache.mkdir(parents=True, exist_ok=True)
    world, events = cache / "world", cache / "events.parquet"
    if not (world / "truth" / "params.json").exists():
        took, _, _ = timed([*GIFTLIVE, "data", "synth", *SIZE, "--out", str(world)], cache / "synth.log")
        print(f"world synthesized in {took:.0f} s: {world}", flush=True)
    if not events.exists():
        convert = [*GIFTLIVE, "data", "convert", str(world), "--out", str(events)]
        took, _, _ = timed(convert, cache / "convert.log")
        print(f"event log converted in {took:.0f} s: {events}", flush=True)
    import pyarrow.parquet as pq

    n = pq.ParquetFile(events).metadata.num_rows
    print(f"{n:,} events, {args.processes} process(es), 2 cores", flush=True)
    for key in [args.only] if args.only else list(VARIANTS):
        what, flags = VARIANTS[key]
        out = cache / f"out-{key}"
        command = [*GIFTLIVE, "run", "--events", str(events), "--out", str(out), *flags]
        command += ["--processes", str(args.processes)]
        took, peak, finished = timed(command, cache / f"run-{key}.log", args.limit_min * 60)
        gb = peak / 1e9
        verdict = ""
        if key == "full":
            met = finished and took <= GOAL_S and gb <= GOAL_GB
            verdict = f"   goal <= {GOAL_S // 60} min and <= {GOAL_GB:.0f} GB: {'met' if met else 'NOT MET'}"
        if finished:
            rate = f"{n / took:9,.0f} events/s"
        else:
            read = records_read(cache / f"run-{key}.log") or 0
            rate = f"stopped unfinished: {read:,} of {n:,} events read ({read / took:,.0f} events/s)"
        print(f"{what:22} {took / 60:6.1f} min  {rate}  peak RSS {gb:5.2f} GB{verdict}", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

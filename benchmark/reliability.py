"""kill -9 of the flow at random moments, resumed from its recovery store each time: nothing lost.

A synthetic world is replayed into a fresh events topic. A reference run reads it to the end in one go
(`giftlive run --bootstrap B --out REF`). Then `giftlive run --bootstrap B --recovery DIR` with its own
output topics is killed with SIGKILL --kills times, each after a random 2.5-5 s (snapshots every
second, --snapshot-every 1, after a start-up of ~2 s), and restarted, until a last run reaches the end of the
input. Every output topic (decisions, labels, training rows, predictions) is then read whole and compared
with the reference by its deterministic id:

    lost        ids of the reference missing from the topic          (must be 0)
    extra       ids in the topic the reference does not have         (must be 0)
    differing   ids whose records differ from the reference's        (must be 0)
    duplicates  records beyond the first of their id                 (at-least-once: expected, reported)

Exit status 1 when lost, extra or differing is not 0. The local Tansu broker is started unless
KAFKA_BOOTSTRAP points at a cluster (topics are uniquely named there).

    python benchmark/reliability.py                              # 10 kills, 600 users, 3 days
    python benchmark/reliability.py --kills 2 --users 400 --streamers 4000 --days 4  # the tests' version
"""

from __future__ import annotations

import argparse
import random
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # run from a checkout without installing

import orjson  # noqa: E402
import pyarrow.parquet as pq  # noqa: E402

from flows.outputs import OUTPUTS  # noqa: E402
from giftlive.config import DEFAULT_PARTITIONS, bootstrap_from_env  # noqa: E402
from replay.broker import broker_for  # noqa: E402
from replay.kafka_topics import ensure_topics  # noqa: E402
from replay.kuailive_convert import convert  # noqa: E402
from replay.synth.params import WorldParams  # noqa: E402
from replay.synth.world import synthesize  # noqa: E402
from replay.topic_reader import read_topic  # noqa: E402

CHECKED = [output for output in OUTPUTS if output.id_field is not None]  # dead letters have no id
GIFTLIVE = [sys.executable, "-m", "cli.main"]
KILL_AFTER_S = (2.5, 5.0)  # a start takes ~2 s and snapshots every second: most starts make some progress


def giftlive(*args: str, log: Path, check: bool = True) -> subprocess.CompletedProcess:
    with log.open("ab") as out:
        done = subprocess.run([*GIFTLIVE, *args], cwd=ROOT, stdout=out, stderr=subprocess.STDOUT)
    if check and done.returncode != 0:
        raise SystemExit(f"giftlive {' '.join(args)} failed ({done.returncode}); see {log}")
    return done


def killed_run(run_args: list[str], kills: int, rng: random.Random, log: Path) -> int:
    """Start the run, SIGKILL it up to ``kills`` times at random moments, then let one finish; the kills
    made (fewer when a start reached the end of the input before its kill)."""
    made = 0
    while True:
        with log.open("ab") as out:
            flow = subprocess.Popen([*GIFTLIVE, *run_args], cwd=ROOT, stdout=out, stderr=subprocess.STDOUT)
        if made < kills:
            try:
                flow.wait(rng.uniform(*KILL_AFTER_S))
            except subprocess.TimeoutExpired:
                flow.send_signal(signal.SIGKILL)
                flow.wait()
                made += 1
                print(f"  kill {made}: SIGKILL", flush=True)
                continue
        code = flow.wait()
        if code != 0:
            raise SystemExit(f"the last run failed with exit {code}; see {log}")
        return made


def compare(reference: list[dict[str, Any]], records: list[bytes], id_field: str) -> dict[str, int]:
    want = {row[id_field]: row for row in reference}
    got: dict[str, dict[str, Any]] = {}
    duplicates = differing_copies = 0
    for value in records:
        row = orjson.loads(value)
        first = got.setdefault(row[id_field], row)
        if first is not row:
            duplicates += 1
            differing_copies += first != row
    differing = sum(1 for i in got.keys() & want.keys() if got[i] != want[i]) + differing_copies
    return {
        "lost": len(want.keys() - got.keys()),
        "extra": len(got.keys() - want.keys()),
        "differing": differing,
        "duplicates": duplicates,
        "records": len(want),
    }


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--kills", type=int, default=10, help="SIGKILLs over the run (10)")
    parser.add_argument("--users", type=int, default=600, help="users of the synthetic world (600)")
    parser.add_argument("--streamers", type=int, default=6_000, help="streamers of the world (6000)")
    parser.add_argument("--days", type=int, default=3, help="days of the world (3)")
    parser.add_argument("--seed", type=int, default=1, help="seed of the world and of the kill times (1)")
    args = parser.parse_args()
    rng = random.Random(args.seed)
    broker = broker_for(bootstrap_from_env())
    with tempfile.TemporaryDirectory(prefix="giftlive-reliability-") as tmp, broker as bs:
        work = Path(tmp)
        log = work / "giftlive.log"
        world = work / "world"
        params = WorldParams(users=args.users, streamers=args.streamers, days=args.days, seed=args.seed)
        synthesize(world, params, progress=False)
        events = convert(world, work / "events.parquet").out_path
        run_id = uuid.uuid4().hex[:8]
        topic = f"reliability.{run_id}.events"
        ensure_topics(bs, [topic], DEFAULT_PARTITIONS)
        giftlive("replay", str(events), "--bootstrap", bs, "--topic", topic, log=log)
        started = time.monotonic()
        reference_topics = [f"--{o.name}-topic={topic}.ref.{o.name}" for o in OUTPUTS]
        reference_args = ["run", "--bootstrap", bs, "--events-topic", topic, "--out", str(work / "reference")]
        giftlive(*reference_args, *reference_topics, log=log)
        reference_s = time.monotonic() - started
        rows = pq.read_metadata(events).num_rows
        print(f"{rows:,} events on {topic}; the uninterrupted run took {reference_s:.0f} s")
        outputs = {o.name: f"{topic}.killed.{o.name}" for o in OUTPUTS}
        run_args = [
            "run",
            "--bootstrap",
            bs,
            "--events-topic",
            topic,
            "--recovery",
            str(work / "recovery"),
            "--snapshot-every",
            "1",
            *[f"--{name}-topic={t}" for name, t in outputs.items()],
        ]
        kills = killed_run(run_args, args.kills, rng, log)
        print(f"kills {kills} (asked {args.kills}); the killed run's topics against the reference:")
        failed = False
        for output in CHECKED:
            reference = pq.read_table(work / "reference" / output.file).to_pylist()
            values: list[bytes] = []
            read_topic(bs, outputs[output.name], on_value=values.append)
            counts = compare(reference, values, output.id_field)
            failed |= any(counts[k] for k in ("lost", "extra", "differing"))
            print(f"  {output.name:<12}" + "  ".join(f"{k} {v:,}" for k, v in counts.items()))
        print("FAILED: outputs were lost, added or changed" if failed else "nothing lost, added or changed")
        if kills < args.kills:
            print(f"only {kills} of {args.kills} kills: the run reached its end first; use a bigger world")
    return 1 if failed or kills < args.kills else 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Replay throughput: our replay_events (read Parquet + encode + key + produce) vs a bare produce loop.

The bare loop produces the same pre-encoded records with the same producer config, so the ratio is the
cost of reading, converting and encoding in Python on top of librdkafka. Goal: ratio >= 0.5.

    python benchmark/replay_throughput.py                    # 500k generated events, local Tansu broker
    python benchmark/replay_throughput.py --events 2000000
    python benchmark/replay_throughput.py runs/events.parquet --runs 5
    KAFKA_BOOTSTRAP=127.0.0.1:9092 python benchmark/replay_throughput.py
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout without installing

import pyarrow.parquet as pq  # noqa: E402
from confluent_kafka import Producer  # noqa: E402

from giftlive.events import EventType, encode, kafka_key  # noqa: E402
from replay.broker import broker_for  # noqa: E402
from replay.kafka_topics import ensure_topics  # noqa: E402
from replay.producer import producer_config, replay_events  # noqa: E402


def pre_encode(path: Path) -> list[tuple[bytes, bytes]]:
    """(value, key) of every event, exactly as replay_events would send them."""
    pairs = []
    for row in pq.read_table(path).to_pylist():
        row["type"] = EventType(row["type"]).wire_name
        pairs.append((encode(row), kafka_key(row)))
    return pairs


def bare_produce(bootstrap: str, topic: str, pairs: list[tuple[bytes, bytes]]) -> float:
    """The floor: produce pre-encoded records as fast as librdkafka takes them; returns events/s."""
    failed = 0

    def on_delivery(error: object, _msg: object) -> None:
        nonlocal failed
        failed += error is not None

    producer = Producer({**producer_config(bootstrap), "on_delivery": on_delivery})
    produce, poll = producer.produce, producer.poll
    started = time.perf_counter()
    for n, (value, key) in enumerate(pairs, 1):
        try:
            produce(topic, value, key)
        except BufferError:
            while True:
                poll(0.05)
                try:
                    produce(topic, value, key)
                    break
                except BufferError:
                    continue
        if not n & 1023:
            poll(0)
    remaining = producer.flush(60)
    elapsed = time.perf_counter() - started
    if remaining or failed:
        raise SystemExit(f"bare loop: {remaining} undelivered, {failed} failed")
    return len(pairs) / elapsed


def ours(bootstrap: str, topic: str, path: Path) -> float:
    """replay_events at max speed, timed end to end (topic already exists, as for the bare loop)."""
    started = time.perf_counter()
    report = replay_events(path, bootstrap, topic=topic, progress=False)
    return report.delivered / (time.perf_counter() - started)


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("log", nargs="?", type=Path, help="events .parquet (default: a synthetic world)")
    parser.add_argument("--users", type=int, default=600, help="users of the generated world (default 600)")
    parser.add_argument("--runs", type=int, default=3, help="runs of each, median reported (default 3)")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="giftlive-bench-") as tmp:
        path = args.log
        if path is None:
            from replay.kuailive_convert import convert
            from replay.synth.params import WorldParams
            from replay.synth.world import synthesize

            world = Path(tmp) / "world"
            params = WorldParams(users=args.users, streamers=15 * args.users, days=7)
            synthesize(world, params, progress=False)
            path = convert(world, world / "events.parquet").out_path
        pairs = pre_encode(path)
        print(f"event log {path}: {len(pairs):,} events", flush=True)
        with broker_for(None) as bootstrap:
            run_id = uuid.uuid4().hex[:8]
            topics = [f"bench.{run_id}.{kind}.{i}" for i in range(args.runs) for kind in ("ours", "bare")]
            ensure_topics(bootstrap, topics, partitions=4)
            rates: dict[str, list[float]] = {"ours": [], "bare": []}
            for i in range(args.runs):  # interleaved, so background load hits both alike
                rates["ours"].append(ours(bootstrap, f"bench.{run_id}.ours.{i}", path))
                rates["bare"].append(bare_produce(bootstrap, f"bench.{run_id}.bare.{i}", pairs))
                print(f"run {i + 1}: ours {rates['ours'][-1]:>10,.0f}/s   bare {rates['bare'][-1]:>10,.0f}/s")
    ours_med, bare_med = statistics.median(rates["ours"]), statistics.median(rates["bare"])
    ratio = ours_med / bare_med
    print(f"{'':14}{'events/s (median of ' + str(args.runs) + ')':>28}")
    print(f"{'replay_events':14}{ours_med:>28,.0f}")
    print(f"{'bare produce':14}{bare_med:>28,.0f}")
    print(f"{'ratio':14}{ratio:>28.2f}   (goal >= 0.5: {'met' if ratio >= 0.5 else 'NOT met'})")
    return 0


if __name__ == "__main__":
    sys.exit(main())

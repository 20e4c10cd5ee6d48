"""Flow throughput: the GiftLive dataflow beside plain loops that do the same work without Bytewax.

1. In memory (one worker): the dataflow fed the event log's raw records by bytewax.testing.TestingSource,
   beside a plain Python loop that calls the same stage objects (decode_batch and the streamer, user, label
   and decision stages) on the same batches: features and labels alone, then with the online model, then
   with the decision stage too (GIFTLIVE_ONLINE_MODEL, GIFTLIVE_DECISIONS), then with the allocator's pair
   factor from the online model (GIFTLIVE_ALLOCATOR_MODEL=online).
   The ratio is what Bytewax's routing, batching and bookkeeping cost. Both must emit the same number of
   labels, training rows, dead letters and decisions. Goals: >= 50,000 events/s per worker for features and
   labels (the flow of the training table), a ratio >= 0.7 for both. Records are loaded and encoded before
   the clock starts.
2. Snapshot cost: the stages pickled as Bytewax snapshots them (every touched shard, every epoch; 10 s by
   default), taken at the end of the log just before the end of stream releases and expires all state.
3. Kafka -> flow -> Kafka (unless --skip-kafka): the events are replayed once into a fresh 4-partition topic;
   then the dataflow reads it from the beginning until end of partition and writes decisions, labels,
   training rows and dead letters to fresh topics, beside a bare confluent-kafka loop that consumes the
   same topic until end of partition and produces every message unchanged to another topic. Both rates
   are events consumed per second of wall time; the flow's output topics are counted afterwards and must
   match step 1.

Each run also prints this process's CPU seconds (all its threads, not the broker's): wall time well above
CPU time means other processes had the cores, so rerun before trusting the figures.

The event log defaults to a synthetic world (--users/--streamers/--days) generated once into
runs/bench/ and reused. The local Tansu broker is started for step 3; KAFKA_BOOTSTRAP points at a
real cluster instead (the benchmark creates uniquely named bench.* topics there and deletes them after).

    python benchmark/flow_throughput.py                         # ~520k events, in memory and Kafka
    python benchmark/flow_throughput.py --skip-kafka --repeat 5
    python benchmark/flow_throughput.py --events runs/demo/events.parquet --limit 200000
    KAFKA_BOOTSTRAP=127.0.0.1:9092 python benchmark/flow_throughput.py
"""

from __future__ import annotations

import argparse
import dataclasses
import inspect
import json
import pickle
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # run from a checkout without installing

import pyarrow.parquet as pq  # noqa: E402
from bytewax.outputs import DynamicSink, StatelessSinkPartition  # noqa: E402
from bytewax.testing import TestingSource  # noqa: E402
from confluent_kafka import OFFSET_BEGINNING, Consumer, KafkaError, Producer, TopicPartition  # noqa: E402

from allocator.named import DEFAULT_POLICY, NAMED_POLICIES  # noqa: E402
from flows.outputs import OUTPUT_BY_KIND  # noqa: E402
from flows.parquet_io import ParquetEventSource  # noqa: E402
from flows.runner import run_flow, tune_gc  # noqa: E402
from flows.settings import FlowSettings  # noqa: E402
from flows.stages.decode import RawRecord  # noqa: E402
from flows.stages.pipeline import OUTPUT_KINDS as KINDS  # noqa: E402
from flows.stages.pipeline import OnOutput, StagePipeline  # noqa: E402
from giftlive.events import END_OF_PARTITION  # noqa: E402
from replay.topic_reader import read_topic  # noqa: E402

FLOWS = (  # (name, online model, decision stage, pair factor): the training-table flow first, then what
    # each stage adds, then the allocator with the online model's pair lift instead of the hand-set boost
    ("features + labels", False, False, "boost"),
    ("... + online model", True, False, "boost"),
    ("... + decisions (the full flow)", True, True, "boost"),
    ("... with the online pair lift", True, True, "online"),
)
PARTITIONS = 4
GOAL_RATE = 50_000  # events/s per worker, in memory
GOAL_RATIO = 0.7  # flow / plain loop, in memory
EPOCH_S = 10.0  # Bytewax's default epoch interval: one snapshot of every touched shard per epoch


# --- the event log ------------------------------------------------------------------------------------


def synthetic_log(cache: Path, users: int, streamers: int, days: int) -> Path:
    """The cached synthetic world's event log, (re)generated when missing or made with other parameters."""
    from replay.kuailive_convert import convert
    from replay.synth.params import WorldParams
    from replay.synth.world import synthesize

    params = WorldParams(seed=7).scaled(users=users, streamers=streamers, days=days)
    world, events = cache / "world", cache / "events.parquet"
    stamp = world / "truth" / "params.json"
    wanted = json.loads(json.dumps(dataclasses.asdict(params)))
    if events.exists() and stamp.exists() and json.loads(stamp.read_text()) == wanted:
        return events
    print(f"synthesizing a world ({users:,} users, {streamers:,} streamers, {days} days) into {world}")
    cache.mkdir(parents=True, exist_ok=True)
    events.unlink(missing_ok=True)  # a stale log must not survive a failed regeneration
    synthesize(world, params, progress=False)
    return convert(world, events).out_path


def load_records(path: Path, limit: int | None) -> list[RawRecord]:
    """Every raw record of the log, in file order, as the embedded-mode source reads them, plus the
    end-of-partition marker; with ``limit``, the first ``limit`` records and a marker after them."""
    part = ParquetEventSource(path, 65_536).build_part("bench", "events", None)
    records: list[RawRecord] = []
    while limit is None or len(records) < limit:
        try:
            records.extend(part.next_batch())
        except StopIteration:
            break
    events = [r for r in records if r.control is None]
    if limit is not None:
        events = events[:limit]
    return [*events, RawRecord(0, len(events), None, None, END_OF_PARTITION)]


# --- in memory: the dataflow and the plain loop -------------------------------------------------------


class Clock:
    """Wall and process CPU seconds (all of this process's threads, librdkafka's included; not the broker's).
    Wall well above CPU means something else had the cores."""

    def __init__(self) -> None:
        self.wall, self.cpu = time.perf_counter(), time.process_time()

    def stop(self) -> tuple[float, float]:
        return time.perf_counter() - self.wall, time.process_time() - self.cpu


class _Count(StatelessSinkPartition[Any]):
    def __init__(self, sink: CountSink) -> None:
        self._sink = sink

    def write_batch(self, items: list[Any]) -> None:
        self._sink.count += len(items)


class CountSink(DynamicSink[Any]):
    """Counts the records written to it (and keeps none)."""

    def __init__(self) -> None:
        self.count = 0

    def build(self, step_id: str, worker_index: int, worker_count: int) -> _Count:
        return _Count(self)


def run_flow_in_memory(
    records: list[RawRecord], settings: FlowSettings
) -> tuple[tuple[float, float], dict[str, int]]:
    """(wall, cpu) seconds for the flow runner over ``records``, and the records per output kind."""
    sinks = {kind: CountSink() for kind in KINDS}
    clock = Clock()
    source = TestingSource(records, batch_size=settings.batch_size)
    run_flow(settings, source=source, senders=1, sinks=sinks)
    return clock.stop(), {kind: sink.count for kind, sink in sinks.items()}


def batches_of(records: list[RawRecord], size: int) -> list[list[RawRecord]]:
    """The batches TestingSource hands the flow."""
    return [records[i : i + size] for i in range(0, len(records), size)]


def in_memory_part(
    args: argparse.Namespace,
    records: list[RawRecord],
    batches: list[list[RawRecord]],
    settings: FlowSettings,
    events: int,
) -> tuple[tuple[float, float], dict[str, int]]:
    """((flow events/s, plain loop events/s) medians, output counts) over ``args.repeat`` interleaved runs."""
    times: dict[str, list[float]] = {"flow": [], "plain": []}
    expected: dict[str, int] | None = None
    for i in range(args.repeat):  # interleaved, so background load hits both alike
        flow_s, flow_counts = run_flow_in_memory(records, settings)
        plain_s, plain_counts = run_plain(batches, settings)
        if flow_counts != plain_counts:
            raise SystemExit(f"outputs differ: flow {_counts(flow_counts)}; plain {_counts(plain_counts)}")
        if expected is not None and flow_counts != expected:
            raise SystemExit(f"run {i + 1} wrote {_counts(flow_counts)}, run 1 {_counts(expected)}")
        expected = flow_counts
        times["flow"].append(flow_s[0])
        times["plain"].append(plain_s[0])
        print(f"run {i + 1}: flow {_run(events, flow_s)}   plain {_run(events, plain_s)}", flush=True)
    assert expected is not None
    print(f"outputs (both): {_counts(expected)}")
    rates = (events / statistics.median(times["flow"]), events / statistics.median(times["plain"]))
    return rates, expected


def run_plain(
    batches: list[list[RawRecord]], settings: FlowSettings, on_output: OnOutput | None = None
) -> tuple[tuple[float, float], dict[str, int]]:
    """((wall, CPU) seconds, output records by kind) of the plain loop over the flow's stages; each output
    batch also goes to ``on_output(kind, records)`` when given."""
    clock = Clock()
    loop = StagePipeline(settings.for_workers(1), on_output=on_output)  # the flow's one-worker stages
    for batch in batches:
        loop.feed(batch)
    loop.finish()
    return clock.stop(), loop.counts


def snapshot_cost(stages: list[Any], rounds: int = 3) -> tuple[int, float]:
    """(pickled bytes, best-of-``rounds`` seconds) for pickling ``stages`` as StageLogic.snapshot does."""
    size = sum(len(pickle.dumps(stage, protocol=pickle.HIGHEST_PROTOCOL)) for stage in stages)
    best = float("inf")
    for _ in range(rounds):
        clock = Clock()
        for stage in stages:
            pickle.dumps(stage, protocol=pickle.HIGHEST_PROTOCOL)
        best = min(best, clock.stop()[0])
    return size, best


# --- Kafka -> flow -> Kafka and the bare consume-and-produce loop --------------------------------------


def _consumer(bootstrap: str) -> Consumer:
    """assign() only, like the flow's KafkaSource; the group id is never used."""
    return Consumer(
        {
            "bootstrap.servers": bootstrap,
            "group.id": f"giftlive-bench-{uuid.uuid4().hex[:8]}",
            "enable.auto.commit": False,
            "enable.partition.eof": True,
            "log_level": 3,
        }
    )


def _partitions(consumer: Consumer, topic: str) -> list[TopicPartition]:
    info = consumer.list_topics(topic, timeout=10).topics[topic]
    return [TopicPartition(topic, p, OFFSET_BEGINNING) for p in sorted(info.partitions)]


def run_flow_kafka(settings: FlowSettings) -> tuple[float, float]:
    """(wall, cpu) seconds for the dataflow to read its events topic to end of partition and write its
    outputs (the flow runner)."""
    clock = Clock()
    run_flow(settings)
    return clock.stop()


def bare_pass_through(
    bootstrap: str, source: str, sink: str, batch_size: int
) -> tuple[tuple[float, float], int]:
    """Consume ``source`` from the beginning until end of every partition, producing each message unchanged
    to ``sink`` with librdkafka's default producer config, as the flow's KafkaSink does.
    Returns ((wall, cpu) seconds, messages moved)."""
    clock = Clock()
    consumer = _consumer(bootstrap)
    producer = Producer({"bootstrap.servers": bootstrap, "log_level": 3})
    produce, poll = producer.produce, producer.poll
    parts = _partitions(consumer, source)
    consumer.assign(parts)
    ended: set[int] = set()
    moved = 0
    while len(ended) < len(parts):
        for msg in consumer.consume(batch_size, 0.1):
            error = msg.error()
            if error is not None:
                if error.code() == KafkaError._PARTITION_EOF:
                    ended.add(msg.partition())
                    continue
                raise SystemExit(f"bare loop: consuming {source} failed: {error}")
            try:
                produce(sink, msg.value(), msg.key())
            except BufferError:
                poll(0.05)
                produce(sink, msg.value(), msg.key())
            moved += 1
        poll(0)
    remaining = producer.flush(60)
    elapsed = clock.stop()
    consumer.close()
    if remaining:
        raise SystemExit(f"bare loop: {remaining} messages undelivered to {sink}")
    return elapsed, moved


def limited_log(path: Path, limit: int | None, tmp: Path) -> Path:
    """The log itself, or its first ``limit`` rows in a temporary file (what the in-memory runs saw)."""
    if limit is None:
        return path
    out = tmp / "events.parquet"
    pq.write_table(pq.read_table(path).slice(0, limit), out)
    return out


def kafka_part(args: argparse.Namespace, log: Path, events: int, expected: dict[str, int]) -> dict[str, Any]:
    from replay.broker import broker_for
    from replay.kafka_topics import admin, ensure_topics
    from replay.producer import replay_events

    rates: dict[str, list[float]] = {"flow": [], "bare": []}
    with tempfile.TemporaryDirectory(prefix="giftlive-bench-") as tmp, broker_for(None) as bootstrap:
        run_id = uuid.uuid4().hex[:8]
        events_topic = f"bench.{run_id}.events"
        created = [events_topic]
        ensure_topics(bootstrap, [events_topic], PARTITIONS)
        extra = {}
        if "end_markers" in inspect.signature(replay_events).parameters:
            extra["end_markers"] = False  # the flow must stop at end of partition, like the bare loop
        report = replay_events(
            limited_log(log, args.limit, Path(tmp)),
            bootstrap,
            topic=events_topic,
            partitions=PARTITIONS,
            progress=False,
            **extra,
        )
        print(f"replayed {events:,} events into {events_topic} at {bootstrap} in {report.wall_s:.1f} s")
        try:
            for i in range(args.kafka_repeat):  # interleaved, so background load hits both alike
                outputs = {kind: f"bench.{run_id}.{i}.{kind[1:]}" for kind in KINDS}
                bare_topic = f"bench.{run_id}.{i}.bare"
                created += [*outputs.values(), bare_topic]
                ensure_topics(bootstrap, [*outputs.values(), bare_topic], PARTITIONS)
                settings = FlowSettings(
                    bootstrap=bootstrap,
                    follow=False,
                    events_topic=events_topic,
                    topics={OUTPUT_BY_KIND[kind].name: topic for kind, topic in outputs.items()},
                    shards=args.shards,
                    batch_size=args.batch_size,
                )
                flow_s = run_flow_kafka(settings)
                got = {kind: read_topic(bootstrap, topic, expected[kind]) for kind, topic in outputs.items()}
                if got != expected:
                    raise SystemExit(
                        f"Kafka flow run {i + 1} wrote {_counts(got)}, the in-memory runs "
                        f"{_counts(expected)}: it stopped early or duplicated output; its rate means nothing"
                    )
                bare_s, moved = bare_pass_through(bootstrap, events_topic, bare_topic, args.batch_size)
                if moved < events:
                    raise SystemExit(
                        f"bare loop saw end of partition after {moved:,} of {events:,} events (the broker "
                        "reported the end early), so its rate means nothing"
                    )
                rates["flow"].append(events / flow_s[0])
                rates["bare"].append(events / bare_s[0])
                print(
                    f"kafka run {i + 1}: flow {_run(events, flow_s)}   bare {_run(events, bare_s)}",
                    flush=True,
                )
        finally:
            try:  # a real cluster keeps topics: remove ours (best effort; the local broker is in memory)
                client = admin(bootstrap)  # held until the futures resolve, or librdkafka cancels them
                for future in client.delete_topics(created, operation_timeout=10).values():
                    future.result(timeout=10)
            except Exception as exc:  # noqa: BLE001 - cleanup must not hide the figures or the real error
                print(f"note: could not delete the bench.{run_id}.* topics: {exc}", file=sys.stderr)
    return {"flow": statistics.median(rates["flow"]), "bare": statistics.median(rates["bare"])}


# --- report -------------------------------------------------------------------------------------------


def _counts(counts: dict[str, int]) -> str:
    return ", ".join(f"{counts[kind]:,} {kind[1:]}" for kind in KINDS)


def _run(events: int, seconds: tuple[float, float]) -> str:
    wall, cpu = seconds
    return f"{events / wall:>9,.0f}/s ({wall:4.1f} s wall, {cpu:4.1f} s cpu)"


def _check(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--events", type=Path, help="Parquet event log (default: the synthetic world in --cache)"
    )
    parser.add_argument(
        "--cache",
        type=Path,
        default=ROOT / "runs" / "bench",
        help="where the synthetic world and its event log are kept and reused (default runs/bench)",
    )
    parser.add_argument("--users", type=int, default=1000, help="users of the synthetic world (1000)")
    parser.add_argument(
        "--streamers", type=int, default=15_000, help="streamers of the synthetic world (15000)"
    )
    parser.add_argument("--days", type=int, default=7, help="days of the synthetic world (7)")
    parser.add_argument("--limit", type=int, help="use only the first N events of the log (default: all)")
    parser.add_argument(
        "--repeat", type=int, default=3, help="in-memory runs of each, median reported (default 3)"
    )
    parser.add_argument(
        "--kafka-repeat", type=int, default=3, help="Kafka runs of each, median reported (default 3)"
    )
    parser.add_argument("--batch-size", type=int, default=2_000, help="source batch size (default 2000)")
    parser.add_argument("--shards", type=int, default=4, help="streamer and user stage shards (default 4)")
    parser.add_argument("--skip-kafka", action="store_true", help="in-memory figures only, no broker")
    parser.add_argument(
        "--policy",
        default=DEFAULT_POLICY,
        choices=tuple(NAMED_POLICIES),
        help=f"the allocation policy of the flows with decisions (default {DEFAULT_POLICY})",
    )
    args = parser.parse_args()
    tune_gc()  # as `giftlive run` does; both the flow and the plain loop run under it
    for name in ("repeat", "kafka_repeat", "batch_size", "shards", "limit"):
        value = getattr(args, name)
        if value is not None and value < 1:
            parser.error(f"--{name.replace('_', '-')} must be >= 1, got {value}")

    log = args.events
    if log is None:
        log = synthetic_log(args.cache, args.users, args.streamers, args.days)
    elif not log.is_file():
        parser.error(f"--events {log} is not a file; give a Parquet event log (`giftlive data convert`)")
    records = load_records(log, args.limit)
    events = len(records) - 1
    batches = batches_of(records, args.batch_size)
    settings = FlowSettings(
        events_path=Path("in-memory"),
        out_dir=Path("unused"),
        shards=args.shards,
        batch_size=args.batch_size,
        policy=NAMED_POLICIES[args.policy].config,
    )
    print(
        f"event log {log}: {events:,} events, batches of {args.batch_size:,}, {args.shards} shards, "
        f"policy {args.policy}"
    )

    rates: dict[str, tuple[float, float]] = {}
    for name, online, decisions, pair_model in FLOWS:
        if pair_model != "boost" and settings.policy.scoring != "thompson":
            continue  # a model's pair lift is for the thompson policy only
        print(f"{name}:")
        policy = dataclasses.replace(settings.policy, pair_model=pair_model)
        variant = dataclasses.replace(settings, online_model=online, decisions=decisions, policy=policy)
        rates[name], expected = in_memory_part(args, records, batches, variant, events)

    # untimed: the largest state, at the end of the log before end of stream
    loop = StagePipeline(settings.for_workers(1))
    for batch in batches[:-1]:
        loop.feed(batch)
    snapshots = {}
    for name in ("streamer", "user", "label", "decision"):
        stages = [s for k, s in loop.keyed.items() if k[0] == name[0]]
        snapshots[f"{len(stages)} {name} stage(s)"] = snapshot_cost(stages)
    snapshots["all stages"] = snapshot_cost(loop.stages())
    loop.feed(batches[-1])
    loop.finish()
    snapshots["all, after end of stream"] = snapshot_cost(loop.stages())

    kafka = None if args.skip_kafka else kafka_part(args, log, events, expected)

    w = 34
    print()
    print(f"{'in memory, 1 worker':{w}}{'events/s (median of ' + str(args.repeat) + ')':>28}")
    for name, (flow_rate, plain_rate) in rates.items():
        ratio = flow_rate / plain_rate
        goal = f"   goal >= {GOAL_RATE:,}: {_check(flow_rate >= GOAL_RATE)}" if name == FLOWS[0][0] else ""
        print(f"{'  ' + name:{w}}")
        print(f"{'    bytewax flow':{w}}{flow_rate:>28,.0f}{goal}")
        print(f"{'    plain loop, same stages':{w}}{plain_rate:>28,.0f}")
        ok = _check(ratio >= GOAL_RATIO)
        print(f"{'    ratio flow / plain':{w}}{ratio:>28.2f}   goal >= {GOAL_RATIO}: {ok}")
    if kafka is not None:
        k_ratio = kafka["flow"] / kafka["bare"]
        print(
            f"{'Kafka -> Kafka, 4 partitions':{w}}{'events/s (median of ' + str(args.kafka_repeat) + ')':>28}"
        )
        print(f"{'  bytewax flow':{w}}{kafka['flow']:>28,.0f}")
        print(f"{'  bare consume + produce':{w}}{kafka['bare']:>28,.0f}")
        print(f"{'  ratio flow / bare':{w}}{k_ratio:>28.2f}")
    print(
        f"{'snapshot at the end of the log':{w}}{'pickled MB':>14}{'ms':>14}   share of a {EPOCH_S:g} s epoch"
    )
    for name, (size, seconds) in snapshots.items():
        print(f"{'  ' + name:{w}}{size / 1e6:>14.2f}{seconds * 1e3:>14.1f}   {seconds / EPOCH_S:.1%}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

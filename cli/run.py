"""`giftlive run`: the GiftLive dataflow, over a Parquet event log (embedded) or a Kafka topic."""

from __future__ import annotations

import argparse
import sys
import textwrap
from pathlib import Path

from allocator.named import DEFAULT_POLICY, NAMED_POLICIES
from allocator.policy import PAIR_MODELS, PolicyConfig
from cli.kafka_args import add_kafka_args, kafka_settings
from flows.outputs import OUTPUTS
from giftlive.config import EVENTS_TOPIC, bootstrap_from_env
from giftlive.errors import UserError

EPILOG = """\
examples:
  giftlive run --events runs/demo/events.parquet --out runs/flow     # embedded: no broker, Parquet out
  giftlive run --bootstrap 127.0.0.1:9092 --out runs/flow            # read giftlive.events to its end
  KAFKA_BOOTSTRAP=127.0.0.1:9092 giftlive run --follow               # production: tail until Ctrl-C
                                                          # (topics only: Parquet needs an end of input)
  giftlive run --events E.parquet --out D --allocator-model offline --model runs/models  # trained models

outputs (Parquet files with --out; topics with a broker):
{outputs}

The same dataflow runs as `python -m bytewax.run flows.giftlive_flow:flow` with settings from environment
variables (see flows/settings.py). Labels run on event time: any replay speed gives the same output.
""".format(
    outputs="\n".join(
        f"  {o.file:<21}{o.topic}\n"
        + textwrap.fill(o.description, 100, initial_indent=" " * 23, subsequent_indent=" " * 23)
        for o in OUTPUTS
    )
)


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser(
        "run",
        help="run the dataflow: features, delayed labels, training table, allocation decisions",
        description=(
            "Run the GiftLive Bytewax dataflow. With --events it reads a Parquet event log (or KuaiLive "
            "directory) and writes Parquet files to --out; otherwise it reads the events topic of the broker "
            "at --bootstrap / $KAFKA_BOOTSTRAP and writes the decisions, labels, training and dead-letter "
            "topics (and Parquet files too with --out)."
        ),
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    source = parser.add_argument_group("input and output")
    source.add_argument("--events", type=Path, metavar="PATH", help="events .parquet or KuaiLive directory")
    source.add_argument(
        "--bootstrap", metavar="HOST:PORT", help="Kafka bootstrap (default: $KAFKA_BOOTSTRAP)"
    )
    source.add_argument(
        "--out", type=Path, metavar="DIR", help="write training/labels/deadletter .parquet here"
    )
    source.add_argument(
        "--follow", action="store_true", help="keep tailing the topic after its end (default: stop there)"
    )
    source.add_argument(
        "--events-topic", default=EVENTS_TOPIC, metavar="T", help=f"(default: {EVENTS_TOPIC})"
    )
    for output in OUTPUTS:
        source.add_argument(
            f"--{output.name}-topic", default=output.topic, metavar="T", help=f"(default: {output.topic})"
        )
    policy = parser.add_argument_group("allocation (allocator/policy.py has the rest)")
    policy.add_argument(
        "--policy",
        choices=tuple(NAMED_POLICIES),
        default=DEFAULT_POLICY,
        metavar="NAME",
        help="the allocation policy (default: %(default)s): "
        + "; ".join(f"{p.name}: {p.description}" for p in NAMED_POLICIES.values()).replace("%", "%%"),
    )
    policy.add_argument(
        "--capacity",
        type=int,
        metavar="N",
        help="what a streamer takes: viewers for a policy that prices capacity (concave, "
        "thompson-v2-priced: 50), allocations held at once for one with hard caps (50)",
    )
    policy.add_argument(
        "--pair-cap", type=int, metavar="N", help="allocations of a streamer to a user per hour (3)"
    )
    policy.add_argument(
        "--explore", type=float, metavar="F", help="cold-start exploration floor, share of rows (0.1)"
    )
    policy.add_argument("--policy-seed", type=int, default=7, metavar="N", help="seed of the draws (7)")
    policy.add_argument(
        "--allocator-model",
        choices=PAIR_MODELS,
        default="boost",
        help=f"pair factor on the user's history streamers: hand-set boost 1 + {PolicyConfig.pair_weight} "
        "log1p(gift sum) (default), or a model's pair lift: the online river model (snapshots every "
        f"{PolicyConfig.round_ms // 60_000} min of event time) or the offline LightGBM models of --model",
    )
    policy.add_argument(
        "--model",
        type=Path,
        metavar="DIR",
        help="models written by `giftlive train` (for --allocator-model offline; its two-stage model)",
    )
    policy.add_argument(
        "--no-online-model",
        action="store_true",
        help="skip the online gift model (river) and its per-click predictions",
    )
    policy.add_argument(
        "--no-decisions",
        action="store_true",
        help="skip the decision stage: features, labels and the training table only (several times faster)",
    )
    model = parser.add_argument_group("labels and state")
    model.add_argument("--window", type=float, default=3600, metavar="S", help="label window W in s (3600)")
    model.add_argument("--observe", metavar="S[,S]", help="provisional label points after the click, s (60)")
    model.add_argument(
        "--ttl-hours", type=float, default=168, metavar="H", help="forget idle users/pairs/streamers (168)"
    )
    model.add_argument(
        "--lateness", type=float, default=5, metavar="S", help="allowed disorder within a partition, s (5)"
    )
    model.add_argument(
        "--shards", type=int, default=4, metavar="N", help="shards of the streamer and user stages (4)"
    )
    model.add_argument(
        "--label-shards",
        type=int,
        default=4,
        metavar="N",
        help="shards of the label stage, by user id (4); each holds an online model of its users, so the "
        "predictions depend on N; labels and decisions do not",
    )
    model.add_argument(
        "--workers", type=int, default=1, metavar="N", help="Bytewax worker threads per process (1)"
    )
    model.add_argument(
        "--processes",
        type=int,
        default=1,
        metavar="N",
        help="run the flow as N Bytewax processes on this host (1); --shards must be a multiple of "
        "N x --workers",
    )
    model.add_argument(
        "--process-id",
        type=int,
        metavar="I",
        help="several hosts (broker mode): this host's process, 0..len(--addresses)-1; run the same command "
        "with its own I on every host",
    )
    model.add_argument(
        "--addresses",
        metavar="H:P;H:P",
        help="several hosts: every process's host:port for Bytewax's own traffic, in process-id order, the "
        "same list on every host",
    )
    model.add_argument(
        "--recovery",
        type=Path,
        metavar="DIR",
        help="Bytewax recovery store (broker mode, without --out): snapshot state every epoch and resume "
        "from it on the next run (created if missing; without it nothing is snapshotted)",
    )
    parser.add_argument(
        "--metrics-port",
        type=int,
        metavar="PORT",
        help="serve Prometheus metrics at http://0.0.0.0:PORT/metrics while the flow runs (flows/metrics.py "
        "lists them: events, dead letters, outputs, event-time lag, state sizes, decision latency)",
    )
    model.add_argument(
        "--snapshot-every",
        type=float,
        metavar="S",
        help="with --recovery: snapshot the state every S s of wall time (Bytewax's epoch; default 10); "
        "a crash takes back at most this much work",
    )
    model.add_argument(
        "--broker-timeout",
        type=float,
        default=30.0,
        metavar="S",
        help="broker mode: end the run with one line when the broker stays unreachable this long (30)",
    )
    model.add_argument(
        "--idle-after",
        type=float,
        default=30.0,
        metavar="S",
        help="--follow: a partition that receives nothing for S seconds of wall time stops holding back "
        "the others' event time; its later events older than what they released are dead-lettered (30)",
    )
    add_kafka_args(parser)
    parser.set_defaults(run=_run)


def _run(args: argparse.Namespace) -> int:
    from flows.outputs import output_files
    from flows.parquet_io import make_output_folder
    from flows.runner import run_flow
    from flows.settings import FlowSettings, parse_observe, policy_config
    from labels.label_book import DEFAULT_OBSERVE_MS, point_name
    from replay.event_log import resolve_event_log

    if args.events is not None and args.bootstrap is not None:
        raise UserError(
            "--events reads a Parquet event log and --bootstrap a broker's events topic: give one of them"
        )
    if args.out is not None:
        make_output_folder(args.out)
    events = resolve_event_log(args.events) if args.events is not None else None
    bootstrap = None if events is not None else (args.bootstrap or bootstrap_from_env())
    if events is None and bootstrap is None:
        raise UserError(
            "nothing to read: pass --events EVENTS.parquet (with --out DIR), or --bootstrap HOST:PORT / "
            "KAFKA_BOOTSTRAP to read the events topic"
        )
    if not args.broker_timeout > 0 or not args.idle_after > 0:
        raise UserError("--broker-timeout and --idle-after are seconds > 0")
    if args.snapshot_every is not None and not args.snapshot_every > 0:
        raise UserError(f"--snapshot-every {args.snapshot_every}: give seconds > 0")
    cluster = _cluster(args, events is not None)
    processes = cluster.size if cluster is not None else 1
    if args.workers < 1 or args.shards % (args.workers * processes):
        raise UserError(
            f"--shards ({args.shards}) must be a multiple of the workers ({args.workers} per process x "
            f"{processes} process(es))"
        )
    window_ms = int(args.window * 1000)
    if args.observe is None:  # the default point, if it fits the window
        observe_ms = tuple(ms for ms in DEFAULT_OBSERVE_MS if ms < window_ms)
    else:
        observe_ms = parse_observe(args.observe, "--observe")
        if any(not 0 <= ms < window_ms for ms in observe_ms):
            raise UserError(f"--observe {args.observe}: every point must lie inside the window (--window)")
    settings = FlowSettings(
        events_path=events,
        out_dir=args.out,
        bootstrap=bootstrap,
        follow=args.follow,
        events_topic=args.events_topic,
        topics={o.name: getattr(args, f"{o.name}_topic") for o in OUTPUTS},
        policy=policy_config(
            args.capacity,
            args.pair_cap,
            args.explore,
            args.policy_seed,
            "--policy / --capacity / --pair-cap / --explore / --allocator-model",
            args.allocator_model,
            args.policy,
        ),
        model_dir=args.model,
        shards=args.shards,
        label_shards=args.label_shards,
        lateness_ms=int(args.lateness * 1000),
        ttl_ms=int(args.ttl_hours * 3_600_000),
        window_ms=window_ms,
        observe_ms=observe_ms,
        snapshots=args.recovery is not None,
        decisions=not args.no_decisions,
        online_model=not args.no_online_model,
        kafka_config=kafka_settings(args),
        broker_timeout_s=args.broker_timeout,
        idle_after_s=args.idle_after,
    )
    if args.recovery is not None and args.out is not None:
        raise UserError(
            "--recovery resumes a broker-mode run (topic outputs are at-least-once with deterministic ids), "
            "but Parquet files cannot be resumed: use it without --out/--events, or rerun from scratch"
        )
    metrics = None
    if args.metrics_port is not None and (cluster is None or cluster.process_id is not None):
        metrics = _serve_metrics(args.metrics_port, settings.decisions)
    if events is not None:  # before anything is printed: an unreadable log is one line
        from replay.event_log import open_event_log

        open_event_log(events)
    if bootstrap is not None:  # before anything is printed: an unreachable broker or bad credentials
        from replay.kafka_topics import check_reachable

        check_reachable(bootstrap, client=settings.kafka_config)
    where = events if events is not None else f"{args.events_topic} at {bootstrap}"
    print(f"giftlive run: reading {where}", file=sys.stderr)
    elapsed = run_flow(
        settings,
        workers=args.workers,
        recovery=args.recovery,
        progress=sys.stderr,
        metrics=metrics,
        cluster=cluster,
        snapshot_every_s=args.snapshot_every,
    )
    if args.out is not None:
        from evaluation.flow_outputs import summarise_outputs

        print(f"done in {elapsed:.1f}s; outputs in {args.out}/")
        point = point_name(observe_ms[0]) if observe_ms else None
        print(summarise_outputs(output_files(args.out), point))
    else:
        print(f"done in {elapsed:.1f}s", file=sys.stderr)
    return 0


def _cluster(args: argparse.Namespace, embedded: bool):  # -> Cluster | None
    from flows.cluster import Cluster

    if args.processes < 1:
        raise UserError(f"--processes {args.processes}: give 1 or more")
    if (args.process_id is None) != (args.addresses is None):
        raise UserError("--process-id and --addresses go together: this host's process and every process")
    if args.process_id is not None:
        if args.processes != 1:
            raise UserError("--processes starts processes on this host; with --addresses give --process-id")
        if embedded or args.out is not None:
            raise UserError(
                "--process-id/--addresses run the flow across hosts on a broker's topics: Parquet input and "
                "output live on one host (use --processes N there)"
            )
        addresses = tuple(a.strip() for a in args.addresses.split(";") if a.strip())
        if not 0 <= args.process_id < len(addresses):
            raise UserError(f"--process-id {args.process_id}: give 0..{len(addresses) - 1} (one per address)")
        return Cluster(addresses, args.process_id, sets_up=args.process_id == 0)
    if args.processes == 1:
        return None
    if args.metrics_port is not None and not 1 <= args.metrics_port <= 65_535 - args.processes:
        raise UserError(f"--metrics-port {args.metrics_port}: process i serves PORT + i; give a lower port")
    return Cluster.on_this_host(args.processes, args.metrics_port)


def _serve_metrics(port: int, decisions: bool):  # -> FlowMetrics
    from flows.metrics import FlowMetrics

    if not 1 <= port <= 65_535:
        raise UserError(f"--metrics-port {port}: give a TCP port between 1 and 65535")
    metrics = FlowMetrics(latency=decisions)
    try:
        metrics.serve(port)
    except OSError as exc:
        raise UserError(
            f"--metrics-port {port}: cannot serve metrics there ({exc.strerror}); pick a free port"
        ) from None
    print(f"giftlive run: metrics at http://0.0.0.0:{port}/metrics", file=sys.stderr)
    return metrics

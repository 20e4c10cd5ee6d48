"""`giftlive demo`: the main job on the embedded default, end to end, in one folder.

Synthesize the default world (reused when already there with the same parameters), print its statistics
beside KuaiLive's, convert it to the canonical event log, start the local broker (or use KAFKA_BOOTSTRAP),
replay the log into Kafka, tail a few decoded records back, run the dataflow over the topic (features,
delayed labels, training table, allocation decisions: to Kafka and to Parquet), tail a few decisions, read
the output topics back, train the gift-value models on the table (`giftlive train`), score them beside the
world's truth EV on the test days (`giftlive eval`, table + eval.html) and print a summary. Everything,
this log included (demo.log), stays in the --out folder.
"""

from __future__ import annotations

import argparse
import io
import json
import sys
import time
from pathlib import Path

from giftlive.config import EVENTS_TOPIC
from giftlive.errors import UserError
from giftlive.kafka_config import parse_kafka_config

DEMO_SPLIT = "7,7,7"  # train, validation, test UTC days: the seed research's KuaiLive split


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser(
        "demo",
        help="the main job on the embedded default: world -> local broker -> replay -> dataflow -> decisions",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--out", type=Path, default=Path("runs/demo"), help="folder for every output")
    parser.add_argument("--users", type=int, default=None, help="world size (default: the demo scale)")
    parser.add_argument("--streamers", type=int, default=None, help="world size (default: the demo scale)")
    parser.add_argument("--days", type=int, default=None, help="days of logs (default: 21)")
    parser.add_argument("--seed", type=int, default=7, help="world seed")
    parser.add_argument("--tail", type=int, default=5, help="records to tail back from the events topic")
    parser.add_argument("--tail-decisions", type=int, default=5, help="decisions to tail back at the end")
    parser.set_defaults(run=run_demo)


def run_demo(args: argparse.Namespace) -> int:
    out: Path = args.out
    out.mkdir(parents=True, exist_ok=True)
    with _Tee(out / "demo.log"):
        return _demo(args, out)


class _Tee:
    """Copy everything printed to stdout into a log file too."""

    def __init__(self, path: Path) -> None:
        self._file = path.open("w", encoding="utf-8")
        self._stdout = sys.stdout

    def __enter__(self) -> _Tee:
        sys.stdout = self  # type: ignore[assignment]
        return self

    def __exit__(self, *exc: object) -> None:
        sys.stdout = self._stdout
        self._file.close()

    def write(self, text: str) -> int:
        self._file.write(text)
        return self._stdout.write(text)

    def flush(self) -> None:
        self._file.flush()
        self._stdout.flush()


def _demo(args: argparse.Namespace, out: Path) -> int:
    from cli.synth_args import params_from_args
    from estimation.split import parse_split
    from estimation.training import train_models
    from evaluation.flow_outputs import summarise_outputs
    from evaluation.model_comparison import format_comparison
    from evaluation.model_evaluation import evaluate_models
    from flows.output_check import read_outputs
    from flows.outputs import OUTPUT_BY_NAME, output_files
    from flows.runner import run_flow
    from flows.settings import FlowSettings
    from replay.broker import broker_for
    from replay.kuailive_convert import convert, print_report
    from replay.kuailive_stats import compute_stats, format_stats
    from replay.producer import replay_events
    from replay.synth.truth import GroundTruth
    from replay.synth.world import synthesize

    started = time.monotonic()
    world = out / "world"
    params = params_from_args(args)
    stamp = world / "truth" / "params.json"
    wanted = json.dumps(params.__dict__, sort_keys=True)
    if stamp.exists() and json.dumps(json.loads(stamp.read_text()), sort_keys=True) == wanted:
        print(f"[1/8] reusing the synthetic world in {world}")
    else:
        print(f"[1/8] synthesizing the default world into {world}")
        synthesize(world, params, progress=True)

    print("\n[2/8] its statistics beside KuaiLive's")
    stats = compute_stats(world)
    print(format_stats(stats))

    print("\n[3/8] converting to the canonical event log")
    events = out / "events.parquet"
    report = convert(world, events, progress=True)
    print_report(report)

    print("\n[4/8] replaying into Kafka")
    client = parse_kafka_config()  # $GIFTLIVE_KAFKA_CONFIG, for a KAFKA_BOOTSTRAP cluster that needs SASL
    with broker_for(None, client) as bootstrap:
        print(f"broker: {bootstrap}")
        replayed = replay_events(events, bootstrap, topic=EVENTS_TOPIC, progress=True, client=client)
        print(replayed.summary())
        print(f"\n[5/8] tailing {args.tail} records back from {EVENTS_TOPIC}")
        shown = _tail_back(EVENTS_TOPIC, bootstrap, args.tail, client)

        print(f"\n[6/8] running the dataflow over {EVENTS_TOPIC} (decisions, labels, training, dead letters)")
        flow_out = out / "flow"
        settings = FlowSettings(  # no recovery store
            bootstrap=bootstrap, out_dir=flow_out, snapshots=False, kafka_config=client
        )
        flow_s = run_flow(settings, progress=sys.stdout)

        decisions_topic = settings.topic(OUTPUT_BY_NAME["decisions"])
        print(f"\n[7/8] tailing {args.tail_decisions} decisions from {decisions_topic}, reading outputs back")
        _tail_back(decisions_topic, bootstrap, args.tail_decisions, client)
        topics = read_outputs(settings)

    print("\n[8/8] training the gift-value models on the flow's table and scoring them on the test days")
    models_dir = out / "models"
    table = flow_out / "training.parquet"
    try:
        trained = train_models(table, parse_split(DEMO_SPLIT), models_dir)
        print("\n" + "\n".join(trained.lines()) + "\n")
        evaluation = evaluate_models(
            table,
            models_dir,
            out / "eval.html",
            truth=GroundTruth.load(world),
            online=flow_out / "predictions.parquet",
            predictions_out=out / "eval-predictions.parquet",
        )
        print(format_comparison(evaluation.comparison))
    except UserError as exc:  # a small custom world (--days) cannot fill the 7-7-7 split
        print(f"skipped: {exc}")

    print("\nsummary")
    print(f"  world              {world} ({stats['users']:,} users, {stats['streamers']:,} streamers)")
    rate = stats["gift_rate"]
    print(f"  clicks / gifts     {stats['clicks']:,} / {stats['gifts']:,} (gift rate {rate:.2%})")
    print(f"  events replayed    {replayed.delivered:,} at {replayed.events_per_s:,.0f} events/s")
    print("  by type            " + ", ".join(f"{k} {v:,}" for k, v in sorted(replayed.by_type.items())))
    print(f"  tailed back        {shown} records")
    print(
        f"  dataflow           {replayed.delivered:,} events in {flow_s:.0f}s "
        f"({replayed.delivered / flow_s:,.0f} events/s), Kafka -> flow -> Kafka and {flow_out}/"
    )
    print(topics.summary())
    print(summarise_outputs(output_files(flow_out), decisions=False))
    print(
        f"  outputs            {out}/ (world/, events.parquet, events.rejects.parquet, flow/, models/, "
        "eval-predictions.parquet, eval.html, demo.log)"
    )
    print(f"  total time         {time.monotonic() - started:.0f}s")
    return 0 if topics.agree else 1


def _tail_back(topic: str, bootstrap: str, limit: int, client: dict[str, str]) -> int:
    """Print the first ``limit`` records of ``topic`` (as `giftlive tail --from-beginning` does)."""
    from replay.tail import tail

    buffer = io.StringIO()
    shown = tail(topic, bootstrap, from_beginning=True, limit=limit, timeout_s=15, out=buffer, client=client)
    print(buffer.getvalue(), end="")
    return shown

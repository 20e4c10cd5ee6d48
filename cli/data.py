"""`giftlive data convert|synth|stats`: KuaiLive files in, canonical event log or statistics out."""

from __future__ import annotations

import argparse
from pathlib import Path


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser(
        "data",
        help="convert, synthesize or describe KuaiLive-format data",
        description="Work with KuaiLive-format directories (the real dataset or a synthetic world).",
    )
    data_sub = parser.add_subparsers(dest="data_command", required=True, metavar="ACTION")

    convert = data_sub.add_parser(
        "convert",
        help="KuaiLive CSV directory -> canonical event-time-ordered Parquet event log",
        description=(
            "Read click/gift/like/comment/negative/room CSVs in the published KuaiLive schema and write one "
            "event log ordered by event time: room_start, room_end, impression, click, dwell (click + "
            "watch_live_time), like, comment, gift. Malformed rows are counted by reason and written to a "
            "rejects file next to the output."
        ),
    )
    convert.add_argument(
        "directory", type=Path, help="KuaiLive directory (click.csv, gift.csv, room.csv, ...)"
    )
    convert.add_argument("--out", type=Path, required=True, help="output event log, e.g. events.parquet")
    convert.add_argument(
        "--rejects", type=Path, default=None, help="rejected rows file (default: OUT with .rejects.parquet)"
    )
    convert.set_defaults(run=_run_convert)

    synth = data_sub.add_parser(
        "synth",
        help="write a synthetic KuaiLive world (files + ground truth) calibrated to the published statistics",
        description=(
            "Sample a synthetic KuaiLive world from an explicit latent model and write it in the exact "
            "KuaiLive schema, plus DIR/truth/ (the model itself: P(gift), expected amount and responses for "
            "any "
            "(user, streamer, time), and the logging policy's propensities). Full scale: --users 23772 "
            "--streamers 452621 --days 21."
        ),
    )
    synth.add_argument("--out", type=Path, required=True, help="directory to write (created if missing)")
    synth.add_argument("--users", type=int, default=None, help="number of users (default: demo scale)")
    synth.add_argument(
        "--streamers", type=int, default=None, help="number of streamers (default: demo scale)"
    )
    synth.add_argument("--days", type=int, default=None, help="days of logs (default: 21)")
    synth.add_argument("--seed", type=int, default=7, help="random seed; the same seed gives the same files")
    synth.add_argument(
        "--capacity-median",
        type=float,
        default=None,
        metavar="V",
        help="median viewers a streamer takes before gifting saturates (default: 200; e.g. 20 for a world "
        "where capacity binds). The organic log is the same for any value: saturation acts on the "
        "simulator's counterfactual exposures",
    )
    synth.set_defaults(run=_run_synth)

    stats = data_sub.add_parser(
        "stats",
        help="gift, concentration, delay and watch-time statistics of a KuaiLive-format directory",
        description="Compute the published KuaiLive statistics for a real or synthetic directory.",
    )
    stats.add_argument("directory", type=Path, help="KuaiLive-format directory")
    stats.add_argument("--json", action="store_true", help="print one JSON object instead of a table")
    stats.set_defaults(run=_run_stats)


def _run_convert(args: argparse.Namespace) -> int:
    from replay.kuailive_convert import convert, print_report

    report = convert(args.directory, args.out, rejects_path=args.rejects, progress=True)
    print_report(report)
    return 0


def _run_synth(args: argparse.Namespace) -> int:
    from cli.synth_args import run_synth

    return run_synth(args)


def _run_stats(args: argparse.Namespace) -> int:
    from replay.kuailive_stats import compute_stats, format_stats

    stats = compute_stats(args.directory)
    if args.json:
        import orjson

        print(orjson.dumps(stats, option=orjson.OPT_INDENT_2).decode())
    else:
        print(format_stats(stats))
    return 0

"""`giftlive data synth`: argument checks, the run, and a summary a person can read."""

from __future__ import annotations

import argparse

from giftlive.errors import UserError
from replay.synth.params import WorldParams
from replay.synth.world import synthesize


def params_from_args(args: argparse.Namespace) -> WorldParams:
    changes = {k: getattr(args, k) for k in ("users", "streamers", "days") if getattr(args, k) is not None}
    for name, value in changes.items():
        if value < 1:
            raise UserError(f"--{name} must be a positive integer, got {value}")
    capacity = getattr(args, "capacity_median", None)
    if capacity is not None:
        if not capacity > 0:
            raise UserError(f"--capacity-median must be a positive number of viewers, got {capacity}")
        changes["capacity_median"] = capacity
    return WorldParams(seed=args.seed).scaled(**changes)


def run_synth(args: argparse.Namespace) -> int:
    params = params_from_args(args)
    if args.out.exists() and not args.out.is_dir():
        raise UserError(f"--out {args.out} exists and is not a directory; choose a directory path")
    try:
        args.out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UserError(
            f"--out {args.out}: cannot create the directory ({exc.strerror}); choose another"
        ) from None
    report = synthesize(args.out, params, progress=True)
    print(
        f"wrote {report.directory}: {report.rooms:,} rooms, {report.impressions:,} impressions, "
        f"{report.clicks:,} clicks (+{report.lost_clicks:,} lost from the log), {report.gifts:,} gifts, "
        f"{report.likes:,} likes, {report.comments:,} comments in {report.seconds:.1f}s\n"
        f"files: {', '.join(report.files)}; ground truth in {report.directory / 'truth'}\n"
        f"next: giftlive data stats {report.directory}"
    )
    return 0

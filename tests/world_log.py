"""A small synthetic world converted to the canonical event log, as `giftlive data synth` and `giftlive
data convert` make it: for tests that need realistic traffic rather than tests/fake_events.py."""

from __future__ import annotations

from pathlib import Path

from replay.kuailive_convert import convert
from replay.synth.params import WorldParams
from replay.synth.world import synthesize


def world_event_log(directory: Path, users: int, streamers: int, days: int, seed: int) -> Path:
    synthesize(directory, WorldParams(users=users, streamers=streamers, days=days, seed=seed), progress=False)
    return convert(directory, directory / "events.parquet").out_path

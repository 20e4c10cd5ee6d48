"""On a synthetic world with delayed gifts, the survival-corrected gift probabilities at the 1-minute point
add up to the gifts that finally arrive (within ±3%), while counting "not yet" as 0 falls clearly short."""

from __future__ import annotations

from pathlib import Path

import pyarrow.parquet as pq
import pytest
from bytewax.testing import run_main

from evaluation.label_correction import correction_check
from flows.dataflow import build_flow
from flows.settings import FlowSettings
from replay.kuailive_convert import convert
from replay.synth.params import WorldParams
from replay.synth.world import synthesize


@pytest.mark.slow
def test_survival_corrected_early_labels_are_unbiased(tmp_path: Path):
    synthesize(tmp_path / "world", WorldParams(users=2_000, streamers=30_000, days=7, seed=1), progress=False)
    events = convert(tmp_path / "world", tmp_path / "events.parquet").out_path
    # Labels only: neither the decision stage nor the online model changes a label (tests/flows/
    # test_workers.py), and they are the slow parts.
    settings = FlowSettings(
        events_path=Path(events), out_dir=tmp_path / "flow", decisions=False, online_model=False
    )
    run_main(build_flow(settings))

    check = correction_check(pq.read_table(tmp_path / "flow" / "labels.parquet"), "60s")
    print(check.summary())
    assert check.final_gifted > 1_000
    assert abs(check.corrected_ratio - 1) <= 0.03
    assert check.naive_ratio < 0.95  # the bias being corrected is real in this world

"""StagePipeline: the stages driven in one process give exactly the dataflow's outputs."""

from pathlib import Path

from flows.settings import FlowSettings
from flows.stages.pipeline import StagePipeline
from flows.stages.protocol import DECISION, LABEL, PREDICTION, TRAINING
from tests.fake_events import fake_event_table
from tests.flow_harness import raw_records, run_flow


def test_the_plain_loop_writes_what_the_dataflow_writes():
    events = fake_event_table(3_000, span_s=7200, seed=3).to_pylist()
    events = [{k: v for k, v in e.items() if v is not None} for e in events]
    flow = run_flow(events, partitions=2, batch_size=50)
    got: dict[str, list] = {}
    settings = FlowSettings(events_path=Path("in-memory"), out_dir=Path("unused"))
    pipeline = StagePipeline(
        settings, senders=2, on_output=lambda kind, rows: got.setdefault(kind, []).extend(rows)
    )
    records = raw_records(events, partitions=2)
    for i in range(0, len(records), 50):
        pipeline.feed(records[i : i + 50])
    pipeline.finish()
    assert flow.decisions and flow.labels and flow.training
    for kind, expected in ((DECISION, flow.decisions), (LABEL, flow.labels), (TRAINING, flow.training)):
        key = {DECISION: "decision_id", LABEL: "label_id", TRAINING: "click_id"}[kind]
        assert sorted(got[kind], key=lambda r: r[key]) == sorted(expected, key=lambda r: r[key])
    assert len(got[PREDICTION]) == len(flow.predictions) == len(flow.training)

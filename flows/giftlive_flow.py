"""Entry point for `python -m bytewax.run flows.giftlive_flow:flow`; settings come from the environment
(see flows.settings for the variables), e.g.

    KAFKA_BOOTSTRAP=127.0.0.1:9092 python -m bytewax.run flows.giftlive_flow:flow
    GIFTLIVE_EVENTS=runs/demo/events.parquet GIFTLIVE_OUT=runs/flow \\
        python -m bytewax.run flows.giftlive_flow:flow
"""

from flows.dataflow import build_flow
from flows.runner import tune_gc
from flows.settings import FlowSettings

tune_gc()
flow = build_flow(FlowSettings.from_env())

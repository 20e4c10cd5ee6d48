"""The flow's steps as plain objects (no Bytewax): decode, then the streamer, user, label and decision
stages. The dataflow (flows/dataflow.py), the plain loop (``StagePipeline``), the simulator and the tests
all drive these same objects; ``protocol`` says what they send each other.

The public names are re-exported lazily: importing ``flows.stages.protocol`` (as the outputs table and the
CLI do) must not load the stages' models (river, LightGBM)."""

from importlib import import_module
from typing import Any

_WHERE = {
    "Stage": "flows.stages.base",
    "DecisionStage": "flows.stages.decision",
    "RawRecord": "flows.stages.decode",
    "decode_batch": "flows.stages.decode",
    "StageFactory": "flows.stages.factory",
    "LabelStage": "flows.stages.label",
    "StagePipeline": "flows.stages.pipeline",
    "Packet": "flows.stages.protocol",
    "StreamerStage": "flows.stages.streamer",
    "UserStage": "flows.stages.user",
}
__all__ = sorted(_WHERE)


def __getattr__(name: str) -> Any:
    if name not in _WHERE:
        raise AttributeError(f"module 'flows.stages' has no attribute {name!r}")
    return getattr(import_module(_WHERE[name]), name)

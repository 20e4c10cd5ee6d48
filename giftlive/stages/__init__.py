"""The flow's steps as plain objects: decode, streamer stage, user stage, label stage,
decision stage.

The Bytewax dataflow (flows/), the benchmark's plain loop and the tests all drive these same objects.
Items between steps are ``(key, payload)`` pairs: a shard key and a Packet, or DEAD_LETTER / LABEL /
TRAINING / DECISION / PREDICTION and a list of records.
"""

from typing import Any, NamedTuple

DEAD_LETTER = "!dead"
LABEL = "!label"
TRAINING = "!training"
DECISION = "!decision"
PREDICTION = "!prediction"

DECISION_STAGE_KEY = "d0"  # the one decision stage


class Packet(NamedTuple):
    """Events from one sender to one receiving shard, with the sender's watermark: it will send nothing
    older than ``watermark`` again. The receiver index rides along: Bytewax logic does not know its key."""

    receiver: int
    sender: int
    watermark: int
    events: list[dict[str, Any]]

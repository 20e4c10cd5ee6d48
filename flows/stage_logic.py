"""Bytewax glue for a stage object: build it on the first packet, feed it batches, snapshot it pickled."""

from __future__ import annotations

import pickle
from collections.abc import Callable
from typing import Any

from bytewax.operators import StatefulBatchLogic

from giftlive.stages import Packet


class StageLogic(StatefulBatchLogic[Packet, tuple[str, Any], bytes]):
    """Holds one shard's stage; the snapshot is the pickled stage, so resuming restores due times too."""

    def __init__(self, make_stage: Callable[[int], Any], resume: bytes | None) -> None:
        self._make = make_stage
        self._stage = pickle.loads(resume) if resume is not None else None

    def on_batch(self, values: list[Packet]) -> tuple[list[tuple[str, Any]], bool]:
        if self._stage is None:
            self._stage = self._make(values[0].receiver)
        return self._stage.on_packets(values), StatefulBatchLogic.RETAIN

    def on_eof(self) -> tuple[list[tuple[str, Any]], bool]:
        if self._stage is None:
            return [], StatefulBatchLogic.RETAIN
        return self._stage.on_eof(), StatefulBatchLogic.RETAIN

    def snapshot(self) -> bytes:
        return pickle.dumps(self._stage, protocol=pickle.HIGHEST_PROTOCOL)


def builder(make_stage: Callable[[int], Any]) -> Callable[[bytes | None], StageLogic]:
    return lambda resume: StageLogic(make_stage, resume)

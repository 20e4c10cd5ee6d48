"""Bytewax glue for a stage object (build it on the first packet, feed it batches, snapshot it pickled) and
for decode's per-partition clocks."""

from __future__ import annotations

import pickle
from collections.abc import Callable
from typing import Any

from bytewax.operators import StatefulBatchLogic

from flows.metrics import FlowMetrics
from flows.stages.decode import PartitionClock, RawRecord
from flows.stages.protocol import Packet


class StageLogic(StatefulBatchLogic[Packet, tuple[str, Any], bytes]):
    """Holds one shard's stage; the snapshot is the pickled stage, so resuming restores due times too.

    Bytewax asks every touched key for a snapshot at every epoch even when no recovery store is configured;
    a run that knows it has none (``snapshots=False``) skips the pickling, which is most of a shard's cost
    per epoch on big state.
    """

    def __init__(
        self,
        make_stage: Callable[[int], Any],
        resume: bytes | None,
        snapshots: bool,
        metrics: FlowMetrics | None = None,
    ) -> None:
        self._make = make_stage
        self._snapshots = snapshots
        self._metrics = metrics
        self._stage = _restore(resume)

    def on_batch(self, values: list[Packet]) -> tuple[list[tuple[str, Any]], bool]:
        if self._stage is None:
            self._stage = self._make(values[0].receiver)
        out = self._stage.on_packets(values)
        if self._metrics is not None:
            self._metrics.stage_sizes(self._stage, values[0].receiver)
        return out, StatefulBatchLogic.RETAIN

    def on_eof(self) -> tuple[list[tuple[str, Any]], bool]:
        if self._stage is None:
            return [], StatefulBatchLogic.RETAIN
        return self._stage.on_eof(), StatefulBatchLogic.RETAIN

    def snapshot(self) -> bytes:
        return _dump(self._stage, self._snapshots)


class DecodeLogic(StatefulBatchLogic[RawRecord, tuple[str, Any], bytes]):
    """Decodes one input partition's records (the key is the partition), keeping its PartitionClock across
    batches and a resume, so whether an event is late or in the future depends on the partition's order."""

    def __init__(self, decode: Callable[..., list], resume: bytes | None, snapshots: bool) -> None:
        self._decode = decode  # decode(records, clocks) -> items
        self._snapshots = snapshots
        self._clocks: dict[int, PartitionClock] = _restore(resume) or {}

    def on_batch(self, values: list[RawRecord]) -> tuple[list[tuple[str, Any]], bool]:
        return self._decode(values, self._clocks), StatefulBatchLogic.RETAIN

    def snapshot(self) -> bytes:
        return _dump(self._clocks, self._snapshots)


_NO_SNAPSHOT = b""


def _dump(state: Any, snapshots: bool) -> bytes:
    """The pickled state, or a marker that says the run keeps none (``_restore`` refuses to resume it)."""
    return pickle.dumps(state, protocol=pickle.HIGHEST_PROTOCOL) if snapshots else _NO_SNAPSHOT


def _restore(resume: bytes | None) -> Any:
    if resume == _NO_SNAPSHOT:
        raise RuntimeError(
            "the recovery store holds no stage state: it was written by a run with snapshots off "
            "(GIFTLIVE_SNAPSHOTS=0); start from an empty recovery directory"
        )
    return pickle.loads(resume) if resume is not None else None


def builder(
    make_stage: Callable[[int], Any], snapshots: bool = True, metrics: FlowMetrics | None = None
) -> Callable[[bytes | None], StageLogic]:
    return lambda resume: StageLogic(make_stage, resume, snapshots, metrics)


def decode_builder(
    decode: Callable[..., list], snapshots: bool = True
) -> Callable[[bytes | None], DecodeLogic]:
    return lambda resume: DecodeLogic(decode, resume, snapshots)

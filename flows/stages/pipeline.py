"""The flow's stages in one process without Bytewax: decode a batch, then hand every keyed stage its packets
in one call, stage by stage in dataflow order (streamer, user, label, decision). The benchmark's plain loop,
the tests and the simulator drive the stages through it; the outputs are the dataflow's."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flows.settings import FlowSettings
from flows.stages.decode import PartitionClock, RawRecord, decode_batch, forwarded_types, to_streamer_shards
from flows.stages.factory import StageFactory
from flows.stages.protocol import (
    DEAD_LETTER,
    DECISION,
    LABEL,
    PREDICTION,
    TRAINING,
    decision_key,
    is_output,
    label_key,
    streamer_key,
    user_key,
)

OUTPUT_KINDS = (LABEL, TRAINING, DEAD_LETTER, DECISION, PREDICTION)
OnOutput = Callable[[str, list[dict[str, Any]]], None]


class StagePipeline:
    """Counts the output records by kind and hands them to ``on_output(kind, records)`` when given."""

    ORDER = ("s", "u", "l", "d")  # key prefixes of the keyed stages, upstream first

    def __init__(
        self,
        settings: FlowSettings,
        senders: int = 1,
        on_output: OnOutput | None = None,
        impressions: bool = False,
    ) -> None:
        """``impressions``: forward impressions to the user stage even without a decision stage (the
        simulator decides outside the pipeline, and the value policy reads users' impression counts)."""
        n, decide = settings.shards, settings.decisions
        self.shards, self.lateness_ms, self.decisions = n, settings.lateness_ms, decide
        self.forwarded = forwarded_types(decide or impressions)
        self.on_output = on_output
        self.clocks: dict[int, PartitionClock] = {}  # decode's state: each partition's newest event time
        self.keyed: dict[str, Any] = {}
        stages = StageFactory(settings, senders)
        for i in range(n):
            self.keyed[streamer_key(i)] = stages.streamer(i)
        for j in range(n):
            self.keyed[user_key(j)] = stages.user(j)
        for m in range(settings.label_shards):
            self.keyed[label_key(m)] = stages.label(m)
        if decide:
            for k in range(settings.deciders):
                self.keyed[decision_key(k)] = stages.decision(k)
        self.counts = dict.fromkeys(OUTPUT_KINDS, 0)

    def _output(self, kind: str, records: list[dict[str, Any]]) -> None:
        self.counts[kind] += len(records)
        if self.on_output is not None:
            self.on_output(kind, records)

    def _run(self, items: list[tuple[str, Any]], first: int = 0) -> None:
        """Output the records among ``items``; pass the packets down the stages from ``ORDER[first]`` on."""
        for prefix in self.ORDER[first:]:
            by_key: dict[str, list[Any]] = {}
            later: list[tuple[str, Any]] = []
            for key, payload in items:
                if is_output(key):
                    self._output(key, payload)
                elif key[0] == prefix:
                    by_key.setdefault(key, []).append(payload)
                else:
                    later.append((key, payload))
            for key, packets in by_key.items():
                later.extend(self.keyed[key].on_packets(packets))
            items = later
        for key, payload in items:
            self._output(key, payload)

    def feed(self, batch: list[RawRecord]) -> None:
        """One batch of raw records, as the dataflow's source would hand it."""
        self._run(decode_batch(batch, self.shards, self.lateness_ms, self.decisions, self.clocks))

    def feed_events(self, events: list[dict[str, Any]], watermark: int, partition: int = 0) -> None:
        """Events already decoded (valid, in time order within ``partition``), with the partition's promise
        to send nothing older than ``watermark`` again: a caller that makes its own events (the simulator)
        moves event time exactly."""
        self._run(to_streamer_shards(events, partition, watermark, self.shards, self.forwarded))

    def finish(self) -> None:
        """End of input: every stage releases what it holds, upstream first."""
        for depth, prefix in enumerate(self.ORDER):
            ended: list[tuple[str, Any]] = []
            for key, stage in self.keyed.items():
                if key[0] == prefix:
                    ended.extend(stage.on_eof())
            self._run(ended, depth + 1)

    def stages(self) -> list[Any]:
        return list(self.keyed.values())

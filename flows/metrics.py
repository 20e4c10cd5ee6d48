"""The flow's Prometheus metrics (`giftlive run --metrics-port N`), served by prometheus-client.

Like Progress, it lives beside the dataflow, one per process and shared by its worker threads, never in the
stages' state: the dataflow's glue (flows/dataflow.py, flows/stage_logic.py) reports to it. Names:

    giftlive_records_consumed_total           records read from the source, valid or not
    giftlive_events_total{type}               valid events handed to the stages, by type
    giftlive_dead_letters_total{reason}       dead letters, by the reason's first word (late, duplicate, ...)
    giftlive_outputs_total{kind}              records written, by output (decisions, labels, training, ...)
    giftlive_decisions_total                  decisions written (decisions/s: rate(...[1m]))
    giftlive_event_time_watermark_ms          the newest watermark the source's partitions promised
    giftlive_event_time_newest_ms             the newest valid event time read
    giftlive_event_time_lag_ms                newest event time - watermark
    giftlive_state_entries{stage,shard,part}  entries held by each stage shard (users, label windows, ...)
    giftlive_decision_latency_seconds         wall time from a request read to its decision handed to the sink

A request decided in another process than the one that read it has no latency sample (each process knows
only the requests it read).
"""

from __future__ import annotations

import threading
import time
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, start_http_server

from flows.outputs import OUTPUT_BY_KIND
from flows.stages.base import Stage
from flows.stages.protocol import DEAD_LETTER, DECISION
from giftlive.events import EventType

REQUEST_TYPES = (EventType.IMPRESSION, EventType.CLICK)  # the events the decision stage answers
_MAX_PENDING = 200_000  # requests read and not yet decided that latency remembers (the oldest are dropped)
_STATE_EVERY_S = 2.0  # a stage shard reports its sizes at most this often


class FlowMetrics:
    def __init__(self, latency: bool = True, registry: CollectorRegistry | None = None) -> None:
        """``latency``: time requests to their decisions (False for a flow without a decision stage)."""
        self.track_latency = latency
        self.registry = registry if registry is not None else CollectorRegistry()
        r = self.registry
        self.records = Counter("giftlive_records_consumed", "Records read from the source", registry=r)
        self.events = Counter("giftlive_events", "Valid events handed to the stages", ["type"], registry=r)
        self.dead_letters = Counter("giftlive_dead_letters", "Dead letters", ["reason"], registry=r)
        self.outputs = Counter("giftlive_outputs", "Records written, by output", ["kind"], registry=r)
        self.decisions = Counter("giftlive_decisions", "Decisions written", registry=r)
        self.watermark = Gauge("giftlive_event_time_watermark_ms", "Newest source watermark", registry=r)
        self.newest = Gauge("giftlive_event_time_newest_ms", "Newest valid event time read", registry=r)
        self.lag = Gauge("giftlive_event_time_lag_ms", "Newest event time minus the watermark", registry=r)
        self.state = Gauge(
            "giftlive_state_entries", "Entries held by a stage shard", ["stage", "shard", "part"], registry=r
        )
        self.latency = Histogram(
            "giftlive_decision_latency_seconds",
            "Wall time from a request read to its decision handed to the sink",
            buckets=(0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1.0, 5.0, 10.0, 60.0),
            registry=r,
        )
        self._lock = threading.Lock()
        self._read_at: dict[str, float] = {}  # request id -> wall time it was read
        self._stage_at: dict[tuple[str, int], float] = {}
        self._newest = self._watermark = 0  # event times (ms) behind the two gauges
        self._server: Any = None

    def serve(self, port: int, host: str = "0.0.0.0") -> None:
        """Serve /metrics on ``port`` in a daemon thread."""
        self._server, _thread = start_http_server(port, addr=host, registry=self.registry)

    def close(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def read(self, records: int, events: list[dict[str, Any]], watermark: int | None) -> None:
        """A decoded batch: ``records`` read, the valid ``events`` among them, the newest watermark."""
        self.records.inc(records)
        now = time.monotonic()
        counts: dict[int, int] = {}
        newest = None
        with self._lock:
            for event in events:
                kind = event["type"]
                counts[kind] = counts.get(kind, 0) + 1
                if kind in REQUEST_TYPES and self.track_latency:
                    self._read_at[event["id"]] = now
                newest = event["ts"] if newest is None or event["ts"] > newest else newest
            if len(self._read_at) > _MAX_PENDING:  # requests that will never be decided (no decisions)
                for request_id in list(self._read_at)[: len(self._read_at) - _MAX_PENDING]:
                    del self._read_at[request_id]
            if newest is not None and newest > self._newest:
                self._newest = newest
            if watermark is not None and watermark > self._watermark:
                self._watermark = watermark
            newest_ms, watermark_ms = self._newest, self._watermark
        for kind, count in counts.items():
            self.events.labels(EventType(kind).name.lower()).inc(count)
        self.newest.set(newest_ms)
        if watermark_ms:
            self.watermark.set(watermark_ms)
            self.lag.set(max(0, newest_ms - watermark_ms))

    def wrote(self, kind: str, records: list[dict[str, Any]]) -> None:
        """Records handed to an output's sink."""
        self.outputs.labels(OUTPUT_BY_KIND[kind].name).inc(len(records))
        if kind == DEAD_LETTER:
            for record in records:
                self.dead_letters.labels(_reason_word(record["reason"])).inc()
        elif kind == DECISION:
            self.decisions.inc(len(records))
            now = time.monotonic()
            with self._lock:
                read_at = [self._read_at.pop(r["request_id"], None) for r in records]
            for at in read_at:
                if at is not None:
                    self.latency.observe(now - at)

    def stage_sizes(self, stage: Stage, shard: int) -> None:
        """A stage shard's state sizes, counted at most every few seconds per shard (not every batch)."""
        now = time.monotonic()
        key = (stage.name, shard)
        if now - self._stage_at.get(key, 0.0) < _STATE_EVERY_S:
            return
        self._stage_at[key] = now
        for part, size in stage.sizes().items():
            self.state.labels(stage.name, str(shard), part).set(size)


def _reason_word(reason: str) -> str:
    """A dead letter's reason as a label: its first word (late, duplicate, future, not, ...)."""
    words = reason.split(":", 1)[0].split()
    return words[0] if words else "unknown"

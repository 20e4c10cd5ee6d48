"""Bytewax's KafkaSource with two duties added per partition: a broker that stays unreachable ends the run
(replay/broker_watch.py), and, when tailing, a partition that has received nothing for ``idle_after_s`` of
wall time says so with an ``idle`` control record, so that it stops holding back the event time of the
others (giftlive/stream_time.py). Records it receives later that are older than what the others released
are dead-lettered as late."""

from __future__ import annotations

import time
from typing import Any

from bytewax.connectors.kafka import KafkaSource, KafkaSourceMessage
from bytewax.inputs import StatefulSourcePartition

from giftlive.events import CONTROL_HEADER, IDLE
from replay.broker_watch import BrokerWatch


class WatchedKafkaSource(KafkaSource):
    def __init__(
        self,
        brokers: list[str],
        topics: list[str],
        watch: BrokerWatch,
        idle_after_s: float | None = None,
        add_config: dict[str, Any] | None = None,
        **options: Any,
    ) -> None:
        super().__init__(
            brokers, topics, add_config={**(add_config or {}), **watch.consumer_settings()}, **options
        )
        self._watch = watch
        self._idle_after_s = idle_after_s

    def build_part(self, step_id: str, for_part: str, resume_state: int | None) -> _WatchedPartition:
        index, topic = for_part.split("-", 1)
        inner = super().build_part(step_id, for_part, resume_state)
        return _WatchedPartition(inner, self._watch, self._idle_after_s, topic, int(index))


class _WatchedPartition(StatefulSourcePartition[Any, Any]):
    def __init__(
        self, inner: Any, watch: BrokerWatch, idle_after_s: float | None, topic: str, index: int
    ) -> None:
        self._inner = inner
        self._watch = watch
        self._idle_after_s = idle_after_s
        self._topic, self._index = topic, index
        self._last_record = time.monotonic()
        self._idle = False

    def next_batch(self) -> list[Any]:
        batch = self._inner.next_batch()
        now = time.monotonic()
        if batch:
            self._watch.saw_traffic()
            self._last_record, self._idle = now, False
            return batch
        self._watch.check()
        if (
            self._idle_after_s is not None
            and not self._idle
            and now - self._last_record >= self._idle_after_s
        ):
            self._idle = True
            marker = KafkaSourceMessage(
                key=None,
                value=None,
                topic=self._topic,
                headers=[(CONTROL_HEADER, IDLE.encode())],
                offset=-1,
                partition=self._index,
            )
            return [marker]
        return batch

    def next_awake(self) -> Any:
        return self._inner.next_awake()

    def snapshot(self) -> Any:
        return self._inner.snapshot()

    def close(self) -> None:
        self._inner.close()

"""Broker loss, noticed: librdkafka retries an unreachable broker for ever (printing a line per attempt),
so a run would hang silently, its outputs held back, while the broker is down. The flow's clients report to
a ``BrokerWatch`` instead:

- the consumers' error callback marks the broker down (all brokers down, transport errors) and records
  refused credentials; the source calls ``check`` on every empty poll: down for ``lost_after_s`` of wall
  time and a metadata probe still failing, it raises ``BrokerLost``; any record read marks it up again;
- the producers time out an undelivered record after ``lost_after_s`` (message.timeout.ms) and their
  delivery callback raises ``BrokerLost`` from the flush that waits for it.

Either way the run ends with one line; rerun it (with ``--recovery`` it resumes from its last snapshot and
the broker still holds what the run had not read)."""

from __future__ import annotations

import threading
import time
from typing import Any

from confluent_kafka import KafkaError, KafkaException

from replay.kafka_topics import metadata

LOST_AFTER_S = 30.0  # default: how long the broker may stay unreachable before the run gives up
_DOWN = (KafkaError._TRANSPORT, KafkaError._ALL_BROKERS_DOWN, KafkaError._RESOLVE)
SOCKET_TIMEOUT_MS = 10_000  # librdkafka's default, 60 s, is how long a hung broker goes unnoticed
_RESTART = "start it again and rerun (with --recovery the run resumes from its last snapshot)"


class BrokerLost(Exception):
    """The broker stayed unreachable (or refused us); the message is one line for the user."""


class BrokerWatch:
    def __init__(
        self, bootstrap: str, client: dict[str, str] | None = None, lost_after_s: float = LOST_AFTER_S
    ) -> None:
        self.bootstrap = bootstrap
        self.client = client or {}
        self.lost_after_s = lost_after_s
        self._lock = threading.Lock()
        self._down_since: float | None = None
        self._last_error = ""
        self._refused: str | None = None

    def on_error(self, error: KafkaError) -> None:
        """librdkafka's error callback (any client thread that polls)."""
        code = error.code()
        with self._lock:
            if code == KafkaError._AUTHENTICATION:
                self._refused = error.str()
            elif code in _DOWN:
                self._last_error = error.str()
                if self._down_since is None:
                    self._down_since = time.monotonic()

    def on_delivery(self, error: KafkaError | None, _message: Any) -> None:
        if error is not None:
            raise BrokerLost(
                f"Kafka at {self.bootstrap} did not take an output record within {self.lost_after_s:g} s "
                f"({error.str()}); {_RESTART}"
            )

    def saw_traffic(self) -> None:
        with self._lock:
            self._down_since = None

    def check(self) -> None:
        """Raise BrokerLost when the broker refused us, or has been down for ``lost_after_s`` and a
        metadata probe confirms it."""
        with self._lock:
            refused, since, last = self._refused, self._down_since, self._last_error
        if refused is not None:
            raise BrokerLost(f"Kafka at {self.bootstrap} refused our credentials: {refused}")
        if since is None or time.monotonic() - since < self.lost_after_s:
            return
        try:
            metadata(self.bootstrap, timeout_s=2.0, client=self.client)
        except KafkaException:
            down = time.monotonic() - since
            raise BrokerLost(
                f"lost Kafka at {self.bootstrap}: no broker answered for {down:.0f} s ({last}); {_RESTART}"
            ) from None
        self.saw_traffic()  # it came back while nothing was read

    def consumer_settings(self) -> dict[str, Any]:
        """Report through this watch; librdkafka's own log stays quiet (the watch says what matters). A
        broker that hangs with its connections open (not closed) is seen after SOCKET_TIMEOUT_MS."""
        return {"error_cb": self.on_error, "log_level": 0, "socket.timeout.ms": SOCKET_TIMEOUT_MS}

    def producer_settings(self) -> dict[str, Any]:
        return {
            "socket.timeout.ms": SOCKET_TIMEOUT_MS,
            "error_cb": self.on_error,
            "on_delivery": self.on_delivery,
            "message.timeout.ms": int(self.lost_after_s * 1000),
            "log_level": 0,
        }


def broker_lost_in(exc: BaseException | None) -> BrokerLost | None:
    """The BrokerLost behind ``exc`` (Bytewax wraps a step's exception in its own), if any."""
    seen: set[int] = set()
    while exc is not None and id(exc) not in seen:
        if isinstance(exc, BrokerLost):
            return exc
        seen.add(id(exc))
        exc = exc.__cause__ or exc.__context__
    return None

"""Progress of a long flow run on stderr: records read, rate, event time reached, ETA when the total is known.

Display only: it lives beside the dataflow (one per process, shared by its worker threads), not in its state.
"""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime
from typing import TextIO


class Progress:
    def __init__(self, out: TextIO, total: int | None = None, every_s: float = 5.0) -> None:
        self._out, self._total, self._every = out, total, every_s
        self._lock = threading.Lock()
        self._records = 0
        self._event_time: int | None = None
        self._start = self._last = time.monotonic()

    def add(self, records: int, event_time: int | None) -> None:
        """Count ``records`` read, the newest event time among them; print a line every few seconds."""
        with self._lock:
            self._records += records
            if event_time is not None and (self._event_time is None or event_time > self._event_time):
                self._event_time = event_time
            now = time.monotonic()
            if now - self._last >= self._every:
                self._last = now
                self._print(now)

    def _print(self, now: float) -> None:
        elapsed = max(now - self._start, 1e-9)
        rate = self._records / elapsed
        when = (
            "-"
            if self._event_time is None
            else f"{datetime.fromtimestamp(self._event_time / 1000, UTC):%Y-%m-%d %H:%M}"
        )
        line = f"[{elapsed:7.1f}s] {self._records:,}"
        if self._total:
            eta = (self._total - self._records) / rate if rate > 0 else 0.0
            line += f" / {self._total:,} records read ({rate:,.0f}/s), event time {when} UTC, ETA {eta:.0f}s"
        else:
            line += f" records read ({rate:,.0f}/s), event time {when} UTC"
        print(line, file=self._out, flush=True)

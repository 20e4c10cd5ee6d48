"""Process settings for running the dataflow.

The flow holds millions of small long-lived objects (users, pairs, open windows, pending events) and
allocates several per event. With CPython's default GC thresholds (700, 10, 10) the collector runs every
few hundred events and its older generations keep re-walking that growing state; on the demo world in
Kafka mode the default settings cost a quarter of the run time (41 s vs 31 s for the first 1.5M events).
The state holds no reference cycles worth collecting early, so collect far less often.
"""

from __future__ import annotations

import gc

GC_THRESHOLDS = (50_000, 20, 100)


def tune_gc() -> None:
    """Collect garbage less often (see the module docstring); call once per process before running."""
    gc.set_threshold(*GC_THRESHOLDS)

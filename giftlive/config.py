"""The events topic and broker settings shared by every command (the output topics: flows/outputs.py)."""

from __future__ import annotations

import os

EVENTS_TOPIC = "giftlive.events"

DEFAULT_PARTITIONS = 4  # a multiple of any worker count up to 4, the sizes we run here


def bootstrap_from_env() -> str | None:
    """KAFKA_BOOTSTRAP points every command at a real cluster instead of the embedded broker."""
    value = os.environ.get("KAFKA_BOOTSTRAP", "").strip()
    return value or None

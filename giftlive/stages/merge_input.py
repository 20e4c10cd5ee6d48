"""Packets into a stage's WatermarkMerge, events out in order, and dead letters for what cannot go on:
late events (older than what the stage already released) and second copies of an event."""

from __future__ import annotations

from typing import Any

from giftlive.events import encode
from giftlive.stages import Packet
from giftlive.stages.decode import dead_letter
from giftlive.stream_time import END_OF_TIME, WatermarkMerge


def merge_packets(
    merge: WatermarkMerge, packets: list[Packet] | None, where: str
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(events released in order, dead letters); ``packets=None`` means end of input: release everything."""
    dead = []
    for packet in packets or ():
        floor = merge.senders[packet.sender]
        for event in merge.push(packet.sender, packet.watermark, packet.events):
            if floor >= END_OF_TIME:
                reason = f"late: after sender {packet.sender}'s end-of-partition marker, at {where}"
            else:
                reason = (
                    f"late: {floor - event['ts']} ms behind sender {packet.sender}'s watermark at {where}"
                )
            dead.append(dead_letter(reason, encode(event), where))
    released = merge.release() if packets is not None else merge.release_all()
    if merge.duplicates:
        for event in merge.duplicates:
            reason = f"duplicate: event {event['id']!r} at ts {event['ts']} is already in the stream"
            dead.append(dead_letter(reason, encode(event), where))
        merge.duplicates = []
    return released, dead

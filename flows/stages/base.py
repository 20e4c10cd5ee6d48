"""The skeleton every keyed stage shares: packets into its WatermarkMerge, events out in event-time order to
the stage's own ``advance``, and dead letters for what cannot go on: late events (older than what the stage
already released) and second copies of an event."""

from __future__ import annotations

from typing import Any

from flows.stages.protocol import DEAD_LETTER, Packet, dead_letter
from giftlive.events import encode
from giftlive.stream_time import END_OF_TIME, WatermarkMerge


class Stage:
    """A keyed stage: ``on_packets`` merges, calls ``advance`` with the released events, adds dead letters."""

    __slots__ = ("merge",)

    def __init__(self, senders: int) -> None:
        self.merge = WatermarkMerge(senders)

    @property
    def where(self) -> str:
        """Where a dead letter was made, for its ``source``."""
        raise NotImplementedError

    def advance(self, released: list[dict[str, Any]], dead: list[dict[str, Any]]) -> list[tuple[str, Any]]:
        """Output items for the events released in order; a stage may add dead letters to ``dead``."""
        raise NotImplementedError

    @property
    def name(self) -> str:
        """The stage's name in metrics."""
        raise NotImplementedError

    def sizes(self) -> dict[str, int]:
        """Entries of state held (metrics): events waiting for the watermarks, and the stage's own."""
        return {"pending_events": len(self.merge.pending)}

    def on_packets(self, packets: list[Packet] | None) -> list[tuple[str, Any]]:
        """Output items and ``(DEAD_LETTER, [records])``; ``None`` means end of input: release everything."""
        released, dead = merge_packets(self.merge, packets, self.where)
        out = self.advance(released, dead)
        if dead:
            out.append((DEAD_LETTER, dead))
        return out

    def on_eof(self) -> list[tuple[str, Any]]:
        return self.on_packets(None)


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

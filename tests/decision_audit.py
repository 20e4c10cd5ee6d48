"""Check decisions against the event log they answered, independently of the allocator's code: one decision
per request (impression or click), unique ids, every chosen room live at the request's time and belonging to
the stated streamer, 0 < propensity <= 1, the capacity and frequency caps respected and the reported load
equal to the allocations still held. A test helper: it re-implements the caps on purpose, as an oracle."""

from __future__ import annotations

from collections import defaultdict, deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq

from allocator.policy import PolicyConfig
from giftlive.events import EventType


@dataclass
class Audit:
    requests: int = 0
    decisions: int = 0
    problems: list[str] = field(default_factory=list)

    def fail(self, message: str) -> None:
        if len(self.problems) < 20:
            self.problems.append(message)

    @property
    def ok(self) -> bool:
        return not self.problems


def _flow_order(d: dict[str, Any]) -> tuple[int, int, str]:
    """The order the flow decides in: event time, then event type, then id (giftlive/stream_time.py)."""
    return d["ts"], int(EventType[d["request_type"].upper()]), d["request_id"]


def audit_decisions(decisions: list[dict[str, Any]], events: Path, config: PolicyConfig) -> Audit:
    log = pq.read_table(events, columns=["id", "type", "ts", "streamer_id", "live_id"])
    types = log["type"].to_numpy()
    ids = log["id"].to_pylist()
    ts = log["ts"].to_numpy()
    audit = Audit()
    requests = {ids[i] for i in range(len(ids)) if types[i] in (EventType.IMPRESSION, EventType.CLICK)}
    audit.requests = len(requests)
    started: dict[int, tuple[int, int]] = {}  # live -> (start ts, streamer)
    ended: dict[int, int] = {}
    for i in (types == EventType.ROOM_START).nonzero()[0].tolist():
        started.setdefault(int(log["live_id"][i].as_py()), (int(ts[i]), int(log["streamer_id"][i].as_py())))
    for i in (types == EventType.ROOM_END).nonzero()[0].tolist():
        ended.setdefault(int(log["live_id"][i].as_py()), int(ts[i]))

    seen: set[str] = set()
    by_request: set[str] = set()
    held: dict[int, deque[int]] = defaultdict(deque)  # streamer -> allocation times (ascending)
    pairs: dict[tuple[int, int], deque[int]] = defaultdict(deque)
    for d in sorted(decisions, key=_flow_order):
        audit.decisions += 1
        if d["decision_id"] in seen:
            audit.fail(f"decision id {d['decision_id']} appears twice")
        seen.add(d["decision_id"])
        if d["request_id"] in by_request:
            audit.fail(f"request {d['request_id']} has two decisions")
        by_request.add(d["request_id"])
        if d["request_id"] not in requests:
            audit.fail(f"decision {d['decision_id']} answers no impression or click of the log")
        if not 0 < d["propensity"] <= 1:
            audit.fail(f"decision {d['decision_id']}: propensity {d['propensity']} outside (0, 1]")
        if d["live_id"] is None:
            continue
        now, live, streamer = d["ts"], d["live_id"], d["streamer_id"]
        start = started.get(live)
        if start is None or start[0] > now or ended.get(live, now) < now:
            audit.fail(f"decision {d['decision_id']}: room {live} is not live at {now}")
        elif start[1] != streamer:
            audit.fail(f"decision {d['decision_id']}: room {live} belongs to {start[1]}, not {streamer}")
        if not config.capacity_viewers:  # hard caps on the allocator's own allocations (one shard)
            times = held[streamer]
            while times and times[0] <= now - config.hold_ms:
                times.popleft()
            if len(times) != d["load"]:
                audit.fail(
                    f"decision {d['decision_id']}: load {d['load']}, but {len(times)} allocations held"
                )
            if len(times) >= config.capacity:
                audit.fail(f"decision {d['decision_id']}: streamer {streamer} already holds {len(times)}")
            times.append(now)
        recent = pairs[(d["user_id"], streamer)]
        while recent and recent[0] <= now - config.pair_window_ms:
            recent.popleft()
        if len(recent) >= config.pair_cap:
            audit.fail(f"decision {d['decision_id']}: user {d['user_id']} got streamer {streamer} too often")
        recent.append(now)
    missing = len(requests - by_request)
    if missing:
        audit.fail(f"{missing} requests have no decision")
    return audit

"""A user's response to the room a policy showed, sampled from the world's truth with common random numbers:
every draw is keyed by (seed, request, streamer), so two policies that show the same streamer to the same
request get the same click, watch time and gifts, whatever else they did."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from giftlive.events import EventType
from replay.synth.population import hash_bits, hash_uniform
from replay.synth.truth import GroundTruth

_CLICK_STREAM = 1
_SESSION_STREAM = 2


def request_id(index: int) -> str:
    """The id of the world's request ``index`` (and of its impression); ``q`` keeps simulated ids apart from
    the organic log's row ids."""
    return f"nq{index}"


def request_index(request_id: str) -> int:
    return int(request_id[2:])


@dataclass
class Exposure:
    """One shown room: the request (its index among the world's requests), who, what, when."""

    request: int
    user_id: int
    streamer_id: int
    live_id: int
    ts: int
    room_end: int
    load: int  # viewers in the room when it was shown


@dataclass
class Responses:
    events: list[dict[str, Any]] = field(default_factory=list)  # in no particular order
    clicks: int = 0
    p_click: np.ndarray = field(default_factory=lambda: np.zeros(0))  # truth P(click | shown), per exposure
    value: np.ndarray = field(default_factory=lambda: np.zeros(0))  # truth P(click) x E[amount | click]
    value_unloaded: np.ndarray = field(default_factory=lambda: np.zeros(0))  # ... without saturation


def respond(truth: GroundTruth, seed: int, shown: list[Exposure]) -> Responses:
    """The impression, and for a click its session (click, dwell, gifts, likes, comments), of each exposure;
    with the truth's expected values of the exposures for the metrics."""
    out = Responses()
    if not shown:
        return out
    request = np.array([e.request for e in shown], dtype=np.int64)
    users = np.array([e.user_id for e in shown], dtype=np.int64)
    streamers = np.array([e.streamer_id for e in shown], dtype=np.int64)
    ts = np.array([e.ts for e in shown], dtype=np.int64)
    load = np.array([e.load for e in shown], dtype=np.float64)
    p_click = truth.p_click(users, streamers)
    out.p_click = p_click
    out.value = p_click * truth.expected_amount(users, streamers, ts, load)
    out.value_unloaded = p_click * truth.expected_amount(users, streamers, ts)
    clicked = hash_uniform(seed, request, streamers, _CLICK_STREAM) < p_click
    session_keys = hash_bits(seed, request, streamers, _SESSION_STREAM)
    events = out.events
    for i, exposure in enumerate(shown):
        events.append(_event(EventType.IMPRESSION, request_id(exposure.request), exposure, exposure.ts))
        if not clicked[i]:
            continue
        out.clicks += 1
        rng = np.random.default_rng(int(session_keys[i]))
        session = truth.sample_session(
            users[i : i + 1], streamers[i : i + 1], ts[i : i + 1], [exposure.room_end], rng, load[i : i + 1]
        )
        events.append(_event(EventType.CLICK, f"cq{exposure.request}", exposure, exposure.ts))
        watch = int(session.watch_ms[0])
        dwell = _event(EventType.DWELL, f"dq{exposure.request}", exposure, exposure.ts + watch)
        dwell["watch_ms"] = watch
        events.append(dwell)
        for k, (when, amount) in enumerate(
            zip(session.gift_ts.tolist(), session.gift_amount.tolist(), strict=True)
        ):
            gift = _event(EventType.GIFT, f"gq{exposure.request}.{k}", exposure, when)
            gift["amount"] = float(amount)
            events.append(gift)
        for k, when in enumerate(session.like_ts.tolist()):
            events.append(_event(EventType.LIKE, f"lq{exposure.request}.{k}", exposure, when))
        for k, when in enumerate(session.comment_ts.tolist()):
            events.append(_event(EventType.COMMENT, f"mq{exposure.request}.{k}", exposure, when))
    return out


def _event(kind: EventType, event_id: str, exposure: Exposure, ts: int) -> dict[str, Any]:
    return {
        "id": event_id,
        "type": kind,
        "ts": ts,
        "user_id": exposure.user_id,
        "streamer_id": exposure.streamer_id,
        "live_id": exposure.live_id,
    }

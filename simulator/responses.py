"""A user's response to the room a policy showed, sampled from the world's truth with common random numbers:
every draw is keyed by (seed, request, streamer), so two policies that show the same streamer to the same
request get the same click, watch time and gifts, whatever else they did."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from giftlive.counter_random import hash_bits, hash_uniform
from giftlive.events import EventType
from replay.synth.draws import KeyedDraws, rank_in_session
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
    """For each exposure, its impression when not clicked, else its session (click, dwell, gifts, likes,
    comments); with the truth's expected values of the exposures for the metrics."""
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
    per_gift = p_click * truth.amount_if_gift(users)  # expected_amount = p_gift x amount_if_gift
    out.value = per_gift * truth.p_gift(users, streamers, ts, load)
    out.value_unloaded = per_gift * truth.p_gift(users, streamers, ts)
    is_click = hash_uniform(seed, request, streamers, _CLICK_STREAM) < p_click
    clicked = np.flatnonzero(is_click)
    events = out.events
    # As in KuaiLive's logs: an impression is an exposure not clicked (negative.csv), a click is one clicked.
    events.extend(
        _event(EventType.IMPRESSION, request_id(e.request), e, e.ts)
        for e, click in zip(shown, is_click.tolist(), strict=True)
        if not click
    )
    out.clicks = int(clicked.size)
    if not clicked.size:
        return out
    keys = hash_bits(seed, request[clicked], streamers[clicked], _SESSION_STREAM)
    room_end = np.array([shown[i].room_end for i in clicked.tolist()], dtype=np.int64)
    session = truth.sample_session(
        users[clicked], streamers[clicked], ts[clicked], room_end, KeyedDraws(keys), load[clicked]
    )
    clicked_exposures = [shown[i] for i in clicked.tolist()]
    for exposure, watch in zip(clicked_exposures, session.watch_ms.tolist(), strict=True):
        events.append(_event(EventType.CLICK, f"cq{exposure.request}", exposure, exposure.ts))
        dwell = _event(EventType.DWELL, f"dq{exposure.request}", exposure, exposure.ts + watch)
        dwell["watch_ms"] = watch
        events.append(dwell)
    _items(
        events,
        EventType.GIFT,
        "gq",
        clicked_exposures,
        session.gift_click,
        session.gift_ts,
        session.gift_amount,
    )
    _items(events, EventType.LIKE, "lq", clicked_exposures, session.like_click, session.like_ts)
    _items(events, EventType.COMMENT, "mq", clicked_exposures, session.comment_click, session.comment_ts)
    return out


def _items(
    events: list[dict[str, Any]],
    kind: EventType,
    prefix: str,
    sessions: list[Exposure],
    owner: np.ndarray,
    when: np.ndarray,
    amount: np.ndarray | None = None,
) -> None:
    """A session's gifts, likes or comments as events, numbered within their session."""
    rank = rank_in_session(owner).tolist()
    amounts = amount.tolist() if amount is not None else None
    for k, (o, t) in enumerate(zip(owner.tolist(), when.tolist(), strict=True)):
        exposure = sessions[o]
        event = _event(kind, f"{prefix}{exposure.request}.{rank[k]}", exposure, t)
        if amounts is not None:
            event["amount"] = float(amounts[k])
        events.append(event)


def _event(kind: EventType, event_id: str, exposure: Exposure, ts: int) -> dict[str, Any]:
    return {
        "id": event_id,
        "type": kind,
        "ts": ts,
        "user_id": exposure.user_id,
        "streamer_id": exposure.streamer_id,
        "live_id": exposure.live_id,
    }

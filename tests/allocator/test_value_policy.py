"""The value-per-exposure policy through the allocator: exact propensities, a cold-start share set by the
floor and not by prior tails, the user's own pairs and click rates, reruns that repeat."""

from __future__ import annotations

from collections import Counter
from dataclasses import replace

import numpy as np
import orjson
import pytest

from allocator.allocator import Allocator
from allocator.policy import PolicyConfig
from giftlive.events import EventType

T0 = 1_746_374_400_000
NO_CAPS = {"capacity": 10**9, "pair_cap": 10**9}


def room(live: int, streamer: int) -> dict:
    return {
        "type": EventType.ROOM_START,
        "ts": T0 - 1,
        "id": f"r{live}",
        "live_id": live,
        "streamer_id": streamer,
    }


def request(rid: str, user: int = 1, profile: tuple | None = None, ts: int = T0) -> dict:
    item = {"type": EventType.IMPRESSION, "ts": ts, "id": rid, "user_id": user, "history": []}
    if profile is not None:
        item["profile"] = profile
    return item


def teach(allocator: Allocator, streamer: int, gifted: int, clicks: int) -> None:
    """``clicks`` final labels of ``streamer`` by many users, ``gifted`` of them with a gift."""
    for i in range(clicks):
        gift = i < gifted
        allocator.learn_label(
            {
                "kind": "final",
                "click_id": f"{streamer}-{i}",
                "user_id": 1000 + i,
                "streamer_id": streamer,
                "ts": T0 - 10,
                "gift_prob": float(gift),
                "amount": 10.0 if gift else 0.0,
                "count": int(gift),
            }
        )


def world(config: PolicyConfig, warm: int = 20, cold: int = 200) -> Allocator:
    """``warm`` streamers with 400 labelled clicks each (gift rates 0.5-5 %) and ``cold`` without labels."""
    allocator = Allocator(config)
    for s in range(warm):
        teach(allocator, s, gifted=2 + s, clicks=400)
    for s in range(warm + cold):
        allocator.start_room(room(10_000 + s, s))
    return allocator


def test_propensities_are_the_rooms_exact_probabilities():
    allocator = world(PolicyConfig(family="v", scoring="value", **NO_CAPS))
    decisions = [allocator.decide(request(f"q{i}")) for i in range(20_000)]
    shown = Counter(d["live_id"] for d in decisions)
    propensity = {d["live_id"]: d["propensity"] for d in decisions}
    assert all(orjson.loads(orjson.dumps(d)) == d for d in decisions[:100])  # plain JSON types, no numpy
    rooms, probabilities = allocator.last_distribution()
    assert probabilities.sum() == pytest.approx(1.0)
    assert dict(zip(rooms.tolist(), probabilities.tolist(), strict=True)) == pytest.approx(propensity)
    for live, p in propensity.items():
        assert shown[live] / len(decisions) == pytest.approx(p, abs=4 * np.sqrt(p / len(decisions)) + 1e-4)


def test_the_last_distribution_is_refused_once_a_room_started_or_ended_since():
    """It reads the live rooms as a view (no copy per request), which the next start or end rewrites."""
    allocator = world(PolicyConfig(family="v", scoring="value", **NO_CAPS))
    allocator.decide(request("q0"))
    before = allocator.last_distribution()
    allocator.start_room(room(99_999, 1))
    with pytest.raises(RuntimeError, match="since the last decision"):
        allocator.last_distribution()
    allocator.decide(request("q1"))
    assert allocator.last_distribution()[1].sum() == pytest.approx(before[1].sum())


def test_cold_start_exposure_is_the_floor_not_the_priors_tail():
    config = PolicyConfig(family="v", scoring="value", explore=0.1, **NO_CAPS)
    allocator = world(config)
    decisions = [allocator.decide(request(f"q{i}")) for i in range(4000)]
    cold_share = np.mean([d["cold_start"] for d in decisions])
    assert cold_share == pytest.approx(config.explore_rows / config.rows, abs=0.02)
    assert np.mean([d["explored"] for d in decisions]) == pytest.approx(cold_share)


def test_the_users_own_pair_and_click_rate_decide():
    allocator = world(PolicyConfig(family="v", scoring="value", sample=False, explore=0, **NO_CAPS))
    best = allocator.decide(request("q0", profile=((0, 0, 0, 0.0), {})))
    assert best["streamer_id"] == 19  # the highest gift rate
    # A user who gives to streamer 3 (a weak one) far above what 3 and the user predict, and clicks it.
    loyal = ((300, 100, 12, 600.0), {3: (2, 30, 10, 500.0)})
    assert allocator.decide(request("q1", profile=loyal))["streamer_id"] == 3
    # Shown streamer 3 forty times since the first click and never clicked again, no gifts: not worth it.
    ignored = ((300, 100, 12, 600.0), {3: (40, 1, 0, 0.0)})
    assert allocator.decide(request("q2", profile=ignored))["streamer_id"] == 19


def test_a_rerun_repeats_every_decision_and_the_draws_change_by_round():
    config = PolicyConfig(family="v", scoring="value", **NO_CAPS)
    one, two = world(config), world(config)
    first = [one.decide(request(f"q{i}")) for i in range(300)]
    assert first == [two.decide(request(f"q{i}")) for i in range(300)]
    later = [one.decide(request(f"q{i}", ts=T0 + config.round_ms)) for i in range(300)]
    assert [d["live_id"] for d in later] != [d["live_id"] for d in first]


def test_the_floor_reaches_each_of_its_rooms_as_its_propensity_says_for_ids_of_one_length():
    """The exploring row's pick must not depend on the row's hash: with a CRC of the same id for both, ids
    of one length reached only half of 8 cold-start rooms."""
    config = PolicyConfig(family="v", scoring="value", explore=0.1, **NO_CAPS)
    allocator = world(config, warm=20, cold=8)
    picks = Counter(allocator.decide(request(f"{i:012x}"))["streamer_id"] for i in range(8000))
    explored = {s: n for s, n in picks.items() if s >= 20}
    expected = 8000 * config.explore_rows / config.rows / 8
    assert len(explored) == 8
    assert all(abs(n - expected) < 5 * np.sqrt(expected) for n in explored.values())


def test_the_floor_explores_a_subset_that_changes_by_period_and_the_others_wait():
    """explore_share < 1: the floor serves the share of the live cold-start streamers (at least
    explore_min) with the lowest hash this period; the others win nothing, except for a user whose history
    holds them; the next period explores others, and their propensities stay exact."""
    day = 86_400_000
    config = PolicyConfig(family="v", scoring="value", explore_share=0.02, explore_min=3, **NO_CAPS)
    allocator = world(config, warm=20, cold=400)
    first = [allocator.decide(request(f"a{i}")) for i in range(4000)]
    explored = {d["streamer_id"] for d in first if d["explored"]}
    assert len(explored) == 8  # 2 % of 400 cold-start streamers
    assert all(d["streamer_id"] < 20 or d["streamer_id"] in explored for d in first)  # the others wait
    rooms, probabilities = allocator.last_distribution()
    cold = [p for r, p in zip(rooms.tolist(), probabilities.tolist(), strict=True) if r - 10_000 >= 20]
    assert sum(cold) == pytest.approx(config.explore_rows / config.rows) and len(cold) == 8
    waiting = next(s for s in range(20, 420) if s not in explored)
    fan = ((300, 100, 12, 600.0), {waiting: (2, 30, 10, 500.0)})  # gives to it, far above its prior
    assert allocator.decide(request("fan", profile=fan))["streamer_id"] == waiting
    later = [allocator.decide(request(f"b{i}", ts=T0 + day)) for i in range(4000)]
    again = {d["streamer_id"] for d in later if d["explored"]}
    assert len(again) == 8 and not again & explored
    few = world(PolicyConfig(family="v", scoring="value", explore_share=0.001, explore_min=3, **NO_CAPS))
    assert (
        len({d["streamer_id"] for d in (few.decide(request(f"c{i}")) for i in range(2000))} - set(range(20)))
        == 3
    )


@pytest.mark.parametrize(("explore_share", "kappa", "spenders"), [(1.0, 0.0, 0.0), (0.1, 1.0, 3.0)])
def test_scoring_the_rows_leaders_gives_what_scoring_every_room_gives(
    explore_share: float, kappa: float, spenders: float
):
    """The shortcut (allocator/row_leaders.py) against the definition, with rooms starting and ending,
    history rooms, frequency caps and capacity prices moving, over several rounds; with a floor that
    explores a subset, cold-start streamers waiting their turn among the history rooms too; with returns
    that bind on the big spenders only, for big and small spenders alike."""
    config = PolicyConfig(
        family="v",
        scoring="value",
        capacity=NO_CAPS["capacity"],
        pair_cap=1,
        capacity_viewers=3,
        explore_share=explore_share,
        concave_kappa=kappa,
        concave_spenders=spenders,
    )
    allocator = world(config, warm=60, cold=40)
    value = allocator.value
    rng = np.random.default_rng(4)
    live = {10_000 + s: s for s in range(100)}
    next_live, checked, fallbacks, binding = 20_000, 0, 0, Counter()
    for i in range(3000):
        ts = T0 + i * 1_000
        if i % 3 == 0:  # a room ends, another starts
            gone = int(rng.choice(list(live)))
            allocator.end_room({"type": EventType.ROOM_END, "ts": ts, "id": f"e{i}", "live_id": gone})
            del live[gone]
            streamer = int(rng.integers(0, 100))
            allocator.start_room(room(next_live, streamer) | {"ts": ts})
            live[next_live], next_live = streamer, next_live + 1
        if i % 50 == 0:  # viewer reports move the prices
            viewers = [(r, int(rng.integers(0, 6))) for r in rng.choice(list(live), 10)]
            allocator.observe_viewers(ts, viewers, (0, 1))
        history = {
            int(s): (int(rng.integers(0, 9)), int(rng.integers(1, 9)), int(rng.integers(0, 3)), 9.0)
            for s in rng.choice(100, int(rng.integers(0, 4)), replace=False)
        }
        spent = 2_000.0 if i % 3 == 1 else 20.0
        req = request(f"q{i}", user=int(rng.integers(0, 30)), profile=((40, 12, 1, spent), history), ts=ts)
        binding[value._weights(req, allocator.rooms)[2]] += 1
        blocked, _ = allocator._capped_positions(req["user_id"], ts)
        fast = value.choose(req, allocator.rooms, blocked)
        full = value.choose_over_every_room(req, allocator.rooms, blocked)
        np.testing.assert_array_equal(fast[0], full[0])
        np.testing.assert_allclose(fast[1], full[1])
        np.testing.assert_array_equal(fast[2].rooms, full[2].rooms)
        assert fast[2].size == full[2].size == fast[2].rooms.size
        assert fast[3:] == full[3:]
        fallbacks += not value.leaders.cover()
        checked += 1
        allocator.decide(req)  # the caps move too
    assert checked == 3000 and value.leaders.at.size < 60
    assert binding[False] > 1000 if spenders else binding[False] == 0


def test_returns_for_big_spenders_only_leave_everyone_else_to_linear_returns():
    """With ``concave_spenders`` a big spender is served as with returns for every user, anyone else as
    with linear returns; the same draws, so the same rooms, request by request."""
    base = PolicyConfig(family="v", scoring="value", concave_kappa=1.0, **NO_CAPS)
    spenders_only = world(replace(base, concave_spenders=3.0))
    everyone, linear = world(base), world(replace(base, concave_kappa=0.0))
    allocators, moved = (spenders_only, everyone, linear), Counter()
    for allocator in allocators:  # recent revenue: streamer 19 earned the most
        teach(allocator, 19, gifted=40, clicks=40)
    for i in range(400):
        big = i % 2 == 0
        profile = ((40, 12, 1, 2_000.0 if big else 20.0), {})
        chosen = [a.decide(request(f"s{i}", profile=profile))["live_id"] for a in allocators]
        assert chosen[0] == (chosen[1] if big else chosen[2])
        moved[big] += chosen[1] != chosen[2]
    assert moved[True] > 10 and moved[False] > 10  # the returns do move both kinds of user


def test_a_room_whose_end_was_lost_leaves_the_value_policy_as_an_end_would():
    """The hourly sweep ends the rooms live implausibly long; with 7-minute rounds the hour falls mid-round,
    where the value policy's per-room arrays must follow the rooms' or point at the wrong ones."""
    hour = 3_600_000
    allocator = world(PolicyConfig(family="v", scoring="value", round_ms=420_000, **NO_CAPS))
    allocator.rooms.max_live_ms = 2 * hour  # the world's rooms started at T0 - 1: gone at T0 + 2 h
    for s in range(20):
        allocator.start_room(room(30_000 + s, s) | {"ts": T0 + hour})
    allocator.decide(request("before", ts=T0 + 2 * hour - 1_000))  # opens the round that holds the hour
    allocator.advance_to(T0 + 2 * hour + 1_000)  # the sweep, mid-round
    value, rooms = allocator.value, allocator.rooms
    assert len(rooms) == 20
    for i in range(200):
        req = request(f"after{i}", ts=T0 + 2 * hour + 1_000)
        fast = value.choose(req, rooms, None)
        full = value.choose_over_every_room(req, rooms, None)
        np.testing.assert_allclose(fast[1], full[1])
        np.testing.assert_array_equal(fast[2].rooms, full[2].rooms)
        assert allocator.decide(req)["live_id"] in rooms


def test_direct_values_are_the_policys_own_value_of_each_room_for_the_user():
    """Off-policy evaluation's direct method for a value policy: the posterior-mean value of each room for
    this request's user, whose best room is what the policy without draws, floor or prices shows."""
    allocator = world(PolicyConfig(family="v", scoring="value", sample=False, explore=0, **NO_CAPS))
    live = allocator.rooms.arrays()[0].tolist()
    loyal = ((300, 100, 12, 600.0), {3: (2, 30, 10, 500.0)})
    for profile in (None, loyal):
        req = request(f"q-{profile is None}", profile=profile)
        shown = allocator.decide(req)["live_id"]
        values = allocator.direct_values(req, [*live, 99_999])
        assert values[-1] == 0.0  # not live
        assert live[int(np.argmax(values[:-1]))] == shown
        assert values.min() >= 0 and values.max() > 0


def test_a_target_that_does_not_value_by_user_is_judged_with_the_value_policys_model():
    """Off-policy evaluation's direct method is one model for every target: a uniform policy asked for it
    (``direct_model``) values each room for the user as the value policy does, through room starts and ends;
    without it, by the streamer's posterior value per exposure alone."""

    def fed(allocator: Allocator) -> Allocator:
        for s in range(20):
            teach(allocator, s, gifted=2 + s, clicks=400)
        for s in range(40):
            allocator.start_room(room(10_000 + s, s))
        allocator.start_room(room(10_007, 7))  # a repeated start changes nothing
        allocator.end_room({"type": EventType.ROOM_END, "ts": T0, "id": "e3", "live_id": 10_003})
        return allocator

    uniform = PolicyConfig(family="u", scoring="uniform", **NO_CAPS)
    value = fed(Allocator(PolicyConfig(family="v", scoring="value", sample=False, **NO_CAPS)))
    modelled = fed(Allocator(uniform, direct_model=True))
    plain = fed(Allocator(uniform))
    live = [*value.rooms.arrays()[0].tolist(), 10_003]
    loyal = ((300, 100, 12, 600.0), {5: (2, 30, 10, 500.0)})
    for profile in (None, loyal):
        req = request(f"q-{profile is None}", profile=profile)
        for allocator in (value, modelled, plain):
            allocator.decide(req)
        expected = value.direct_values(req, live)
        assert expected[-1] == 0.0  # ended
        np.testing.assert_allclose(modelled.direct_values(req, live), expected)
        assert not np.allclose(plain.direct_values(req, live), expected)


def test_a_streamer_starting_mid_round_is_drawn_as_a_one_streamer_array_draw_would_be():
    """The Python-float path of a room start (ValuePolicy._draw_one) against the array draw it shortcuts,
    for warm streamers (a generator of their own) and cold ones (their mean, nudged), with concave returns."""
    config = PolicyConfig(family="v", scoring="value", concave_kappa=2.0, **NO_CAPS)
    allocator = world(config, warm=20, cold=5)
    value = allocator.value
    value.advance_to(T0 + 5 * config.round_ms, allocator.rooms)
    for streamer in (3, 19, 22, 999):  # warm, warm, cold with a room, never seen
        now = T0 + 5 * config.round_ms + 1234
        value.column.pop(streamer, None)
        value._draw_one(streamer, now)
        one = value.column[streamer]
        value._draw(np.array([streamer]), now, [config.seed, value.round, streamer])
        array = value.column[streamer]
        np.testing.assert_array_equal(value.theta[:, one], value.theta[:, array])
        assert (value.mean[one], value.cold[one], value.gain[one]) == (
            value.mean[array],
            value.cold[array],
            value.gain[array],
        )
    assert value.cold[value.column[999]] and not value.cold[value.column[19]]

"""The allocator: caps hold, propensities are exact, reruns repeat, cold-start gets its floor, the shared-row
shortcut equals the full computation, and only live rooms are chosen."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pytest

from allocator.allocator import Allocator
from allocator.policy import BLOCKED, NO_ROOM, PolicyConfig, add_candidates, choose_rows
from features.columns import FEATURES
from giftlive.events import EventType

MIN = 60_000
LEVELS = np.array([BLOCKED, 0.0, 0.5, 1.0, 2.0])  # few value levels, so ties are common
T0 = 1_746_374_400_000
PAIR_CLICKS = FEATURES.index("pair_clicks")


def room(live: int, streamer: int, ts: int = T0 - 1, end: bool = False) -> dict:
    kind = EventType.ROOM_END if end else EventType.ROOM_START
    return {"type": kind, "ts": ts, "id": f"r{live}", "live_id": live, "streamer_id": streamer}


def request(rid: str, user: int, ts: int = T0, history: list | None = None) -> dict:
    return {"type": EventType.IMPRESSION, "ts": ts, "id": rid, "user_id": user, "history": history or []}


def teach(
    allocator: Allocator, streamer: int, gifted: int, clicks: int, amount: float, ts: int = T0 - 2
) -> None:
    """``clicks`` final labels of ``streamer``, ``gifted`` of them with a gift of ``amount``."""
    for i in range(clicks):
        gift = i < gifted
        allocator.learn_label(
            {
                "kind": "final",
                "click_id": f"{streamer}-{i}",
                "streamer_id": streamer,
                "ts": ts,
                "gift_prob": float(gift),
                "amount": amount if gift else 0.0,
                "count": int(gift),
            }
        )


def allocator_with(rooms: dict[int, int], config: PolicyConfig | None = None, **strong: tuple) -> Allocator:
    allocator = Allocator(config or PolicyConfig())
    for streamer, (gifted, clicks, amount) in ((int(k[1:]), v) for k, v in strong.items()):
        teach(allocator, streamer, gifted, clicks, amount)
    for live, streamer in rooms.items():
        allocator.start_room(room(live, streamer))
    return allocator


def test_capacity_and_frequency_caps_hold_and_release_with_event_time():
    config = PolicyConfig(capacity=2, hold_ms=10 * MIN, pair_cap=1, pair_window_ms=60 * MIN, explore=0)
    allocator = allocator_with({1: 7}, config)
    assert allocator.decide(request("r1", 1, T0))["load"] == 0
    capped = allocator.decide(request("r2", 1, T0 + MIN))  # user 1 already had streamer 7 this hour
    assert capped["live_id"] is None and capped["frequency_capped"] == 1 and capped["propensity"] == 1.0
    assert allocator.decide(request("r3", 2, T0 + MIN))["load"] == 1
    full = allocator.decide(request("r4", 3, T0 + 2 * MIN))  # streamer 7 holds 2 allocations
    assert full["live_id"] is None and full["capacity_capped"] == 1
    assert allocator.decide(request("r5", 3, T0 + 10 * MIN))["load"] == 1  # the first allocation ended
    allocator.start_room(room(2, 8, T0 + 10 * MIN))
    moved = allocator.decide(request("r6", 4, T0 + 10 * MIN + 1, history=[(8, 0.0)]))
    assert moved["streamer_id"] == 8 and moved["capacity_capped"] == 1


def test_the_same_request_gets_the_same_decision():
    def fresh() -> Allocator:
        return allocator_with({1: 7, 2: 8, 3: 9}, s7=(3, 100, 20.0), s8=(1, 100, 5.0))

    first = [fresh().decide(request(f"n{i}", i)) for i in range(50)]
    again = [fresh().decide(request(f"n{i}", i)) for i in range(50)]
    assert first == again
    assert len({d["decision_id"] for d in first}) == 50


def test_propensities_are_the_frequencies_of_the_choices():
    """Same state, many requests: each room's share of requests equals its propensity (rows are hashed)."""
    config = PolicyConfig(explore=0.2, capacity=10**6, pair_cap=10**6)
    allocator = allocator_with({1: 7, 2: 8, 3: 9}, config, s7=(4, 100, 20.0), s8=(2, 100, 20.0))
    chosen, propensity = Counter(), {}
    n = 5000
    for i in range(n):
        d = allocator.decide(request(f"n{i}", i))
        assert 0 < d["propensity"] <= 1
        chosen[d["live_id"]] += 1
        assert propensity.setdefault(d["live_id"], d["propensity"]) == d["propensity"]  # same state
    assert set(chosen) == {1, 2, 3}  # room 3 (streamer 9, no evidence) is cold-start
    for live, count in chosen.items():
        assert count / n == pytest.approx(propensity[live], abs=0.03)
    assert sum(propensity.values()) == pytest.approx(1.0)


@pytest.mark.parametrize("floor", [0.1, 0.3])
def test_cold_start_streamers_get_at_least_the_exploration_floor(floor: float):
    config = PolicyConfig(explore=floor, capacity=10**6, pair_cap=10**6)
    rooms = {1: 7, 2: 8} | {10 + k: 100 + k for k in range(3)}
    allocator = allocator_with(rooms, config, s7=(10, 100, 50.0), s8=(8, 100, 50.0))  # strong incumbents
    n = 3000
    decisions = [allocator.decide(request(f"n{i}", i)) for i in range(n)]
    cold = sum(d["cold_start"] for d in decisions)
    assert all(d["cold_start"] == (d["streamer_id"] >= 100) for d in decisions)
    sigma = np.sqrt(floor * (1 - floor) / n)
    assert cold / n >= floor - 3 * sigma
    assert sum(d["explored"] for d in decisions) / n >= floor - 3 * sigma


def test_an_ended_room_is_never_chosen_and_the_best_room_wins_most():
    config = PolicyConfig(explore=0, capacity=10**6, pair_cap=10**6)
    allocator = allocator_with({1: 7, 2: 8}, config, s7=(30, 100, 100.0), s8=(1, 100, 1.0))
    first = Counter(allocator.decide(request(f"a{i}", i))["live_id"] for i in range(500))
    assert first[1] > 0.9 * 500
    allocator.end_room(room(1, 7, T0 + MIN, end=True))
    after = Counter(allocator.decide(request(f"b{i}", i, T0 + MIN))["live_id"] for i in range(500))
    assert after == {2: 500}


def test_pair_history_boost_raises_the_gifted_streamer():
    config = PolicyConfig(explore=0, capacity=10**6, pair_cap=10**6, pair_weight=2.0)
    allocator = allocator_with({1: 7, 2: 8}, config, s7=(5, 100, 20.0), s8=(5, 100, 20.0))
    plain = Counter(allocator.decide(request(f"a{i}", i))["streamer_id"] for i in range(400))
    boosted = Counter(
        allocator.decide(request(f"b{i}", i, history=[(8, 500.0)]))["streamer_id"] for i in range(400)
    )
    assert boosted[8] > plain[8] + 100


def test_adding_history_rooms_to_the_shared_choices_equals_choosing_over_everything():
    """The shortcut decide() takes for most requests, against the full computation, ties included."""
    rng = np.random.default_rng(3)
    for trial in range(300):
        rows, n_top, n_hist, k = 20, int(rng.integers(0, 5)), int(rng.integers(1, 5)), int(rng.integers(0, 4))

        def values(shape: tuple[int, int]) -> np.ndarray:
            return LEVELS[rng.integers(0, len(LEVELS), size=shape)]

        top, hist, cold = values((n_top, rows)), values((n_hist, rows)), values((rows, k))
        top_live, hist_live = np.arange(n_top) + 100, np.arange(n_hist) + 200
        cold_live = rng.integers(300, 310, size=(rows, k))
        explore = int(rng.integers(0, 6))
        full = choose_rows(
            rows, np.concatenate((top_live, hist_live)), np.concatenate((top, hist)), cold_live, cold, explore
        )
        base = choose_rows(rows, top_live, top, cold_live, cold, explore)
        short = add_candidates(base, hist_live, hist)
        for field in ("live", "value", "explored", "cold_index"):
            assert (getattr(short, field) == getattr(full, field)).all(), (trial, field)
        assert ((full.live == NO_ROOM) == (full.value < 0)).all()


def test_a_user_capped_on_a_shared_choice_takes_the_full_computation():
    config = PolicyConfig(explore=0, capacity=10**6, pair_cap=1)
    allocator = allocator_with({1: 7, 2: 8}, config, s7=(30, 100, 100.0), s8=(1, 100, 1.0))
    first = allocator.decide(request("a", 1))
    second = allocator.decide(request("b", 1, T0 + 1))
    assert first["live_id"] == 1 and second["live_id"] == 2 and second["frequency_capped"] == 1
    assert second["propensity"] == 1.0  # the only eligible room


class PairMattersLittle:
    """A value model for which any shared history makes a click worth a tenth (lift 0.1)."""

    def values(self, rows: list[tuple]) -> np.ndarray:
        return np.array([0.1 if row[PAIR_CLICKS] else 1.0 for row in rows])


def test_a_models_lift_applies_to_every_copy_of_a_streamer_among_the_candidates():
    """A cold-start streamer in the user's history is also in the rows' cold samples: a lift below 1 must
    lower both copies, or the unlifted cold copy would win where the history copy lost."""
    config = PolicyConfig(explore=0, capacity=10**6, pair_cap=10**6, top_rooms=1, pair_model="online")
    allocator = allocator_with({1: 7, 2: 100}, config, s7=(20, 100, 20.0))  # 100: cold, in every sample
    allocator.use_model(PairMattersLittle())
    pair = (5, 60.0, 0, 0.0, 0.0, None, 30.0)
    user = tuple(0 for name in FEATURES if name.startswith("user_"))

    def share_of_cold(with_history: bool) -> float:
        chosen = []
        for i in range(400):
            ask = request(f"{with_history}{i}", i, history=[(100, 0.0)] if with_history else None)
            ask |= {"user_features": user, "pairs": [pair] if with_history else []}
            chosen.append(allocator.decide(ask)["streamer_id"] == 100)
        return float(np.mean(chosen))

    alone, with_history = share_of_cold(False), share_of_cold(True)
    assert alone > 0.05  # the cold streamer's draws beat the incumbent in some rows
    assert with_history < alone / 2


def test_probability_of_matches_the_decisions_propensity_for_every_policy_kind():
    from allocator.allocator import Allocator
    from allocator.policy import PolicyConfig

    for config in (PolicyConfig(), PolicyConfig(family="random", scoring="uniform")):
        allocator = Allocator(config)
        for live in range(1, 30):
            allocator.start_room({"live_id": live, "streamer_id": 100 + live, "ts": 0})
        for i in range(50):
            request = {"ts": 1_000 + i, "type": 1, "id": f"n{i}", "user_id": i % 7, "history": []}
            decision = allocator.decide(request)
            assert allocator.probability_of(decision["live_id"]) == decision["propensity"]
            if config.scoring == "uniform":
                assert allocator.probability_of(-5) == 0.0

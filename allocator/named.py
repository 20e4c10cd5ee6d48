"""The allocator's named policies: one table for the flow (`giftlive run --policy NAME`) and the simulator.

A policy is a name, a line saying what it does and a PolicyConfig; adding one is one row.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from allocator.policy import UNCAPPED, PolicyConfig

NO_CAPS = {"capacity": UNCAPPED, "pair_cap": UNCAPPED}
CONCAVE_KAPPA = 100.0  # chosen on one world and two seeds (docs/allocation.md); checked on others
CONCAVE_EXPLORE_SHARE = 0.01  # measured on two worlds with 2 seeds, then checked with 5 (docs/allocation.md)
CONCAVE_SPENDERS = 3.0  # returns bind on users worth 3x the population per click (docs/allocation.md)
CONCAVE_EXPECTED_KAPPA = 300.0  # the "expected" basis has many more streamers with a V: a larger share


@dataclass(frozen=True)
class NamedPolicy:
    name: str
    description: str
    config: PolicyConfig


# Draws at a quarter of the posterior's spread: plain Thompson (1.0) explores the many weakly known
# streamers too much over two weeks (measured on two worlds: docs/allocation.md).
V2 = PolicyConfig(family="thompson-v2", scoring="value", draw_spread=0.25)
PRICED = replace(V2, family="thompson-v2-priced", capacity=UNCAPPED, capacity_viewers=50)

NAMED_POLICIES: dict[str, NamedPolicy] = {
    policy.name: policy
    for policy in (
        NamedPolicy(
            "thompson",
            "the first allocator: Thompson rows on each streamer's gift value, pair boost, cold-start floor",
            PolicyConfig(),
        ),
        NamedPolicy(
            "thompson-v2",
            "Thompson rows on P(click) x gift value for this user over every live room, cold-start floor",
            V2,
        ),
        NamedPolicy(
            "concave",
            "thompson-v2 with concave returns for the big spenders (to a user worth 3x the population "
            "per click, a streamer with recent revenue V counts 1 / (1 + V / k)), capacity priced from the "
            "rooms' viewers, and a floor that explores 1 % of the cold-start streamers at a time (at least "
            "3), so each one explored is seen enough to be judged",
            replace(
                PRICED,
                family="concave",
                concave_kappa=CONCAVE_KAPPA,
                concave_spenders=CONCAVE_SPENDERS,
                explore_share=CONCAVE_EXPLORE_SHARE,
            ),
        ),
        NamedPolicy(
            "concave-all",
            "concave with the returns binding on every user's requests, not only the big spenders': more "
            "cold-start success, at about 3 % of the revenue (docs/allocation.md)",
            replace(
                PRICED,
                family="concave-all",
                concave_kappa=CONCAVE_KAPPA,
                explore_share=CONCAVE_EXPLORE_SHARE,
            ),
        ),
        NamedPolicy(
            "concave-expected",
            "thompson-v2-priced with concave returns on V the gift value a streamer's viewers were expected "
            "to give (their value per click), not the gifts they gave: fewer big spenders piled on one "
            "streamer, at a revenue cost (its floor covers every cold-start streamer)",
            replace(
                PRICED,
                family="concave-expected",
                concave_kappa=CONCAVE_EXPECTED_KAPPA,
                concave_basis="expected",
            ),
        ),
        NamedPolicy(
            "thompson-v2-priced",
            "thompson-v2 with capacity priced from the rooms' observed viewers instead of hard caps: past "
            "capacity a room's value shrinks by capacity / viewers (its newcomers' gifting is diluted)",
            PRICED,
        ),
        NamedPolicy(
            "thompson-v2-subgradient",
            "thompson-v2-priced with dual-subgradient prices (a crowded streamer's price grows each report "
            "it stays past capacity)",
            replace(PRICED, family="thompson-v2-subgradient", price_rule="subgradient"),
        ),
        NamedPolicy(
            "thompson-v2-viewer-cap",
            "thompson-v2 with a hard cap on the rooms' observed viewers (the baseline of the prices)",
            replace(PRICED, family="thompson-v2-viewer-cap", price_rule="hard-cap"),
        ),
        NamedPolicy(
            "greedy-v2",
            "thompson-v2's value for this user at the posterior mean (no draws), same floor",
            PolicyConfig(family="greedy-v2", scoring="value", sample=False),
        ),
        NamedPolicy(
            "greedy-mean",
            "the live room with the highest posterior value per exposure (any user), no exploration",
            PolicyConfig(family="greedy-mean", scoring="posterior-mean"),
        ),
        NamedPolicy(
            "random",
            "a uniformly random eligible live room",
            PolicyConfig(family="random", scoring="uniform"),
        ),
    )
}
DEFAULT_POLICY = "thompson-v2-priced"  # shard-free (capacity priced from viewers); docs/allocation.md

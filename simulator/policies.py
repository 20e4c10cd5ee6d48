"""The policies the simulator compares: one table, a name and a config each. Every policy but the feed is
the allocator's own code (candidates, caps, propensities); adding one is one row."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from allocator.policy import PolicyConfig

NO_CAPS = {"capacity": 10**9, "pair_cap": 10**9}


@dataclass(frozen=True)
class Policy:
    name: str
    description: str
    config: PolicyConfig | None = None  # None: the world's organic feed (its logging policy)
    truth_scorer: bool = False  # the allocator scores rooms with the world's truth (the oracle)
    learns: bool = True  # False: frozen after warm-up (a fixed target for off-policy evaluation)

    @property
    def is_feed(self) -> bool:
        return self.config is None


POLICIES: dict[str, Policy] = {
    policy.name: policy
    for policy in (
        Policy("feed", "the world's organic feed (its logging policy)"),
        Policy(
            "random",
            "a uniformly random eligible live room",
            PolicyConfig(family="random", scoring="uniform"),
        ),
        Policy(
            "greedy-mean",
            "the live room with the highest posterior value per exposure, no exploration",
            PolicyConfig(family="greedy-mean", scoring="posterior-mean"),
        ),
        Policy(
            "thompson", "the flow's allocator: Thompson rows, pair boost, cold-start floor", PolicyConfig()
        ),
        Policy(
            "oracle",
            "the live room with the highest truth value of exposure, with the allocator's caps",
            PolicyConfig(family="oracle", scoring="scorer"),
            truth_scorer=True,
        ),
        Policy(
            "oracle-nocap",
            "the live room with the highest truth value of exposure, no caps",
            PolicyConfig(family="oracle-nocap", scoring="scorer", **NO_CAPS),
            truth_scorer=True,
        ),
    )
}
DEFAULT_POLICIES = tuple(POLICIES)


def frozen(policy: Policy) -> Policy:
    """The policy as it stands at the end of warm-up, learning nothing after: a fixed target whose value
    off-policy evaluation can estimate and the closed loop can measure."""
    return dataclasses.replace(policy, name=f"{policy.name}-frozen", learns=False)

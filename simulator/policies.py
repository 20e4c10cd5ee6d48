"""The policies the simulator compares: the allocator's named policies (allocator/named.py, the flow runs the
same ones) plus the world's feed and the truth oracles. Every policy but the feed is the allocator's own code
(candidates, caps, propensities); adding one is one row."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from allocator.named import NAMED_POLICIES, NO_CAPS
from allocator.policy import PolicyConfig


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


def _allocator(name: str) -> Policy:
    named = NAMED_POLICIES[name]
    return Policy(named.name, named.description, named.config)


POLICIES: dict[str, Policy] = {
    policy.name: policy
    for policy in (
        Policy("feed", "the world's organic feed (its logging policy)"),
        *(_allocator(name) for name in NAMED_POLICIES),
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


def with_capacity(policy: Policy, capacity: int | None) -> Policy:
    """The policy assuming streamers take ``capacity`` (None: its own setting; PolicyConfig.with_capacity)."""
    if capacity is None or policy.config is None:
        return policy
    return dataclasses.replace(policy, config=policy.config.with_capacity(capacity))

"""Off-policy estimates of frozen allocator policies from the feed's logged requests, beside the closed-loop
truth of the same frozen policies.

Logged data: a closed-loop run of the feed (the world's logging policy) with its exact propensities; the
reward of a request is the gift amount its session brought (delayed gifts included). Each target is the
allocator frozen at the end of warm-up (simulator.policies.frozen), evaluated in shadow on every logged
request: its exact probability of the room the feed showed, and for DR the value of each room for the
request under one direct-method model for every target, the value policy's P(click) x gift value for this
user at the posterior mean (Allocator.direct_values; learned beside a target that does not value by user),
from the warm-up's labels.
Estimates (evaluation/ope.py: IPS, clipped IPS, SNIPS, DR) are of the total revenue over the window, with
95% studentized bootstrap intervals over allocation rounds (10 minutes of requests share draws): on the
realised gift amounts, and on the realised gift counts with each gift's amount its giver's mean over
their other logged sessions (``<estimator>+amount``: evaluation/amount_model.py). The truth is the frozen
policy's truth-expected revenue in its own closed loop with the same seed, and beside it the truth value
of its distribution on the logged requests themselves.
"""

from __future__ import annotations

import sys
from typing import Any, TextIO

import numpy as np

from evaluation.amount_model import modelled_rewards
from evaluation.ope import estimate
from giftlive.events import EventType
from simulator.closed_loop import Run, Setup, simulate
from simulator.metrics import measure
from simulator.policies import POLICIES, Policy, frozen

TARGETS = ("random", "thompson", "thompson-v2")  # allocator policies, frozen after warm-up
ROUND_MS = 600_000


def targets(names: tuple[str, ...] = TARGETS) -> list[Policy]:
    return [frozen(POLICIES[name]) for name in names]


def off_policy(
    setup: Setup,
    seed: int,
    policies: list[Policy] | None = None,
    progress: TextIO | None = sys.stderr,
    logged: Run | None = None,
) -> dict[str, Any]:
    """{target: {"truth": closed-loop truth revenue, "realised": its realised revenue, "logged_truth": the
    truth value of the target's distribution on the logged requests (what the estimators estimate: the
    closed-loop truth without the target's own draws and the loads it would have caused), "estimates":
    {ips, clipped_ips, snips, dr: {value, low, high}}, "ess_share", "support_deficit"}} for one seed.
    ``logged``: the feed's run of this seed with these targets in shadow, when the caller has it."""
    policies = policies or targets()
    if logged is None:
        logged = simulate(setup, POLICIES["feed"], seed, progress, shadows=policies)
    return {policy.name: _compare(setup, logged, policy, seed, progress) for policy in policies}


def _compare(setup: Setup, logged: Run, policy: Policy, seed: int, progress: TextIO | None) -> dict[str, Any]:
    decisions = logged.decisions
    shadow = logged.shadow[policy.name]
    reward, gifts = _session_rewards(logged)
    ids = [d["request_id"] for d in decisions]
    n = len(ids)
    inputs = {
        "propensity": np.array([d["propensity"] for d in decisions]),
        "target_prob": np.array([shadow[i][0] for i in ids]),
        "q_logged": np.array([shadow[i][2] for i in ids]) * n,
        "v_target": np.array([shadow[i][1] for i in ids]) * n,
        "groups": np.array([d["ts"] // ROUND_MS for d in decisions]),
        "seed": seed,
    }
    amounts = np.array([reward.get(i, 0.0) for i in ids])
    result = estimate(reward=amounts * n, **inputs).as_dict()  # per request x requests = total revenue
    # The gift counts the logs show, each gift's amount its giver's mean over their other logged sessions
    # (evaluation/amount_model.py): a large gift is spread over its giver's sessions, not one weight.
    counts = np.array([gifts.get(i, 0) for i in ids])
    users = np.array([d["user_id"] for d in decisions])
    modelled = estimate(reward=modelled_rewards(counts, amounts, users) * n, **inputs).as_dict()["estimates"]
    # The same estimators on the truth's expected reward of each logged exposure: what is left is the
    # estimators' own error (action sampling, weights), without the gift amounts' heavy-tailed noise.
    expected = estimate(reward=np.concatenate(logged.value) * n, **inputs).as_dict()["estimates"]
    truth = measure(setup, simulate(setup, policy, seed, progress))
    return {
        "truth": truth.revenue_truth,
        "realised": truth.revenue,
        "logged_truth": float(sum(shadow[i][3] for i in ids)),
        **result,
        "amount_model": modelled,
        "expected_reward": expected,
    }


def _session_rewards(run: Run) -> tuple[dict[str, float], dict[str, int]]:
    """(request id -> gift amount of the session it started, request id -> its number of gifts)."""
    amount: dict[str, float] = {}
    count: dict[str, int] = {}
    for event in run.events:
        if event["type"] is EventType.GIFT and event["id"].startswith("gq"):
            request = "nq" + event["id"][2:].split(".")[0]
            amount[request] = amount.get(request, 0.0) + event["amount"]
            count[request] = count.get(request, 0) + 1
    return amount, count


def estimators(result: dict[str, Any]) -> dict[str, dict[str, float]]:
    """One seed's estimates of one target by name: on the realised gifts, then with the amounts modelled
    (``<estimator>+amount``)."""
    modelled = {f"{name}+amount": e for name, e in result.get("amount_model", {}).items()}
    return {**result["estimates"], **modelled}


def summarise_off_policy(per_seed: dict[int, dict[str, Any]]) -> dict[str, Any]:
    """Per target, over seeds: mean truth, each estimator's mean estimate and interval, its bias against
    the truth and the share of seeds whose interval covers that seed's truth; mean ESS share."""
    out: dict[str, Any] = {}
    seeds = sorted(per_seed)
    for target in per_seed[seeds[0]]:
        rows = [per_seed[s][target] for s in seeds]
        truth = np.array([r["truth"] for r in rows])
        by_seed = [estimators(r) for r in rows]
        estimates = {}
        for name in by_seed[0]:
            value = np.array([e[name]["value"] for e in by_seed])
            low = np.array([e[name]["low"] for e in by_seed])
            high = np.array([e[name]["high"] for e in by_seed])
            estimates[name] = {
                "value": float(value.mean()),
                "low": float(low.mean()),
                "high": float(high.mean()),
                "bias": float(value.mean() / truth.mean() - 1) if truth.mean() else None,
                "coverage": float(np.mean((low <= truth) & (truth <= high))),
            }
        out[target] = {
            "truth": float(truth.mean()),
            "seeds": seeds,
            "estimates": estimates,
            "ess_share": float(np.mean([r["ess_share"] for r in rows])),
            "per_seed": rows,
        }
    return out

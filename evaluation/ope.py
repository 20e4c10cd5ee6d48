"""Off-policy evaluation: what a target allocator would have earned, from requests a logging policy served.

Plain numpy. One entry per logged request: ``reward`` r (e.g. the gift amount), ``propensity`` p = mu(a|x)
> 0 of the action actually shown, ``target_prob`` pi = pi(a|x) of that same action under the target (run in
shadow), optionally a direct-method model's ``q_logged`` q = q_hat(x, a) and ``v_target`` v = sum_a pi(a|x)
q_hat(x, a), and ``unsupported`` = the target's mass on actions the logger never shows (propensity 0).

Every estimator here is a ratio of sums, sum(numerator) / sum(denominator) over requests, so the confidence
interval is the project's percentile bootstrap (:func:`evaluation.metrics.bootstrap_ci`) over per-group sums
of those terms: with ``groups`` (requests sharing randomness, e.g. one allocation round) whole groups are
resampled, otherwise each request is its own group.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np

from evaluation.metrics import bootstrap_ci

Terms = tuple[np.ndarray, np.ndarray]  # per-request numerator and denominator of a ratio-of-sums estimator


def _column(name: str, values: np.ndarray, n: int | None = None) -> np.ndarray:
    """One finite 1-D float column, of length ``n`` when given."""
    array = np.asarray(values, dtype=float)
    if array.ndim != 1:
        raise ValueError(f"{name} must be 1-D, got shape {array.shape}")
    if n is not None and len(array) != n:
        raise ValueError(f"{name} has {len(array)} entries, expected {n} (one per logged request)")
    if np.isnan(array).any():
        raise ValueError(f"{name} contains NaN")
    if not np.isfinite(array).all():
        raise ValueError(f"{name} contains inf")
    return array


def _probability(name: str, values: np.ndarray, n: int | None = None) -> np.ndarray:
    array = _column(name, values, n)
    if ((array < 0) | (array > 1)).any():
        raise ValueError(f"{name} must lie in [0, 1]")
    return array


def importance_weights(propensity: np.ndarray, target_prob: np.ndarray) -> np.ndarray:
    """w = pi / p, once p is checked to be a positive probability (a zero propensity cannot be reweighted)."""
    p = _column("propensity", propensity)
    if len(p) == 0:
        raise ValueError("no logged requests")
    if ((p <= 0) | (p > 1)).any():
        raise ValueError(
            "propensity must lie in (0, 1]: the logged action needs a known positive probability"
        )
    return _probability("target_prob", target_prob, len(p)) / p


def _ips_terms(reward: np.ndarray, weights: np.ndarray) -> Terms:
    return weights * reward, np.ones_like(weights)


def _snips_terms(reward: np.ndarray, weights: np.ndarray) -> Terms:
    return weights * reward, weights


def _dr_terms(reward: np.ndarray, weights: np.ndarray, q_logged: np.ndarray, v_target: np.ndarray) -> Terms:
    return v_target + weights * (reward - q_logged), np.ones_like(weights)


def _ratio(numerator: np.ndarray, denominator: np.ndarray) -> float:
    total = float(np.sum(denominator))
    return float(np.sum(numerator)) / total if total else float("nan")


def _clip(weights: np.ndarray, max_weight: float) -> np.ndarray:
    if not max_weight > 0:
        raise ValueError(f"max_weight must be positive, got {max_weight}")
    return np.minimum(weights, max_weight)


def ips(reward: np.ndarray, propensity: np.ndarray, target_prob: np.ndarray) -> float:
    """Inverse propensity scoring, mean(w r): unbiased under full support, noisy when weights are large."""
    w = importance_weights(propensity, target_prob)
    return _ratio(*_ips_terms(_column("reward", reward, len(w)), w))


def clipped_ips(
    reward: np.ndarray, propensity: np.ndarray, target_prob: np.ndarray, max_weight: float = 10.0
) -> float:
    """IPS with weights capped at ``max_weight`` (e.g. 10, or a quantile of the weights): trades variance
    for a bias towards the logging policy's value (low when rewards are non-negative)."""
    w = _clip(importance_weights(propensity, target_prob), max_weight)
    return _ratio(*_ips_terms(_column("reward", reward, len(w)), w))


def snips(reward: np.ndarray, propensity: np.ndarray, target_prob: np.ndarray) -> float:
    """Self-normalized IPS, sum(w r) / sum(w): slightly biased, but scale-free and far less variable."""
    w = importance_weights(propensity, target_prob)
    return _ratio(*_snips_terms(_column("reward", reward, len(w)), w))


def doubly_robust(
    reward: np.ndarray,
    propensity: np.ndarray,
    target_prob: np.ndarray,
    q_logged: np.ndarray,
    v_target: np.ndarray,
) -> float:
    """mean(v + w (r - q)): the model's value corrected by reweighted residuals; unbiased if either the
    propensities or the model are right, and low-variance when the model is good."""
    w = importance_weights(propensity, target_prob)
    n = len(w)
    return _ratio(
        *_dr_terms(
            _column("reward", reward, n),
            w,
            _column("q_logged", q_logged, n),
            _column("v_target", v_target, n),
        )
    )


def effective_sample_size(weights: np.ndarray) -> float:
    """(sum w)^2 / sum(w^2): how many equally weighted requests the reweighted sample is worth."""
    w = _column("weights", weights)
    squares = float(w @ w)
    return float(w.sum()) ** 2 / squares if squares else 0.0


def support_deficit(unsupported: np.ndarray) -> float:
    """Mean target mass on actions the logger never shows: the share of the target's value no reweighting
    can see, so every estimator here misses it."""
    u = _probability("unsupported", unsupported)
    if len(u) == 0:
        raise ValueError("no logged requests")
    return float(u.mean())


@dataclass(frozen=True)
class Interval:
    value: float
    low: float
    high: float


@dataclass(frozen=True)
class OffPolicyEstimate:
    requests: int
    groups: int  # resampling units of the intervals (= requests without ``groups``)
    estimates: dict[str, Interval]  # ips, clipped_ips, snips, and dr when a model is given
    ess: float
    ess_share: float  # ess / requests
    support_deficit: float | None  # None when ``unsupported`` was not given
    max_weight: float
    level: float

    def as_dict(self) -> dict:
        return asdict(self)


def _group_sums(values: np.ndarray, group_index: np.ndarray, n_groups: int) -> np.ndarray:
    return np.bincount(group_index, weights=values, minlength=n_groups)


def estimate(
    reward: np.ndarray,
    propensity: np.ndarray,
    target_prob: np.ndarray,
    q_logged: np.ndarray | None = None,
    v_target: np.ndarray | None = None,
    unsupported: np.ndarray | None = None,
    groups: np.ndarray | None = None,
    max_weight: float = 10.0,
    draws: int = 200,
    seed: int = 0,
    level: float = 0.95,
) -> OffPolicyEstimate:
    """Every estimator the inputs allow, each with a bootstrap interval (groups resampled whole when given;
    the same resamples for every estimator, so their intervals are comparable), plus ESS and support deficit.
    ``max_weight`` is held fixed across resamples."""
    w = importance_weights(propensity, target_prob)
    n = len(w)
    r = _column("reward", reward, n)
    if (q_logged is None) != (v_target is None):
        raise ValueError("doubly robust needs both q_logged and v_target (or neither)")
    terms = {
        "ips": _ips_terms(r, w),
        "clipped_ips": _ips_terms(r, _clip(w, max_weight)),
        "snips": _snips_terms(r, w),
    }
    if q_logged is not None and v_target is not None:
        terms["dr"] = _dr_terms(r, w, _column("q_logged", q_logged, n), _column("v_target", v_target, n))
    if groups is None:
        group_index, n_groups = np.arange(n), n
    else:
        groups = np.asarray(groups)
        if groups.shape != (n,):
            raise ValueError(
                f"groups has shape {groups.shape}, expected ({n},) (one label per logged request)"
            )
        labels, group_index = np.unique(groups, return_inverse=True)
        n_groups = len(labels)
    estimates = {}
    for name, (numerator, denominator) in terms.items():
        low, high = bootstrap_ci(
            _ratio,
            [_group_sums(numerator, group_index, n_groups), _group_sums(denominator, group_index, n_groups)],
            draws,
            seed,
            level,
        )
        estimates[name] = Interval(_ratio(numerator, denominator), low, high)
    ess = effective_sample_size(w)
    return OffPolicyEstimate(
        requests=n,
        groups=n_groups,
        estimates=estimates,
        ess=ess,
        ess_share=ess / n,
        support_deficit=None
        if unsupported is None
        else support_deficit(_probability("unsupported", unsupported, n)),
        max_weight=float(max_weight),
        level=level,
    )

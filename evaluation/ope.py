"""Off-policy evaluation: what a target allocator would have earned, from requests a logging policy served.

Plain numpy. One entry per logged request: ``reward`` r (e.g. the gift amount), ``propensity`` p = mu(a|x)
> 0 of the action actually shown, ``target_prob`` pi = pi(a|x) of that same action under the target (run in
shadow), optionally a direct-method model's ``q_logged`` q = q_hat(x, a) and ``v_target`` v = sum_a pi(a|x)
q_hat(x, a), and ``unsupported`` = the target's mass on actions the logger never shows (propensity 0).

Every estimator here is a ratio of sums, sum(numerator) / sum(denominator) over requests, so the confidence
interval is a bootstrap over per-group sums of those terms: with ``groups`` (requests sharing randomness,
e.g. one allocation round) whole groups are resampled, otherwise each request is its own group. The
interval is studentized (bootstrap-t): gift rewards are so heavy-tailed that a week of logs is usually
short of the rare large gifts, and the resamples' t = (resample's estimate - estimate) / the resample's
standard error keeps the upper bound far above an estimate whose sample missed them. On the simulator's
feed logs (400 users, a week; the random target, 60 seeds) the 95% intervals covered the truth in 80% of
the seeds with the realised gifts against 67% for the percentile and 68% for scipy's BCa interval
(docs/simulator.md); scipy.stats.bootstrap has no bootstrap-t, so it is written here.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np

_RESAMPLE_CELLS = 2_000_000  # resampled groups held at once by an interval (x 8 bytes, a few arrays)
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


def _ratio_and_error(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """sum(a) / sum(b) over the last axis and its linearised standard error, sqrt(sum (a - r b)^2) / sum(b)
    (the delta method for a ratio of sums of independent groups)."""
    total_a, total_b = a.sum(axis=-1), b.sum(axis=-1)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = total_a / total_b
        squares = (a * a).sum(axis=-1) - 2 * ratio * (a * b).sum(axis=-1) + ratio**2 * (b * b).sum(axis=-1)
        return ratio, np.sqrt(np.maximum(squares, 0.0)) / np.abs(total_b)


def studentized_interval(
    a: np.ndarray, b: np.ndarray, draws: int = 200, seed: int = 0, level: float = 0.95
) -> tuple[float, float]:
    """Bootstrap-t interval of sum(a) / sum(b) from per-group sums ``a`` and ``b``, over ``draws``
    resamples of the groups (the same ones for the same seed): [r - t_hi se, r - t_lo se] with t the
    resamples' (r* - r) / se*. Resamples are drawn in chunks, so memory stays bounded on any log."""
    ratio, error = _ratio_and_error(a, b)
    if not np.isfinite(ratio):
        return float("nan"), float("nan")
    if error == 0:
        return float(ratio), float(ratio)
    rng = np.random.default_rng(seed)
    n = a.size
    chunk = max(1, _RESAMPLE_CELLS // max(n, 1))
    t_values = []
    for start in range(0, draws, chunk):
        picks = rng.integers(0, n, (min(chunk, draws - start), n))
        ratios, errors = _ratio_and_error(a[picks], b[picks])
        ok = np.isfinite(ratios) & (errors > 0)
        t_values.append((ratios[ok] - ratio) / errors[ok])
    t = np.concatenate(t_values)
    if not t.size:
        return float("nan"), float("nan")
    tail = (1 - level) / 2 * 100
    t_low, t_high = np.percentile(t, [tail, 100 - tail])
    return float(ratio - t_high * error), float(ratio - t_low * error)


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
    """Every estimator the inputs allow, each with a studentized bootstrap interval (groups resampled whole
    when given; the same resamples for every estimator, so their intervals are comparable), plus ESS and
    support deficit.
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
        low, high = studentized_interval(
            _group_sums(numerator, group_index, n_groups),
            _group_sums(denominator, group_index, n_groups),
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

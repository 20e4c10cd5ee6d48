"""Thompson samples of the gift value of showing a streamer: draw P(gift) from its Beta and the log-amount
mean and variance from its NIG, and value the exposure at p * E[amount | mu, sigma²] = p * exp(mu + sigma²/2).

Vectorised over candidates and draws, so one request costs a few numpy calls whatever the candidate count.
"""

from __future__ import annotations

import numpy as np

from allocator.posteriors import Prior, StreamerPosterior

# Upper bound on a sampled log-scale variance: the inverse-gamma tail would otherwise turn a rare draw into an
# astronomically valuable exposure (exp(sigma²/2)); 8 already allows a 55x mean-to-median ratio.
MAX_LOG_VARIANCE = 8.0


def posterior_arrays(posteriors: list[StreamerPosterior], prior: Prior) -> np.ndarray:
    """(6, n) array of a, b, mu, kappa, alpha, beta for ``posteriors``."""
    rows = [(*p.beta(prior), *p.nig(prior)) for p in posteriors]
    return np.array(rows, dtype=float).T.reshape(6, len(posteriors))


def sample_values(params: np.ndarray, rng: np.random.Generator, draws: int) -> np.ndarray:
    """(draws, n) sampled gift values of one exposure for each candidate."""
    a, b, mu, kappa, alpha, beta = params
    n = params.shape[1]
    p = rng.beta(a, b, size=(draws, n))
    sigma2 = np.minimum(beta / rng.gamma(alpha, 1.0, size=(draws, n)), MAX_LOG_VARIANCE)
    mean = rng.normal(mu, np.sqrt(sigma2 / kappa))
    return p * np.exp(mean + sigma2 / 2)

"""Thompson value samples: right means in the limit, right shapes, reproducible from the seed."""

from __future__ import annotations

import numpy as np

from allocator.posteriors import Prior, StreamerPosterior
from allocator.thompson import posterior_arrays, sample_values


def test_samples_concentrate_on_the_posterior_mean_with_much_evidence():
    post = StreamerPosterior()
    post.add_outcome(200.0, 800.0)  # P(gift) 0.2
    for _ in range(2000):
        post.add_amount(np.log(50.0), 1.0)  # every gift worth 50 (zero spread)
    params = posterior_arrays([post], Prior())
    values = sample_values(params, np.random.default_rng(1), 20_000)[:, 0]
    assert abs(values.mean() / (0.2 * 50.0) - 1) < 0.05


def test_shapes_and_seed():
    posts = [StreamerPosterior() for _ in range(5)]
    params = posterior_arrays(posts, Prior())
    first = sample_values(params, np.random.default_rng(7), 3)
    again = sample_values(params, np.random.default_rng(7), 3)
    assert first.shape == (3, 5) and (first == again).all() and (first >= 0).all()

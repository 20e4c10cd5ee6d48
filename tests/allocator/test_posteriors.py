"""Posterior updates against closed-form values: decay, fractional labels, no double counting."""

from __future__ import annotations

import math

import pytest

from allocator.posteriors import PosteriorBook, Prior, StreamerPosterior

DAY = 86_400_000
PRIOR = Prior()


def label(kind: str, q: float, amount: float = 0.0, count: int = 0, ts: int = 0, click: str = "c1") -> dict:
    return {
        "kind": kind,
        "click_id": click,
        "streamer_id": 7,
        "ts": ts,
        "gift_prob": q,
        "amount": amount,
        "count": count,
    }


def test_nig_update_with_one_observation_matches_the_conjugate_formulas():
    post = StreamerPosterior()
    x = math.log(88.0)
    post.add_amount(x, 1.0)
    mu, kappa, alpha, beta = post.nig(PRIOR)
    k0, m0, a0, b0 = PRIOR.log_kappa, PRIOR.log_mu, PRIOR.log_alpha, PRIOR.log_beta
    assert kappa == pytest.approx(k0 + 1)
    assert mu == pytest.approx((k0 * m0 + x) / (k0 + 1))
    assert alpha == pytest.approx(a0 + 0.5)
    assert beta == pytest.approx(b0 + k0 * (x - m0) ** 2 / (2 * (k0 + 1)))


def test_nig_with_two_observations_adds_their_spread():
    post = StreamerPosterior()
    for x in (1.0, 3.0):
        post.add_amount(x, 1.0)
    _mu, kappa, _alpha, beta = post.nig(PRIOR)
    mean = 2.0
    expected = PRIOR.log_beta + 2.0 / 2 + PRIOR.log_kappa * 2 * (mean - PRIOR.log_mu) ** 2 / (2 * kappa)
    assert beta == pytest.approx(expected)


def test_evidence_halves_every_half_life():
    book = PosteriorBook(half_life_ms=DAY)
    book.learn_label(label("final", 1.0, amount=10.0, count=1, ts=0, click="c1"))
    book.learn_label(label("final", 0.0, ts=DAY, click="c2"))
    post = book.posterior(7)
    assert post.gifts == pytest.approx(0.5) and post.misses == pytest.approx(1.0)
    assert post.n == pytest.approx(0.5) and post.s1 == pytest.approx(0.5 * math.log(10.0))
    a, b = post.beta(PRIOR)
    assert (a, b) == pytest.approx((PRIOR.gift_a + 0.5, PRIOR.gift_b + 1.0))


def test_provisional_then_final_labels_count_one_click_once():
    book = PosteriorBook()
    book.learn_label(label("provisional", 0.3))
    book.learn_label(label("provisional", 0.1))
    book.learn_label(label("final", 0.0))
    post = book.posterior(7)
    assert (post.gifts, post.misses) == pytest.approx((0.0, 1.0))
    assert book.open_clicks == {}


def test_a_gift_seen_early_then_a_repeat_gift_swaps_in_the_final_amount():
    book = PosteriorBook()
    book.learn_label(label("provisional", 1.0, amount=5.0, count=1))
    book.learn_label(label("final", 1.0, amount=12.0, count=2))
    post = book.posterior(7)
    assert (post.gifts, post.misses) == pytest.approx((1.0, 0.0))
    assert post.n == pytest.approx(1.0) and post.s1 == pytest.approx(math.log(12.0))
    assert post.s2 == pytest.approx(math.log(12.0) ** 2)


def test_orphans_are_ignored_and_expected_value_grows_with_gifts():
    book = PosteriorBook()
    cold = book.posterior(7).expected_value(PRIOR)
    book.learn_label({"kind": "orphan", "streamer_id": 7, "ts": 0, "amount": 100.0, "count": 1})
    assert book.posterior(7).expected_value(PRIOR) == cold
    for i in range(5):
        book.learn_label(label("final", 1.0, amount=50.0, count=1, click=f"c{i}"))
    assert book.posterior(7).expected_value(PRIOR) > 10 * cold

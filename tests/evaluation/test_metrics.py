"""The metric suite against values computed by hand."""

from __future__ import annotations

import math

import numpy as np
import pytest

from evaluation.metrics import (
    bootstrap_ci,
    calibration_bins,
    ece,
    log_loss,
    mae_log1p,
    ndcg,
    nrevcap,
    pr_auc,
    revcap,
    revcap_oracle,
    roc_auc,
    spearman,
    topk_capture,
)


def test_pr_auc_is_average_precision():
    # ranked: 1 0 1 0 -> precision at the hits 1/1 and 2/3 -> AP = (1 + 2/3) / 2
    assert pr_auc([1, 0, 1, 0], [0.9, 0.8, 0.7, 0.1]) == pytest.approx((1 + 2 / 3) / 2)
    # a tie of a hit and a miss at the top is one step: precision 1/2 at recall 1/2, then 2/3 at 1
    assert pr_auc([1, 0, 1], [0.9, 0.9, 0.5]) == pytest.approx(0.5 * 0.5 + 0.5 * 2 / 3)
    assert math.isnan(pr_auc([0, 0], [0.1, 0.2]))


def test_roc_auc_counts_pairs_with_ties_as_half():
    # positives 0.8, 0.4; negatives 0.6, 0.4 -> pairs: (0.8>0.6) 1, (0.8>0.4) 1, (0.4<0.6) 0, (0.4=0.4) 0.5
    assert roc_auc([1, 0, 1, 0], [0.8, 0.6, 0.4, 0.4]) == pytest.approx(2.5 / 4)
    assert roc_auc([0, 1], [0.1, 0.9]) == 1.0


def test_log_loss():
    assert log_loss([1, 0], [0.8, 0.2]) == pytest.approx(-math.log(0.8))


def test_ece_uses_equal_count_bins():
    y = [0, 0, 1, 1]
    p = [0.1, 0.3, 0.6, 0.8]
    # 2 bins: {0.1, 0.3} observed 0, predicted 0.2; {0.6, 0.8} observed 1, predicted 0.7
    assert calibration_bins(y, p, 2) == [(pytest.approx(0.2), 0.0, 2), (pytest.approx(0.7), 1.0, 2)]
    assert ece(y, p, 2) == pytest.approx(0.5 * 0.2 + 0.5 * 0.3)
    assert ece([0, 1, 0, 1], [0.5] * 4, 1) == pytest.approx(0.0)


def test_revenue_capture_and_its_oracle():
    amount = np.array([0, 100, 0, 10, 0, 0, 0, 0, 0, 890.0])
    score = np.arange(10.0)  # ranks the 890 first, then 0, 0, ...
    assert revcap(amount, score, 0.1) == pytest.approx(0.89)
    assert revcap(amount, score, 0.2) == pytest.approx(0.89)
    assert revcap_oracle(amount, 0.2) == pytest.approx(0.99)
    assert nrevcap(amount, score, 0.2) == pytest.approx(0.89 / 0.99)
    assert revcap(amount, score, 0.01) == pytest.approx(0.89)  # at least one click


def test_top_k_set_capture():
    amount = np.array([5.0, 4, 3, 2, 1, 0, 0, 0, 0, 0])
    score = np.array([5.0, 0, 4, 0, 0, 3, 0, 0, 0, 0])
    # top 30%: by amount {0, 1, 2}, by score {0, 2, 5} -> 2 of 3
    assert topk_capture(amount, score, 0.3) == pytest.approx(2 / 3)


def test_ndcg_with_amount_as_gain():
    amount = np.array([3.0, 0, 1])
    score = np.array([0.1, 0.9, 0.5])  # order: 0, 1, 3
    dcg = 0 / math.log2(2) + 1 / math.log2(3) + 3 / math.log2(4)
    ideal = 3 / math.log2(2) + 1 / math.log2(3)
    assert ndcg(amount, score, 100) == pytest.approx(dcg / ideal)
    assert ndcg(amount, amount, 2) == pytest.approx(1.0)


def test_spearman_on_ranks_with_ties():
    assert spearman([1, 2, 3, 4], [10, 20, 30, 40]) == pytest.approx(1.0)
    assert spearman([1, 2, 3, 4], [4, 3, 2, 1]) == pytest.approx(-1.0)
    # ranks x: 1, 2.5, 2.5, 4; y: 1, 2, 3, 4 -> Pearson of those
    rx, ry = np.array([1, 2.5, 2.5, 4]), np.array([1, 2, 3, 4.0])
    expected = np.corrcoef(rx, ry)[0, 1]
    assert spearman([1, 2, 2, 3], [1, 2, 3, 4]) == pytest.approx(expected)


def test_mae_of_log_amount_on_gifted_clicks_only():
    assert mae_log1p([0, 9, 99], [50, 9, 9]) == pytest.approx((0 + (math.log(100) - math.log(10))) / 2)


def test_bootstrap_interval_covers_the_value_and_narrows_with_data():
    rng = np.random.default_rng(0)
    small = rng.random(100)
    large = rng.random(10_000)
    lo_s, hi_s = bootstrap_ci(np.mean, [small], draws=300)
    lo_l, hi_l = bootstrap_ci(np.mean, [large], draws=300)
    assert lo_s < small.mean() < hi_s and lo_l < large.mean() < hi_l
    assert hi_l - lo_l < (hi_s - lo_s) / 5

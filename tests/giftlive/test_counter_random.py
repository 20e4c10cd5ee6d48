import numpy as np

from giftlive.counter_random import hash_bits, hash_uniform


def test_a_key_draws_the_same_whatever_is_drawn_beside_it():
    alone = hash_bits(3, np.array([5]), np.array([9]), stream=2)
    among = hash_bits(3, np.array([1, 5, 7]), np.array([4, 9, 9]), stream=2)
    assert among[1] == alone[0]
    assert hash_bits(4, np.array([5]), np.array([9]), stream=2)[0] != alone[0]
    assert hash_bits(3, np.array([5]), np.array([9]), stream=3)[0] != alone[0]


def test_uniform_draws_are_uniform_and_pair_order_matters():
    first = np.arange(200_000) % 1000
    second = np.arange(200_000) // 1000
    u = hash_uniform(11, first, second)
    assert u.min() >= 0 and u.max() < 1
    counts = np.bincount((u * 10).astype(int), minlength=10)
    assert np.all(np.abs(counts - 20_000) < 5 * np.sqrt(20_000))  # ~5 sd per decile
    assert not np.array_equal(u, hash_uniform(11, second, first))

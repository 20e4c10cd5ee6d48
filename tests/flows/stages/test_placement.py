"""Stage keys land where placement.py says: checked by running them through Bytewax's own routing."""

from __future__ import annotations

import threading

import bytewax.operators as op
from bytewax.dataflow import Dataflow
from bytewax.testing import TestingSink, TestingSource, cluster_main

from flows.stages.placement import ROUTE_SLOTS, shard_key, worker_of
from flows.stages.protocol import decision_key, label_key, streamer_key, user_key


def _threads_of(keys: list[str], workers: int) -> dict[str, int]:
    """The thread (one per Bytewax worker) that ran each key's state in a run with ``workers`` workers."""
    out: list[tuple[str, int]] = []
    flow = Dataflow("placement_probe")
    keyed = op.key_on("key", op.input("in", flow, TestingSource(keys)), lambda k: k)
    ran = op.stateful_map("probe", keyed, lambda state, _v: (state, threading.get_ident()))
    op.output("out", ran, TestingSink(out))
    cluster_main(flow, [], 0, worker_count_per_proc=workers)
    return dict(out)


def test_bytewax_routes_keys_where_the_hash_says():
    keys = [f"k{i}" for i in range(40)] + ["s0", "u1", "d3", "l0", "0", "12"]
    threads = _threads_of(keys, 4)
    assert len(set(threads.values())) == 4
    for a in keys:
        for b in keys:
            assert (threads[a] == threads[b]) == (worker_of(a, 4) == worker_of(b, 4)), (a, b)


def test_a_stages_shards_spread_over_the_workers():
    for workers in (1, 2, 4, 8):
        assert workers <= ROUTE_SLOTS and ROUTE_SLOTS % workers == 0
        for key_of in (streamer_key, user_key, label_key, decision_key):
            assert [worker_of(key_of(i), workers) for i in range(16)] == [i % workers for i in range(16)]
    assert shard_key("s", 3) == streamer_key(3) and streamer_key(3).startswith("s3")
    # User shard j, label shard j and decision shard j share a worker: requests (and, with as many label
    # shards as user shards, labels) do not cross processes.
    assert all(worker_of(user_key(j), 2) == worker_of(decision_key(j), 2) for j in range(8))
    assert all(worker_of(user_key(j), 2) == worker_of(label_key(j), 2) for j in range(8))

"""Where Bytewax runs a key, and stage keys chosen so that a stage's shards spread evenly over the workers.

Bytewax 0.21 routes a stateful step's key to worker ``h mod W`` of W workers, h being Rust's DefaultHasher
(SipHash-1-3, zero keys) of the key string (its bytes, then 0xFF): src/operators.rs ``stateful_batch``
partitions with ``BuildHasherDefault<DefaultHasher>``. Plain names ("s0", "s1", ...) land wherever their hash
says (with 2 workers "s0", "s1" and "s3" share one), so one process did most of the work. A shard's key here
is its plain name with the smallest suffix that puts shard i on worker i mod W for every W dividing
ROUTE_SLOTS. SipHash is written out because no library exposes Rust's hasher with its zero keys; a test runs
keys through Bytewax and checks where they land (tests/flows/stages/test_placement.py).
"""

from __future__ import annotations

from functools import cache

ROUTE_SLOTS = 8  # shards spread evenly over 1, 2, 4 or 8 workers
_MASK = (1 << 64) - 1


def worker_of(key: str, workers: int) -> int:
    """The worker Bytewax routes ``key`` to among ``workers``."""
    return siphash13(key.encode() + b"\xff") % workers


@cache
def shard_key(prefix: str, index: int) -> str:
    """The key of shard ``index`` of the stage named by ``prefix``: on worker ``index`` mod W for every W
    dividing ROUTE_SLOTS."""
    want = index % ROUTE_SLOTS
    key, suffix = f"{prefix}{index}", 0
    while worker_of(key, ROUTE_SLOTS) != want:
        suffix += 1
        key = f"{prefix}{index}.{suffix}"
    return key


def siphash13(data: bytes) -> int:
    """SipHash-1-3 with zero keys (Aumasson and Bernstein 2012; Rust's DefaultHasher)."""
    v0, v1, v2, v3 = 0x736F6D6570736575, 0x646F72616E646F6D, 0x6C7967656E657261, 0x7465646279746573
    n = len(data)
    full = n - n % 8
    words = [int.from_bytes(data[i : i + 8], "little") for i in range(0, full, 8)]
    words.append(int.from_bytes(data[full:], "little") | ((n & 0xFF) << 56))
    for m in words:
        v3 ^= m
        v0, v1, v2, v3 = _round(v0, v1, v2, v3)
        v0 ^= m
    v2 ^= 0xFF
    for _ in range(3):
        v0, v1, v2, v3 = _round(v0, v1, v2, v3)
    return v0 ^ v1 ^ v2 ^ v3


def _rotl(x: int, bits: int) -> int:
    return ((x << bits) | (x >> (64 - bits))) & _MASK


def _round(v0: int, v1: int, v2: int, v3: int) -> tuple[int, int, int, int]:
    v0 = (v0 + v1) & _MASK
    v1 = _rotl(v1, 13) ^ v0
    v0 = _rotl(v0, 32)
    v2 = (v2 + v3) & _MASK
    v3 = _rotl(v3, 16) ^ v2
    v0 = (v0 + v3) & _MASK
    v3 = _rotl(v3, 21) ^ v0
    v2 = (v2 + v1) & _MASK
    v1 = _rotl(v1, 17) ^ v2
    v2 = _rotl(v2, 32)
    return v0, v1, v2, v3

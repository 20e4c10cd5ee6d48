"""Kafka admin chores: is the broker there, do our topics exist (created explicitly, never auto-created)."""

from __future__ import annotations

import time
from collections.abc import Iterable

from confluent_kafka import KafkaException
from confluent_kafka.admin import AdminClient, ClusterMetadata, NewTopic

from giftlive.errors import UserError

# librdkafka logs every refused connection to stderr; probes report failures themselves.
_QUIET = {"log_level": 0}


def admin(bootstrap: str) -> AdminClient:
    """An AdminClient that does not spam stderr while the broker is still coming up."""
    return AdminClient({"bootstrap.servers": bootstrap, **_QUIET})


def metadata(bootstrap: str, timeout_s: float) -> ClusterMetadata:
    """Cluster metadata or KafkaException; one call, so a caller can loop with its own deadline."""
    return admin(bootstrap).list_topics(timeout=timeout_s)


def check_reachable(bootstrap: str, timeout_s: float = 10.0) -> None:
    """Raise UserError unless a broker answers a metadata request at ``bootstrap`` within ``timeout_s``."""
    client = admin(bootstrap)
    deadline = time.monotonic() + timeout_s
    last: Exception | None = None
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            break
        try:
            client.list_topics(timeout=min(remaining, 2.0))
            return
        except KafkaException as exc:
            last = exc
            time.sleep(min(0.1, max(0.0, deadline - time.monotonic())))
    reason = last.args[0].str() if last is not None and last.args else "no answer"
    raise UserError(
        f"cannot reach Kafka at {bootstrap} within {timeout_s:g} s: {reason}. Check the address, start a "
        "cluster (`docker compose up kafka`) or a local broker (`giftlive broker`), or unset KAFKA_BOOTSTRAP"
    )


def ensure_topics(
    bootstrap: str,
    names: Iterable[str],
    partitions: int,
    replication: int = 1,
    timeout_s: float = 10.0,
) -> list[str]:
    """Create the missing topics and wait until metadata shows all of them; returns the ones created.

    Existing topics are left as they are, whatever their partition count: re-partitioning would move keys.
    """
    wanted = list(dict.fromkeys(names))
    client = admin(bootstrap)
    try:
        existing = set(client.list_topics(timeout=timeout_s).topics)
    except KafkaException as exc:
        raise UserError(f"cannot list topics at {bootstrap}: {exc.args[0].str()}") from None
    missing = [name for name in wanted if name not in existing]
    if missing:
        futures = client.create_topics(
            [NewTopic(name, num_partitions=partitions, replication_factor=replication) for name in missing],
            operation_timeout=timeout_s,
            request_timeout=timeout_s,
        )
        for name, future in futures.items():
            try:
                future.result(timeout=timeout_s)
            except KafkaException as exc:
                error = exc.args[0]
                if error.name() != "TOPIC_ALREADY_EXISTS":  # lost a race with another creator: fine
                    raise UserError(f"cannot create topic {name!r} at {bootstrap}: {error.str()}") from None
    _wait_visible(client, wanted, bootstrap, timeout_s)
    return missing


def _wait_visible(client: AdminClient, names: list[str], bootstrap: str, timeout_s: float) -> None:
    """Creation is acknowledged before every broker's metadata shows it; producers need the partitions."""
    deadline = time.monotonic() + timeout_s
    while True:
        topics = client.list_topics(timeout=timeout_s).topics
        absent = [
            n for n in names if n not in topics or topics[n].error is not None or not topics[n].partitions
        ]
        if not absent:
            return
        if time.monotonic() > deadline:
            raise UserError(f"topics {absent} still not visible at {bootstrap} after {timeout_s:g} s")
        time.sleep(0.05)

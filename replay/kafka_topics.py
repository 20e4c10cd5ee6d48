"""Kafka admin chores: is the broker there (and does it take our credentials), do our topics exist (created
explicitly, never auto-created).

Every function takes ``client``: the user's Kafka client settings (giftlive/kafka_config.py: SASL, TLS),
merged into every client it opens."""

from __future__ import annotations

import time
from collections.abc import Iterable
from typing import Any

from confluent_kafka import KafkaError, KafkaException
from confluent_kafka.admin import AdminClient, ClusterMetadata, NewTopic

from giftlive.errors import UserError

# librdkafka logs every refused connection to stderr; probes report failures themselves.
_QUIET = {"log_level": 0}


def admin(bootstrap: str, client: dict[str, str] | None = None, **own: Any) -> AdminClient:
    """An AdminClient that does not spam stderr while the broker is still coming up."""
    return AdminClient(client_config(bootstrap, client, **_QUIET, **own))


def client_config(bootstrap: str, client: dict[str, str] | None = None, **own: Any) -> dict[str, Any]:
    """A client's librdkafka settings: the bootstrap address, the caller's own, then the user's."""
    return {"bootstrap.servers": bootstrap, **own, **(client or {})}


def metadata(bootstrap: str, timeout_s: float, client: dict[str, str] | None = None) -> ClusterMetadata:
    """Cluster metadata or KafkaException; one call, so a caller can loop with its own deadline."""
    return admin(bootstrap, client).list_topics(timeout=timeout_s)


def check_reachable(bootstrap: str, timeout_s: float = 10.0, client: dict[str, str] | None = None) -> None:
    """Raise UserError unless a broker answers a metadata request at ``bootstrap`` within ``timeout_s``;
    with SASL settings, an authentication that fails or never completes is named as such."""
    errors: list[KafkaError] = []
    probe = admin(bootstrap, client, error_cb=errors.append)
    deadline = time.monotonic() + timeout_s
    last: Exception | None = None
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            break
        try:
            probe.list_topics(timeout=min(remaining, 2.0))
            return
        except KafkaException as exc:
            last = exc
            probe.poll(0)  # serve error_cb
            if any(e.code() == KafkaError._AUTHENTICATION for e in errors):
                break
            time.sleep(min(0.1, max(0.0, deadline - time.monotonic())))
    failure = authentication_failure(bootstrap, client, errors, timeout_s)
    if failure is not None:
        raise UserError(failure)
    reason = last.args[0].str() if last is not None and last.args else "no answer"
    raise UserError(
        f"cannot reach Kafka at {bootstrap} within {timeout_s:g} s: {reason}. Check the address, start a "
        "cluster (`docker compose up kafka`) or a local broker (`giftlive broker`), or unset KAFKA_BOOTSTRAP"
    )


def authentication_failure(
    bootstrap: str, client: dict[str, str] | None, errors: list[KafkaError], timeout_s: float
) -> str | None:
    """One line on a failed SASL authentication (never a secret), or None when it was not the cause:
    librdkafka's authentication error, or, with SASL configured, a broker that took the connection but
    never completed the handshake (Tansu with --authentication answers unknown users so)."""
    settings = client or {}
    who = f"{settings.get('sasl.mechanism', 'GSSAPI')} as {settings.get('sasl.username', '?')!r}"
    for error in errors:
        if error.code() == KafkaError._AUTHENTICATION:
            return (
                f"Kafka authentication failed at {bootstrap} ({who}): {error.str()}; check the SASL settings"
            )
    sasl = settings.get("security.protocol", "").upper().startswith("SASL")
    refused = any(e.code() in (KafkaError._TRANSPORT, KafkaError._ALL_BROKERS_DOWN) for e in errors)
    if sasl and not refused:
        return (
            f"Kafka authentication at {bootstrap} ({who}) did not complete within {timeout_s:g} s: the "
            "broker took the connection but not these credentials; check sasl.username, sasl.password "
            "and sasl.mechanism"
        )
    return None


def ensure_topics(
    bootstrap: str,
    names: Iterable[str],
    partitions: int,
    replication: int = 1,
    timeout_s: float = 10.0,
    client: dict[str, str] | None = None,
) -> list[str]:
    """Create the missing topics and wait until metadata shows all of them; returns the ones created.

    Existing topics are left as they are, whatever their partition count: re-partitioning would move keys.
    """
    wanted = list(dict.fromkeys(names))
    admin_client = admin(bootstrap, client)
    try:
        existing = set(admin_client.list_topics(timeout=timeout_s).topics)
    except KafkaException as exc:
        raise UserError(f"cannot list topics at {bootstrap}: {exc.args[0].str()}") from None
    missing = [name for name in wanted if name not in existing]
    if missing:
        futures = admin_client.create_topics(
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
    _wait_visible(admin_client, wanted, bootstrap, timeout_s)
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

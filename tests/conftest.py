"""Shared fixtures: one Kafka broker per session (KAFKA_BOOTSTRAP, else a local Tansu) and fresh topics."""

from __future__ import annotations

import itertools
import os
import uuid
from collections.abc import Callable, Iterator

import pytest

from giftlive.config import bootstrap_from_env


@pytest.fixture(scope="session")
def kafka_bootstrap() -> Iterator[str]:
    """A reachable broker for the whole session; a local one is started once and stopped at the end."""
    from replay.broker import LocalBroker
    from replay.kafka_topics import check_reachable

    configured = bootstrap_from_env()
    if configured:
        check_reachable(configured)
        yield configured
        return
    with LocalBroker() as broker:
        yield broker.bootstrap


@pytest.fixture
def topic_name(request: pytest.FixtureRequest) -> Callable[[str], str]:
    """Factory of topic names unique to this test and run, so reruns against a real cluster never collide."""
    run = uuid.uuid4().hex[:8]
    counter = itertools.count()
    test = "".join(c if c.isalnum() else "-" for c in request.node.name)[:60]

    def make(label: str = "t") -> str:
        return f"test.{test}.{label}.{run}.{next(counter)}.{os.getpid()}"

    return make

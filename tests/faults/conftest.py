"""Fixtures of the fault drills: a broker of a drill's own when the drill harms it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from devstack.kafka import KafkaBroker
from devstack.pytest_fixtures import start_test_broker


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/faults/" in str(item.path):
            item.add_marker(pytest.mark.fault)
            item.add_marker(pytest.mark.e2e)
            item.add_marker(pytest.mark.kafka)
            item.add_marker(pytest.mark.slow)


@pytest.fixture
def own_broker(tmp_path: Path) -> Iterator[KafkaBroker]:
    """A broker of this drill's own: it may be stopped, killed or paused, and its history is
    the drill's alone (a drill that rewinds a group replays only its own events; the groups of
    one platform are not joined by another's)."""
    broker = start_test_broker(tmp_path / "kafka")
    try:
        yield broker
    finally:
        broker.resume()
        broker.stop()


@pytest.fixture
def kafka_bootstrap(own_broker: KafkaBroker) -> str:
    """Every drill runs on a broker of its own."""
    return own_broker.bootstrap

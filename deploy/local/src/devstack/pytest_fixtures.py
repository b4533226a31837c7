"""pytest fixtures for the real infrastructure: the Kafka broker and PostgreSQL.

Each uses the running service named by the environment when it answers
(``KAFKA_BOOTSTRAP_SERVERS``, ``TEST_POSTGRES_URL``) and otherwise starts its own on free ports
for the session, and stops it at the end.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path

import pytest

from devstack.kafka import KafkaBroker, admin_round_trip
from devstack.ports import free_port
from devstack.postgres import PostgresServer, create_database, start_postgres
from devstack.sync import run_sync
from devstack.topics import ensure_topics


def _answers(bootstrap: str) -> bool:
    try:
        run_sync(admin_round_trip(bootstrap))
    except Exception:
        return False
    return True


def start_test_broker(directory: Path) -> KafkaBroker:
    broker = KafkaBroker(
        data_dir=directory / "data",
        log_dir=directory / "log",
        port=free_port(),
        controller_port=free_port(),
    )
    broker.start()
    run_sync(ensure_topics(broker.bootstrap))
    return broker


@pytest.fixture(scope="session")
def kafka_bootstrap(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The bootstrap address of a real broker with the catalogue's topics."""
    configured = os.environ.get("KAFKA_BOOTSTRAP_SERVERS")
    if configured and _answers(configured):
        run_sync(ensure_topics(configured))
        yield configured
        return
    broker = start_test_broker(tmp_path_factory.mktemp("kafka"))
    try:
        yield broker.bootstrap
    finally:
        broker.stop()


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    server = start_postgres()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def postgres_database_factory(
    postgres_server: PostgresServer,
) -> Callable[[], Awaitable[str]]:
    """Creates a fresh database per call; returns its URL."""

    async def make() -> str:
        return await create_database(postgres_server.url, f"t_{uuid.uuid4().hex[:12]}")

    return make

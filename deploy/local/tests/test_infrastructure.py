"""The local infrastructure stops exactly what it started: PostgreSQL's process group and the
Kafka broker by its PID; and the broker has every topic of the catalogue."""

from __future__ import annotations

import os
import re
import shutil
import tempfile
import uuid
from pathlib import Path

import pytest
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.admin.config_resource import ConfigResource, ConfigResourceType
from contracts.topics import COTISATIONS_PAYMENT, IDENTITY_AFFILIATE, topic_config
from devstack.kafka import KafkaBroker, new_cluster_id
from devstack.ports import free_port
from devstack.postgres import (
    _accepts,
    _group_alive,
    ensure_database,
    start_cluster,
    start_postgres,
)
from devstack.processes import alive
from devstack.sync import run_sync
from devstack.topics import ensure_topics, wanted_topics


def test_cluster_ids_never_begin_with_a_dash_the_storage_tool_would_read_as_an_option(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # 0xf8 as the first byte encodes to "-" in URL-safe base64: the first draw is refused.
    draws = iter([uuid.UUID(bytes=b"\xf8" + bytes(15)), uuid.UUID(bytes=bytes(16))])
    monkeypatch.setattr("devstack.kafka.uuid.uuid4", lambda: next(draws))
    cluster_id = new_cluster_id()
    assert cluster_id == "AAAAAAAAAAAAAAAAAAAAAA"
    assert len(cluster_id) == 22


@pytest.mark.postgres
def test_a_started_postgres_answers_and_stopping_it_leaves_no_process() -> None:
    if os.environ.get("TEST_POSTGRES_URL"):
        pytest.fail("this test starts its own server: unset TEST_POSTGRES_URL")
    server = start_postgres()
    assert server.pid is not None
    run_sync(_accepts(server.url))
    server.stop()
    assert not _group_alive(server.pid)
    assert server.directory is not None
    assert not server.directory.exists()


@pytest.mark.postgres
def test_the_stacks_cluster_keeps_its_databases_from_one_start_to_the_next() -> None:
    """``make up DB=postgres``: the cluster in ``var/postgres`` is made once, and a service's
    database and its rows are there again at the next ``up``."""
    import asyncpg

    folder = Path(tempfile.mkdtemp(prefix="pg-kept-"))  # a folder the postgres user reaches
    port = free_port()

    async def rows(url: str, write: bool) -> list[str]:
        conn = await asyncpg.connect(url.replace("postgresql+asyncpg", "postgresql"))
        try:
            if write:
                await conn.execute("CREATE TABLE kept (v text)")
                await conn.execute("INSERT INTO kept VALUES ('from the first up')")
            return [r["v"] for r in await conn.fetch("SELECT v FROM kept")]
        finally:
            await conn.close()

    first = start_cluster(folder, port, durable=True)
    try:
        url = run_sync(ensure_database(first.url, "mandates"))
        assert url.endswith("/mandates")
        assert run_sync(rows(url, write=True)) == ["from the first up"]
    finally:
        first.stop()
    assert first.pid is not None
    assert not _group_alive(first.pid)
    assert (folder / "data" / "PG_VERSION").exists()  # stopping keeps the cluster
    second = start_cluster(folder, port, durable=True)
    try:
        assert run_sync(ensure_database(second.url, "mandates")) == url  # not made twice
        assert run_sync(rows(url, write=False)) == ["from the first up"]
    finally:
        second.stop()
        shutil.rmtree(folder, ignore_errors=True)


@pytest.mark.kafka
def test_a_broker_gets_the_catalogue_topics_and_stops_by_its_pid(tmp_path: Path) -> None:
    broker = KafkaBroker(tmp_path / "data", tmp_path / "log", free_port(), free_port())
    broker.start()
    pid = broker.pid()
    try:
        created = run_sync(ensure_topics(broker.bootstrap))
        assert set(created) == set(wanted_topics())
        assert run_sync(ensure_topics(broker.bootstrap)) == []

        async def partitions() -> dict[str, int]:
            admin = AIOKafkaAdminClient(bootstrap_servers=broker.bootstrap)
            await admin.start()
            try:
                described = await admin.describe_topics(list(wanted_topics()))
                return {t["topic"]: len(t["partitions"]) for t in described}
            finally:
                await admin.close()

        assert min(run_sync(partitions()).values()) >= 3

        async def configs(names: list[str]) -> dict[str, dict[str, str]]:
            admin = AIOKafkaAdminClient(bootstrap_servers=broker.bootstrap)
            await admin.start()
            try:
                answers = await admin.describe_configs(
                    [ConfigResource(ConfigResourceType.TOPIC, name) for name in names]
                )
                found: dict[str, dict[str, str]] = {}
                for answer in answers:
                    for _, _, _, name, entries in answer.resources:
                        found[name] = {entry[0]: entry[1] for entry in entries}
                return found
            finally:
                await admin.close()

        dlq = IDENTITY_AFFILIATE.dlq("mandates")
        described = run_sync(configs([IDENTITY_AFFILIATE.name, COTISATIONS_PAYMENT.name, dlq]))
        for name in (IDENTITY_AFFILIATE.name, COTISATIONS_PAYMENT.name, dlq):
            for key, value in topic_config(name).items():
                assert described[name][key] == value, (name, key)
        assert described[IDENTITY_AFFILIATE.name]["cleanup.policy"] == "compact"
    finally:
        broker.stop()
    assert pid is not None
    assert not alive(pid)
    assert broker.pid() is None


def test_the_summary_of_make_up_aligns_every_address_whatever_the_process_name() -> None:
    from types import SimpleNamespace

    from devstack.stack import StackInfo, summary

    processes = [
        SimpleNamespace(name="smtp-catcher", url="smtp://127.0.0.1:1025"),
        SimpleNamespace(name="notifications-worker", url="http://127.0.0.1:8112"),
        SimpleNamespace(name="identity-api", url="http://127.0.0.1:8101"),
    ]
    text = summary(StackInfo(Path("/x/var"), "127.0.0.1:9092", processes), 3)  # type: ignore[arg-type]
    rows = [line for line in text.splitlines() if line.startswith("  ")]
    columns = {re.match(r"  \S+(?: \S+)?\s+", line).end() for line in rows}  # type: ignore[union-attr]
    assert len(rows) == 6, text
    assert len(columns) == 1, text


@pytest.mark.postgres
def test_make_agent_writes_to_the_running_stacks_postgresql_not_to_a_sqlite_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``make up DB=postgres`` then ``make agent``: the agent is in identity's PostgreSQL
    database, where the running api reads it (it was written to ``var/db/identity.db``)."""
    import asyncpg
    from devstack.processes import Started, save
    from devstack.stack import create_agent

    server = start_postgres()
    try:
        assert server.pid is not None
        running = Started("postgres", server.pid, str(tmp_path / "postgres.log"))
        running.url = server.url.replace("postgresql+asyncpg", "postgresql")
        save(tmp_path / "var" / "run" / "stack.json", [running])
        monkeypatch.setenv("IDENTITY_AGENT_PASSWORD", "Une phrase de passe solide 2026")
        root = Path(__file__).resolve().parents[3]
        monkeypatch.chdir(root)
        assert create_agent(tmp_path, ["anne.agent@caisse.example", "Anne Agent"]) == 0
        url = run_sync(ensure_database(server.url, "identity"))

        async def agents() -> list[str]:
            conn = await asyncpg.connect(url.replace("postgresql+asyncpg", "postgresql"))
            try:
                rows = await conn.fetch("SELECT email FROM accounts WHERE kind = 'agent'")
                return [r["email"] for r in rows]
            finally:
                await conn.close()

        assert run_sync(agents()) == ["anne.agent@caisse.example"]
        assert not (tmp_path / "var" / "db" / "identity.db").exists()
    finally:
        server.stop()

"""Drill on the broker's security: with SASL/SCRAM users and ACLs per service, the platform
works; a worker given wrong credentials, or missing an ACL, consumes nothing, stays up, and
its readiness says why."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from devstack.acls import ACL_COMMAND, acl_commands, service_acls
from devstack.kafka import KafkaBroker, Sasl
from devstack.ports import free_port
from devstack.processes import Started, python_module, spawn, terminate
from devstack.sync import run_sync
from devstack.topics import ensure_topics
from drill import NOT_NEEDED, SERVICES, Load, all_mailed, settled
from servicekit.testing.polling import eventually
from stack_runner import RunningPlatform, run_platform


@pytest.fixture
def secure_broker(tmp_path: Path) -> Iterator[KafkaBroker]:
    users = {name: secrets.token_urlsafe(12) for name in ("admin", *SERVICES)}
    broker = KafkaBroker(
        tmp_path / "kafka" / "data",
        tmp_path / "kafka" / "log",
        free_port(),
        free_port(),
        sasl=Sasl(users),
    )
    broker.start()
    try:
        run_sync(ensure_topics(broker.bootstrap, broker.admin_security))
        for service in SERVICES:
            for args in acl_commands(service_acls(service)):
                broker.tool(ACL_COMMAND, *args)
        yield broker
    finally:
        broker.stop()


def _credentials(broker: KafkaBroker, service: str, password: str | None = None) -> dict[str, str]:
    assert broker.sasl is not None
    return {
        "KAFKA_SECURITY_PROTOCOL": "SASL_PLAINTEXT",
        "KAFKA_SASL_USERNAME": service,
        "KAFKA_SASL_PASSWORD": password or broker.sasl.users[service],
    }


def _unready_worker(
    platform: RunningPlatform, service: str, env: dict[str, str], name: str
) -> tuple[Started, str]:
    """Another copy of a service's worker, not waited for (it is not meant to be ready)."""
    from devstack.platform import service_env

    port = free_port()
    spec = platform.spec(service)
    started = spawn(
        name,
        python_module(spec.worker_module),
        {
            **service_env(platform.cfg, spec, "worker"),
            **env,
            f"{spec.env_prefix}_WORKER_PORT": str(port),
        },
        platform.cfg.var / "log",
        platform.cfg.root,
    )
    return started, f"http://127.0.0.1:{port}"


async def _refused_because(url: str, reason: str) -> None:
    async def says_why() -> bool:
        try:
            async with httpx.AsyncClient(timeout=10) as client:
                resp = await client.get(f"{url}/health/ready")
        except httpx.TransportError:
            return False
        checks = resp.json().get("checks", {}) if resp.status_code == 503 else {}
        return any(reason in str(v) for v in checks.values())

    await eventually(says_why, timeout_s=90, interval_s=1, message=f"readiness: {reason}")


async def test_each_service_reaches_only_what_its_acls_allow_and_a_refused_worker_says_why(
    secure_broker: KafkaBroker, tmp_path: Path
) -> None:
    platform = run_platform(
        tmp_path / "var",
        secure_broker.bootstrap,
        services=SERVICES,
        skip=NOT_NEEDED,
        process_env={
            f"{s}-{role}": _credentials(secure_broker, s)
            for s in SERVICES
            for role in ("api", "worker")
        },
    )
    load = Load()
    extra: list[Started] = []
    try:
        async with httpx.AsyncClient(base_url=platform.api("identity"), timeout=30) as client:
            await load.many(client, 3)
            await all_mailed(platform, set(load.accepted))

            wrong, wrong_url = _unready_worker(
                platform,
                "notifications",
                _credentials(secure_broker, "notifications", "wrong"),
                "notifications-worker-wrong",
            )
            extra.append(wrong)
            await _refused_because(wrong_url, "SASL authentication failed")

            # the read ACL of one consumed topic goes: a new copy is refused and says so
            secure_broker.tool(
                ACL_COMMAND, "--remove", "--force", "--allow-principal", "User:notifications",
                "--operation", "Read", "--operation", "Write", "--operation", "Describe",
                "--topic", "identity.account",
            )  # fmt: skip
            denied, denied_url = _unready_worker(
                platform,
                "notifications",
                _credentials(secure_broker, "notifications"),
                "notifications-worker-denied",
            )
            extra.append(denied)
            await _refused_because(denied_url, "not authorized to read the topic identity.account")
            await load.many(client, 2)
            for args in acl_commands(service_acls("notifications")):
                secure_broker.tool(ACL_COMMAND, *args)
            await load.many(client, 2)
        emails = set(load.accepted)
        await settled(platform, emails)
        # the copy the broker refused failed closed: it never joined a group, never consumed
        assert '"consumer_partitions_assigned"' not in Path(wrong.log).read_text()
    finally:
        for started in extra:
            terminate(started.pid)
        platform.stop()

"""The platform's processes on a running broker: every service's api and worker.

Used by ``make up`` (fixed ports, ``var/``) and by the end-to-end tests (free ports, a
temporary folder). The api of a service starts first (it applies the migrations), then its
worker; each is waited for on ``/health/ready``.
"""

from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from devstack.keys import load_or_create_keys
from devstack.ports import free_port
from devstack.processes import Started, python_module, spawn, terminate
from devstack.services import SERVICES, ServiceSpec


@dataclass
class PlatformConfig:
    root: Path
    var: Path
    kafka_bootstrap: str
    smtp_port: int
    services: tuple[ServiceSpec, ...] = SERVICES
    database_urls: dict[str, str] = field(default_factory=dict)
    extra_env: dict[str, str] = field(default_factory=dict)
    process_env: dict[str, dict[str, str]] = field(default_factory=dict)
    """Settings of one process only, by its name (``identity-worker``)."""

    def database_url(self, service: str) -> str:
        env_name = f"{service.upper()}_DATABASE_URL"
        return (
            self.database_urls.get(service)
            or os.environ.get(env_name)
            or f"sqlite+aiosqlite:///{self.var / 'db' / service}.db"
        )


def service_env(cfg: PlatformConfig, spec: ServiceSpec, role: str = "api") -> dict[str, str]:
    keys = load_or_create_keys(cfg.var / "keys")
    identity = next((s for s in cfg.services if s.name == "identity"), None)
    appointments = next((s for s in cfg.services if s.name == "appointments"), None)
    env = dict(os.environ)
    env.update(
        {
            "KAFKA_BOOTSTRAP_SERVERS": cfg.kafka_bootstrap,
            "LOG_JSON": "true",
            "NOTIFICATIONS_SEAL_PUBLIC_KEY": keys["seal_public"],
            "NOTIFICATIONS_SEAL_PRIVATE_KEY": keys["seal_private"],
            "IDENTITY_NIR_KEY": keys["nir_key"],
            "NOTIFICATIONS_SMTP_HOST": "127.0.0.1",
            "NOTIFICATIONS_SMTP_PORT": str(cfg.smtp_port),
            "NOTIFICATIONS_LETTERS_DIR": str(cfg.var / "letters"),
            "COTISATIONS_BANK_FILES_DIR": str(cfg.var / "bank"),
            "ATTESTATIONS_DATA_DIR": str(cfg.var / "attestations"),
            "APPOINTMENTS_SECRET_KEY": keys["appointments_key"],
            f"{spec.env_prefix}_DATABASE_URL": cfg.database_url(spec.name),
            f"{spec.env_prefix}_API_PORT": str(spec.api_port),
            f"{spec.env_prefix}_WORKER_PORT": str(spec.worker_port),
        }
    )
    if identity is not None:
        env["IDENTITY_ACTIVATION_URL"] = (
            f"http://127.0.0.1:{identity.api_port}/v1/accounts/activation"
        )
        env["IDENTITY_JWKS_URL"] = f"http://127.0.0.1:{identity.api_port}/.well-known/jwks.json"
    if appointments is not None:  # the manage links of the mails reach this stack's api
        env["APPOINTMENTS_PUBLIC_URL"] = f"http://127.0.0.1:{appointments.api_port}"
    env.update(cfg.extra_env)
    env.update(cfg.process_env.get(f"{spec.name}-{role}", {}))
    return env


def wait_ready(url: str, started: Started, timeout_s: float = 60.0) -> None:
    from devstack.processes import alive

    deadline = time.monotonic() + timeout_s
    last = "no answer"
    while time.monotonic() < deadline:
        if not alive(started.pid):
            raise RuntimeError(f"{started.name} exited; see {started.log}")
        try:
            resp = httpx.get(url, timeout=2)
            if resp.status_code == 200:
                return
            last = f"{resp.status_code} {resp.text[:200]}"
        except httpx.HTTPError as exc:
            last = repr(exc)
        time.sleep(0.1)
    raise TimeoutError(f"{started.name} not ready at {url} after {timeout_s}s: {last}")


def spawn_process(
    cfg: PlatformConfig, spec: ServiceSpec, role: str, name: str | None = None
) -> Started:
    """Start one api or worker, without waiting for it to be ready."""
    module = spec.api_module if role == "api" else spec.worker_module
    port = spec.api_port if role == "api" else spec.worker_port
    started = spawn(
        name or f"{spec.name}-{role}",
        python_module(module),
        service_env(cfg, spec, role),
        cfg.var / "log",
        cfg.root,
    )
    started.url = f"http://127.0.0.1:{port}"
    return started


def start_process(
    cfg: PlatformConfig, spec: ServiceSpec, role: str, name: str | None = None
) -> Started:
    """Start one api or worker and wait until it is ready."""
    started = spawn_process(cfg, spec, role, name)
    wait_ready(f"{started.url}/health/ready", started)
    return started


PLATFORM_READY_TIMEOUT_S = 180.0
"""How long the whole platform, started at once, may take to be ready (every process imports
and migrates at the same time, on however few cores)."""


def start_platform(
    cfg: PlatformConfig,
    roles: tuple[str, ...] = ("api", "worker"),
    skip: frozenset[str] = frozenset(),
) -> list[Started]:
    """Start every api and worker (of ``roles``, but those named in ``skip``) at once, then
    wait until each is ready; on failure, stop what was started and raise. They may start
    together: each migrates its database one copy at a time (``servicekit.migrations``) or
    waits for the schema, and nothing of one waits on another being up first."""
    started: list[Started] = []
    try:
        for spec in cfg.services:
            for role in roles:
                if f"{spec.name}-{role}" not in skip:
                    started.append(spawn_process(cfg, spec, role))
        deadline = time.monotonic() + PLATFORM_READY_TIMEOUT_S
        for item in started:
            left = max(1.0, deadline - time.monotonic())
            wait_ready(f"{item.url}/health/ready", item, timeout_s=left)
    except BaseException:
        stop_all(started)
        raise
    return started


def start_copies(
    cfg: PlatformConfig, copies: int, roles: tuple[str, ...] = ("api", "worker")
) -> list[Started]:
    """Copies 2 to ``copies`` of every api and worker (of ``roles``), each on ports of its own
    and named ``<service>-<role>-<n>``: a worker copy joins its consumer groups, an api copy
    serves the same database. Started at once, then waited for; on failure, stopped."""
    started: list[Started] = []
    try:
        for copy in range(2, copies + 1):
            for spec in cfg.services:
                other = ServiceSpec(spec.name, free_port(), free_port())
                for role in roles:
                    started.append(spawn_process(cfg, other, role, f"{spec.name}-{role}-{copy}"))
        deadline = time.monotonic() + PLATFORM_READY_TIMEOUT_S
        for item in started:
            wait_ready(
                f"{item.url}/health/ready", item, timeout_s=max(1.0, deadline - time.monotonic())
            )
    except BaseException:
        stop_all(started)
        raise
    return started


def stop_all(started: list[Started]) -> None:
    for item in reversed(started):
        terminate(item.pid)


def describe(started: list[Started]) -> str:
    return json.dumps([s.__dict__ for s in started], indent=2)

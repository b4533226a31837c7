"""Running the real processes of the local stack (every api and worker, or only those a test
needs) on a real broker, with the SMTP catcher, in a temporary folder with free ports."""

from __future__ import annotations

import os
import signal
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from devstack.platform import PlatformConfig, start_platform, start_process, stop_all
from devstack.ports import free_port
from devstack.processes import Started, kill, terminate
from devstack.services import SERVICES, ServiceSpec
from devstack.smtp_catcher import SmtpCatcher

ROOT = Path(__file__).resolve().parents[1]

FAST_ENV = {
    "NOTIFICATIONS_DELIVERY_BACKOFF_INITIAL_S": "0.2",
    "NOTIFICATIONS_DELIVERY_BACKOFF_MAX_S": "1",
    "NOTIFICATIONS_DELIVERY_SENDING_TIMEOUT_S": "5",
    "NOTIFICATIONS_DISPATCH_INTERVAL_S": "0.1",
    "IDENTITY_ARGON2_TIME_COST": "1",
    "IDENTITY_ARGON2_MEMORY_KIB": "8192",
    "LOG_LEVEL": "INFO",
    "IDENTITY_RATE_LIMIT_SIGNUP_PER_MINUTE": "1000",
    "COTISATIONS_BUSINESS_DATE": "2026-03-01",
}


@dataclass
class RunningPlatform:
    cfg: PlatformConfig
    smtp: SmtpCatcher
    processes: dict[str, Started] = field(default_factory=dict)

    @property
    def mail_dir(self) -> Path:
        return self.smtp.directory

    def api(self, service: str) -> str:
        return self.processes[f"{service}-api"].url or ""

    def url(self, name: str) -> str:
        return self.processes[name].url or ""

    def spec(self, service: str) -> ServiceSpec:
        return next(s for s in self.cfg.services if s.name == service)

    def log(self, name: str) -> str:
        return Path(self.processes[name].log).read_text(errors="replace")

    def kill(self, name: str) -> None:
        kill(self.processes[name].pid)

    def pause(self, name: str) -> None:
        """SIGSTOP: the process freezes (a long GC pause, a frozen VM)."""
        os.kill(self.processes[name].pid, signal.SIGSTOP)

    def resume(self, name: str) -> None:
        os.kill(self.processes[name].pid, signal.SIGCONT)

    def terminate(self, name: str) -> None:
        terminate(self.processes[name].pid, timeout_s=60)

    def start(self, name: str, env: dict[str, str] | None = None, *, as_name: str = "") -> None:
        """(Re)start a process; ``env`` replaces the settings given to that process alone
        (a fault point armed for its first life is then gone); ``as_name`` runs another copy."""
        service, role = name.rsplit("-", 1)
        self.cfg.process_env[name] = dict(env or {})
        spec = self.spec(service)
        if as_name:
            spec = ServiceSpec(spec.name, free_port(), free_port())  # a copy binds its own ports
        started = start_process(self.cfg, spec, role, as_name or None)
        self.processes[as_name or name] = started

    def stop(self) -> None:
        stop_all(list(self.processes.values()))
        self.smtp.stop()

    def metric(self, name: str, metric: str, **labels: str) -> float:
        """A counter or gauge of one process's ``/metrics`` (0 when absent)."""
        text = httpx.get(f"{self.url(name)}/metrics", timeout=10).text
        total = 0.0
        for line in text.splitlines():
            if not line.startswith(metric) or line.startswith("#"):
                continue
            head, _, value = line.rpartition(" ")
            if head.split("{", 1)[0] != metric:
                continue
            if all(f'{k}="{v}"' in head for k, v in labels.items()):
                total += float(value)
        return total


def run_platform(
    var: Path,
    kafka_bootstrap: str,
    refuse: frozenset[str] = frozenset(),
    *,
    services: Iterable[str] | None = None,
    roles: Iterable[str] = ("api", "worker"),
    skip: Iterable[str] = (),
    env: dict[str, str] | None = None,
    process_env: dict[str, dict[str, str]] | None = None,
    database_urls: dict[str, str] | None = None,
) -> RunningPlatform:
    """Start the platform (or the ``services`` named, in the catalogue's order)."""
    smtp = SmtpCatcher(var / "mail", free_port(), refuse=refuse)
    smtp.start()
    wanted = set(services) if services is not None else {s.name for s in SERVICES}
    specs = tuple(
        ServiceSpec(s.name, free_port(), free_port()) for s in SERVICES if s.name in wanted
    )
    cfg = PlatformConfig(
        root=ROOT,
        var=var,
        kafka_bootstrap=kafka_bootstrap,
        smtp_port=smtp.port,
        services=specs,
        database_urls=dict(database_urls or {}),
        extra_env={**FAST_ENV, **(env or {})},
        process_env={k: dict(v) for k, v in (process_env or {}).items()},
    )
    platform = RunningPlatform(cfg, smtp)
    try:
        for item in start_platform(cfg, roles=tuple(roles), skip=frozenset(skip)):
            platform.processes[item.name] = item
    except BaseException:
        smtp.stop()
        raise
    return platform

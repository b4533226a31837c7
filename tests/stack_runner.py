"""Running the real processes of the local stack (every api and worker) on a real broker, with
the SMTP catcher, in a temporary folder with free ports."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from devstack.platform import PlatformConfig, start_platform, start_process, stop_all
from devstack.ports import free_port
from devstack.processes import Started, kill
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

    def spec(self, service: str) -> ServiceSpec:
        return next(s for s in self.cfg.services if s.name == service)

    def kill(self, name: str) -> None:
        kill(self.processes[name].pid)

    def start(self, name: str) -> None:
        service, role = name.rsplit("-", 1)
        self.processes[name] = start_process(self.cfg, self.spec(service), role)

    def stop(self) -> None:
        stop_all(list(self.processes.values()))
        self.smtp.stop()


def run_platform(
    var: Path, kafka_bootstrap: str, refuse: frozenset[str] = frozenset()
) -> RunningPlatform:
    smtp = SmtpCatcher(var / "mail", free_port(), refuse=refuse)
    smtp.start()
    services = tuple(ServiceSpec(s.name, free_port(), free_port()) for s in SERVICES)
    cfg = PlatformConfig(
        root=ROOT,
        var=var,
        kafka_bootstrap=kafka_bootstrap,
        smtp_port=smtp.port,
        services=services,
        extra_env=FAST_ENV,
    )
    platform = RunningPlatform(cfg, smtp)
    try:
        for item in start_platform(cfg):
            platform.processes[item.name] = item
    except BaseException:
        smtp.stop()
        raise
    return platform

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


def site_env(listen_port: int, services: Iterable[str] | None = None) -> dict[str, str]:
    """The apis' settings for a site served by a gateway on ``listen_port``, as ``make up``
    gives them: each api knows its prefix at the gateway, and the links of identity's mails
    open the portal's pages through the gateway (and so does appointments' manage link)."""
    from devstack import gateway

    site = f"http://127.0.0.1:{listen_port}"
    names = tuple(services) if services is not None else gateway.API_SERVICES
    return {
        **gateway.root_path_env(names),
        "IDENTITY_ACTIVATION_URL": f"{site}/activation",
        "IDENTITY_PASSWORD_RESET_URL": f"{site}/reinitialisation",
        "IDENTITY_EMAIL_CONFIRMATION_URL": f"{site}/confirmation-email",
        "APPOINTMENTS_MANAGE_URL": f"{site}/rendez-vous/gestion",
    }


def start_site(platform: RunningPlatform, listen_port: int) -> str:
    """The portal (plain http) and the Envoy gateway rendered from the one template, on free
    ports, in front of ``platform``'s apis; both are processes of ``platform`` (``portal``,
    ``gateway``), stopped with it. Returns the gateway's address, the only one a browser
    needs. The portal calls each api directly; a service not running is named at a port where
    nothing listens, so its pages say the service does not answer."""
    from devstack import gateway
    from devstack.platform import wait_ready
    from devstack.processes import python_module, spawn

    cfg = platform.cfg
    running = {spec.name for spec in cfg.services}
    portal_port = free_port()
    portal_env = {
        **os.environ,
        "PORTAL_API_PORT": str(portal_port),
        "PORTAL_COOKIE_SECURE": "false",  # the site is served over plain http
        "LOG_JSON": "true",
    }
    for spec in SERVICES:
        url = platform.api(spec.name) if spec.name in running else f"http://127.0.0.1:{free_port()}"
        portal_env[f"PORTAL_{spec.name.upper()}_URL"] = url
    portal = spawn(
        "portal", python_module(gateway.PORTAL_MODULE), portal_env, cfg.var / "log", cfg.root
    )
    portal.url = f"http://127.0.0.1:{portal_port}"
    platform.processes["portal"] = portal
    wait_ready(f"{portal.url}/health/ready", portal)
    params = gateway.local_params(
        api_ports={spec.name: spec.api_port for spec in cfg.services},
        listen_port=listen_port,
        admin_port=free_port(),
        portal_port=portal_port,
        access_log=str(cfg.var / "log" / "gateway-access.log"),
    )
    config = cfg.var / "run" / "gateway.yaml"
    config.parent.mkdir(parents=True, exist_ok=True)
    config.write_text(gateway.render(params))
    envoy = spawn("gateway", gateway.command(config), dict(os.environ), cfg.var / "log", cfg.root)
    envoy.url = params.url.rstrip("/")
    platform.processes["gateway"] = envoy
    wait_ready(f"{params.admin_url}/ready", envoy)
    wait_ready(f"{envoy.url}/health/ready", envoy)  # the portal, through the gateway
    return envoy.url


def run_site(
    var: Path,
    kafka_bootstrap: str,
    *,
    services: Iterable[str] | None = None,
    env: dict[str, str] | None = None,
    process_env: dict[str, dict[str, str]] | None = None,
) -> RunningPlatform:
    """:func:`run_platform` (``services``, or all) with the portal and the gateway in front,
    as ``make up`` runs them; the site's address is ``platform.url("gateway")``."""
    listen_port = free_port()
    names = tuple(services) if services is not None else tuple(s.name for s in SERVICES)
    platform = run_platform(
        var,
        kafka_bootstrap,
        services=names,
        env={**site_env(listen_port, names), **(env or {})},
        process_env=process_env,
    )
    try:
        start_site(platform, listen_port)
    except BaseException:
        platform.stop()
        raise
    return platform

"""The platform's processes as the local stack runs them: one api and one worker per service."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ServiceSpec:
    name: str
    api_port: int
    worker_port: int

    @property
    def api_module(self) -> str:
        return f"{self.name}.entrypoints.api"

    @property
    def worker_module(self) -> str:
        return f"{self.name}.entrypoints.worker"

    @property
    def env_prefix(self) -> str:
        return self.name.upper()


SERVICES: tuple[ServiceSpec, ...] = (
    ServiceSpec("identity", 8101, 8102),
    ServiceSpec("notifications", 8111, 8112),
    ServiceSpec("cotisations", 8121, 8122),
    ServiceSpec("mandates", 8131, 8132),
    ServiceSpec("attestations", 8141, 8142),
    ServiceSpec("appointments", 8151, 8152),
)

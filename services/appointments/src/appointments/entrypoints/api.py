"""``python -m appointments.entrypoints.api``: the api process (uvicorn)."""

from __future__ import annotations

from fastapi import FastAPI
from servicekit.http import serve_api
from servicekit.logging import configure_logging
from servicekit.tracing import configure_tracing

from appointments.bootstrap import bootstrap
from appointments.config import AppointmentsSettings
from appointments.entrypoints.http import create_app


def build() -> FastAPI:
    settings = AppointmentsSettings()
    configure_logging("appointments", json=settings.log_json, level=settings.log_level)
    configure_tracing("appointments", otlp_endpoint=settings.otlp_endpoint)
    return create_app(bootstrap(settings))


def main() -> None:
    serve_api(build, "appointments", 8151)


if __name__ == "__main__":
    main()

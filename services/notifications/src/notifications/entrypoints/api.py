"""``python -m notifications.entrypoints.api``: the operator api process (uvicorn)."""

from __future__ import annotations

from fastapi import FastAPI
from servicekit.http import serve_api
from servicekit.logging import configure_logging
from servicekit.tracing import configure_tracing

from notifications.bootstrap import bootstrap
from notifications.config import NotificationsSettings
from notifications.entrypoints.http import create_app


def build() -> FastAPI:
    settings = NotificationsSettings()
    configure_logging("notifications", json=settings.log_json, level=settings.log_level)
    configure_tracing("notifications", otlp_endpoint=settings.otlp_endpoint)
    return create_app(bootstrap(settings))


def main() -> None:
    serve_api(build, "notifications", 8111)


if __name__ == "__main__":
    main()

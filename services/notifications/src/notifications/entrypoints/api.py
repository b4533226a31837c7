"""``python -m notifications.entrypoints.api``: the operator api process (uvicorn)."""

from __future__ import annotations

import os

import uvicorn
from fastapi import FastAPI
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
    port = int(os.environ.get("NOTIFICATIONS_API_PORT", "8111"))
    uvicorn.run(build(), host="127.0.0.1", port=port, log_config=None, access_log=False)


if __name__ == "__main__":
    main()

"""``python -m identity.entrypoints.api``: the api process (uvicorn)."""

from __future__ import annotations

from fastapi import FastAPI
from servicekit.http import serve_api
from servicekit.logging import configure_logging
from servicekit.tracing import configure_tracing

from identity.bootstrap import bootstrap
from identity.config import IdentitySettings
from identity.entrypoints.http import create_app


def build() -> FastAPI:
    settings = IdentitySettings()
    configure_logging("identity", json=settings.log_json, level=settings.log_level)
    configure_tracing("identity", otlp_endpoint=settings.otlp_endpoint)
    return create_app(bootstrap(settings))


def main() -> None:
    serve_api(build, "identity", 8101)


if __name__ == "__main__":
    main()

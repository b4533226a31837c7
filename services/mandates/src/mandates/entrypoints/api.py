"""``python -m mandates.entrypoints.api``: the api process (uvicorn)."""

from __future__ import annotations

from fastapi import FastAPI
from servicekit.http import serve_api
from servicekit.logging import configure_logging
from servicekit.tracing import configure_tracing

from mandates.bootstrap import bootstrap
from mandates.config import MandatesSettings
from mandates.entrypoints.http import create_app


def build() -> FastAPI:
    settings = MandatesSettings()
    configure_logging("mandates", json=settings.log_json, level=settings.log_level)
    configure_tracing("mandates", otlp_endpoint=settings.otlp_endpoint)
    return create_app(bootstrap(settings))


def main() -> None:
    serve_api(build, "mandates", 8131)


if __name__ == "__main__":
    main()

"""``python -m cotisations.entrypoints.api``: the api process (uvicorn)."""

from __future__ import annotations

from fastapi import FastAPI
from servicekit.http import serve_api
from servicekit.logging import configure_logging
from servicekit.tracing import configure_tracing

from cotisations.bootstrap import bootstrap
from cotisations.config import CotisationsSettings
from cotisations.entrypoints.http import create_app


def build() -> FastAPI:
    settings = CotisationsSettings()
    configure_logging("cotisations", json=settings.log_json, level=settings.log_level)
    configure_tracing("cotisations", otlp_endpoint=settings.otlp_endpoint)
    return create_app(bootstrap(settings))


def main() -> None:
    serve_api(build, "cotisations", 8121)


if __name__ == "__main__":
    main()

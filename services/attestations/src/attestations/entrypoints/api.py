"""``python -m attestations.entrypoints.api``: the api process (uvicorn)."""

from __future__ import annotations

from attestations.bootstrap import bootstrap
from attestations.config import AttestationsSettings
from attestations.entrypoints.http import create_app
from fastapi import FastAPI
from servicekit.http import serve_api
from servicekit.logging import configure_logging
from servicekit.tracing import configure_tracing


def build() -> FastAPI:
    settings = AttestationsSettings()
    configure_logging("attestations", json=settings.log_json, level=settings.log_level)
    configure_tracing("attestations", otlp_endpoint=settings.otlp_endpoint)
    return create_app(bootstrap(settings))


def main() -> None:
    serve_api(build, "attestations", 8141)


if __name__ == "__main__":
    main()

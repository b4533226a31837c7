"""``python -m identity.entrypoints.api``: the api process (uvicorn)."""

from __future__ import annotations

import os

import uvicorn
from fastapi import FastAPI
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
    port = int(os.environ.get("IDENTITY_API_PORT", "8101"))
    uvicorn.run(build(), host="127.0.0.1", port=port, log_config=None, access_log=False)


if __name__ == "__main__":
    main()

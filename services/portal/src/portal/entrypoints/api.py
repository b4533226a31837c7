"""``python -m portal.entrypoints.api``: the portal's process (uvicorn), on ``PORTAL_API_PORT``.

Default port 8161."""

from __future__ import annotations

from fastapi import FastAPI
from servicekit.http import serve_api
from servicekit.logging import configure_logging
from servicekit.tracing import configure_tracing

from portal.bootstrap import bootstrap
from portal.config import PortalSettings
from portal.entrypoints.http import create_app


def build() -> FastAPI:
    settings = PortalSettings()
    configure_logging("portal", json=settings.log_json, level=settings.log_level)
    configure_tracing("portal", otlp_endpoint=settings.otlp_endpoint)
    return create_app(bootstrap(settings))


def main() -> None:
    serve_api(build, "portal", 8161)


if __name__ == "__main__":
    main()

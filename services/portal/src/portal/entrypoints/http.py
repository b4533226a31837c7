"""The portal's FastAPI application."""

from __future__ import annotations

from fastapi import FastAPI
from servicekit.health import health_router

from portal.config import PortalSettings


def create_app(settings: PortalSettings) -> FastAPI:
    app = FastAPI(title="Mon compte — portail", docs_url=None, redoc_url=None, openapi_url=None)
    app.include_router(health_router([]))
    app.state.settings = settings
    return app

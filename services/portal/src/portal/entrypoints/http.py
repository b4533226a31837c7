"""The portal's FastAPI application: server-rendered pages over the services' apis."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, Response
from fastapi.staticfiles import StaticFiles
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from servicekit.health import NotReady, ReadinessCheck, health_router
from servicekit.http import NO_NATIVE_TELEMETRY, Observability
from servicekit.logging import get_logger
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from portal.adapters.apis import ApiError
from portal.bootstrap import PortalApp
from portal.entrypoints import (
    pages_account,
    pages_agency,
    pages_agency_closures,
    pages_agency_record,
    pages_agency_slots,
    pages_appointment_link,
    pages_appointments,
    pages_back_office,
    pages_back_office_letters,
    pages_back_office_plans,
    pages_cabinet,
    pages_client,
    pages_collaborators,
    pages_cotisations,
    pages_deactivation,
    pages_declarations,
    pages_direct_debit,
    pages_documents,
    pages_email,
    pages_estimates,
    pages_imports,
    pages_links,
    pages_payment_plans,
    pages_payment_terms,
    pages_pensions,
    pages_portfolios,
    pages_telepayment_change,
)
from portal.entrypoints.body_limits import BodyLimits
from portal.entrypoints.web import (
    FormTokenRefused,
    LoginRequired,
    NotForThisActor,
    VisitCookie,
    login_redirect,
    render,
    templates,
)

_log = get_logger(__name__)
STATIC_DIR = Path(__file__).resolve().parents[1] / "static"
MAX_FORM_BYTES = 64 * 1024
"""The largest form a page sends is a few hundred bytes; anything far larger is refused (413)."""

SECURITY_HEADERS = [
    (
        b"content-security-policy",
        b"default-src 'self'; img-src 'self' data:; script-src 'self'; style-src 'self'; "
        b"font-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'self'; "
        b"object-src 'none'; worker-src 'self'",
    ),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
    (b"x-frame-options", b"DENY"),
]


class SecurityHeaders:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                headers.extend(SECURITY_HEADERS)
                if not scope["path"].startswith("/static/"):
                    headers.append((b"cache-control", b"no-store"))
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)


def assets_check(portal: PortalApp) -> ReadinessCheck:
    async def check() -> None:
        if not (portal.settings.assets_dir / "@gouvfr" / "dsfr" / "dist").is_dir():
            raise NotReady(
                f"DSFR is not installed in {portal.settings.assets_dir}: run "
                "`npm ci --ignore-scripts` in services/portal (make bootstrap does)"
            )

    return ("assets", check)


def _mount_assets(app: FastAPI, portal: PortalApp) -> None:
    assets = portal.settings.assets_dir
    app.mount("/static/portal", StaticFiles(directory=str(STATIC_DIR)), name="portal-static")
    dsfr = assets / "@gouvfr" / "dsfr" / "dist"
    htmx = assets / "htmx.org" / "dist"
    # check_dir=False: a process started before `npm ci` answers 404 for the assets (and
    # reports not ready) rather than refusing to start
    app.mount("/static/dsfr", StaticFiles(directory=str(dsfr), check_dir=False), name="dsfr")
    app.mount("/static/htmx", StaticFiles(directory=str(htmx), check_dir=False), name="htmx")
    # ALTCHA's build with its worker and styles as files of their own (no blob: worker, no
    # inline style): it runs under the policy above with nothing but 'self'
    altcha = assets / "altcha" / "dist_external"
    app.mount("/static/altcha", StaticFiles(directory=str(altcha), check_dir=False), name="altcha")


def create_app(portal: PortalApp) -> FastAPI:
    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        try:
            yield
        finally:
            await portal.aclose()

    app = FastAPI(
        title="Mon compte — portail",
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
        lifespan=lifespan,
        telemetry=NO_NATIVE_TELEMETRY,  # the request's span and metrics are Observability's
    )
    app.state.portal = portal
    app.state.templates = templates()
    app.include_router(health_router([assets_check(portal)]))

    @app.get("/metrics", include_in_schema=False)
    def metrics() -> Response:
        return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)

    for module in (
        pages_account,
        pages_links,
        pages_cotisations,
        pages_deactivation,
        pages_estimates,
        pages_declarations,
        pages_payment_terms,
        pages_direct_debit,
        pages_telepayment_change,
        pages_documents,
        pages_pensions,
        pages_email,
        pages_cabinet,
        pages_imports,
        pages_portfolios,
        pages_client,
        pages_collaborators,
        pages_payment_plans,
        pages_back_office,
        pages_back_office_plans,
        pages_back_office_letters,
        pages_appointments,
        pages_appointment_link,
        pages_agency,
        pages_agency_slots,
        pages_agency_closures,
        pages_agency_record,
    ):
        app.include_router(module.router)
    _mount_assets(app, portal)

    @app.exception_handler(LoginRequired)
    async def to_login(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, LoginRequired)
        return login_redirect(exc.next_path)

    @app.exception_handler(FormTokenRefused)
    async def form_refused(request: Request, exc: Exception) -> HTMLResponse:
        return render(
            request,
            "error.html",
            title="Formulaire refusé",
            status_code=403,
            heading="Formulaire refusé",
            message="Ce formulaire a expiré ou ne vient pas de ce site. Rechargez la page et "
            "recommencez.",
        )

    @app.exception_handler(NotForThisActor)
    async def not_for_you(request: Request, exc: Exception) -> HTMLResponse:
        assert isinstance(exc, NotForThisActor)
        return render(
            request,
            "error.html",
            title="Accès refusé",
            status_code=403,
            heading="Accès refusé",
            message=exc.message,
        )

    @app.exception_handler(ApiError)
    async def api_refused(request: Request, exc: Exception) -> HTMLResponse:
        assert isinstance(exc, ApiError)
        status = 503 if exc.status >= 500 else exc.status
        _log.info("api_refused", status=exc.status, kind=exc.kind, path=request.url.path)
        return render(
            request,
            "error.html",
            title="Demande non aboutie",
            status_code=status,
            heading="Votre demande n'a pas abouti",
            message=exc.message,
        )

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: Exception) -> HTMLResponse:
        assert isinstance(exc, StarletteHTTPException)
        if exc.status_code == 404:
            heading, message = (
                "Page non trouvée",
                "La page que vous cherchez est introuvable. Vérifiez l'adresse ou revenez à "
                "l'accueil.",
            )
        elif exc.status_code == 405:
            heading, message = ("Action impossible", "Cette action n'est pas permise ici.")
        else:
            heading, message = ("Erreur", "La demande n'a pas pu être traitée.")
        return render(
            request,
            "error.html",
            title=heading,
            status_code=exc.status_code,
            heading=heading,
            message=message,
        )

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> HTMLResponse:
        _log.exception("portal_unexpected_error", path=request.url.path)
        return render(
            request,
            "error.html",
            title="Erreur inattendue",
            status_code=500,
            heading="Erreur inattendue",
            message="Une erreur inattendue est survenue. Réessayez dans quelques instants.",
        )

    app.add_middleware(VisitCookie, portal=portal)
    larger = {**pages_imports.BODY_LIMITS, **pages_back_office.BODY_LIMITS}
    app.add_middleware(BodyLimits, max_bytes=MAX_FORM_BYTES, larger=larger)
    app.add_middleware(SecurityHeaders)
    app.add_middleware(Observability, service="portal")
    return app

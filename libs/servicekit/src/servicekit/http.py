"""The FastAPI application shape shared by every service's api process.

Problem documents for every error, a body-size limit (413), per-request metrics and a server
span continuing the caller's trace, health routes, ``/metrics``, and the API's documentation
pages (``/docs``, Swagger UI; ``/redoc``) served with their assets, so they work with no network.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from importlib.resources import files
from typing import Any

from fastapi import APIRouter, FastAPI, Response
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles
from fastapi.telemetry import TelemetryConfig
from opentelemetry import trace
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from servicekit.auth import TokenVerifier
from servicekit.health import ReadinessCheck, health_router
from servicekit.idempotency import Idempotency, IdempotencyStore
from servicekit.metrics import HTTP_LATENCY, HTTP_REQUESTS
from servicekit.problems import PROBLEM_JSON, PayloadTooLarge, install_problem_handlers
from servicekit.tracing import context_from_headers, tracer

Lifespan = Callable[[FastAPI], AbstractAsyncContextManager[None]]


class BodySizeLimit:
    """Refuses bodies over ``max_bytes`` with a 413 problem, before the route reads them."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        declared = headers.get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            await self._refuse(scope, send)
            return
        received = 0

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    # raised while FastAPI reads the body (a chunked body, no Content-Length):
                    # as an HTTP exception it is answered 413, not "an error parsing the body"
                    raise _BodyTooLargeError(self.max_bytes)
            return message

        try:
            await self.app(scope, limited_receive, send)
        except _BodyTooLargeError:
            await self._refuse(scope, send)

    async def _refuse(self, scope: Scope, send: Send) -> None:
        import json

        problem = PayloadTooLarge(
            f"Le corps de la requête dépasse la taille maximale de {self.max_bytes} octets."
        )
        body = json.dumps(problem.body(instance=scope.get("path"))).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [
                    (b"content-type", PROBLEM_JSON.encode()),
                    (b"content-length", str(len(body)).encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})


class _BodyTooLargeError(StarletteHTTPException):
    def __init__(self, max_bytes: int) -> None:
        super().__init__(
            413, f"Le corps de la requête dépasse la taille maximale de {max_bytes} octets."
        )


NO_NATIVE_TELEMETRY: TelemetryConfig = {
    "tracing": False,
    "metrics": False,
    "logs": False,
    "operation_spans": False,
}


class Observability:
    """A server span per request (continuing ``traceparent``), named after the method and the
    route's template (``GET /v1/accounts/{affiliate_id}``; the method alone when no route
    matched), and Prometheus metrics."""

    def __init__(self, app: ASGIApp, service: str) -> None:
        self.app = app
        self.service = service

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = {k.decode(): v.decode() for k, v in scope.get("headers") or []}
        method = scope["method"]
        status = 500
        started = time.perf_counter()

        async def send_wrapper(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        with tracer("servicekit.http").start_as_current_span(
            f"{method} {scope['path']}",
            context=context_from_headers(headers),
            kind=trace.SpanKind.SERVER,
        ) as span:
            try:
                await self.app(scope, receive, send_wrapper)
            finally:
                route = scope.get("route")
                path = getattr(route, "path", "unmatched")
                # low-cardinality names: the template, or the method alone when none matched
                span.update_name(f"{method} {path}" if route is not None else method)
                span.set_attribute("http.route", path)
                span.set_attribute("http.response.status_code", status)
                HTTP_REQUESTS.labels(self.service, method, path, str(status)).inc()
                HTTP_LATENCY.labels(self.service, method, path).observe(
                    time.perf_counter() - started
                )


DOCS_ASSETS_PATH = "/docs/assets"
"""Where the api serves Swagger UI's and ReDoc's files (those of the fastapi-offline package)."""


def _docs_assets() -> StaticFiles:
    return StaticFiles(directory=str(files("fastapi_offline") / "static"))


def install_docs(app: FastAPI) -> None:
    """``/docs`` (Swagger UI) and ``/redoc`` with their JavaScript, CSS and icon served by the
    api itself rather than from a CDN: the pages work on a machine with no network.

    Every URL in the pages is relative to the page (``openapi.json``, ``docs/assets/…``), so
    they also work behind a gateway that serves the api under a path prefix, with or without
    telling it (``root_path``)."""
    openapi = (app.openapi_url or "/openapi.json").lstrip("/")
    assets = DOCS_ASSETS_PATH.lstrip("/")
    app.mount(DOCS_ASSETS_PATH, _docs_assets(), name="docs-assets")

    @app.get("/docs", include_in_schema=False)
    async def swagger_ui() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url=openapi,
            title=f"{app.title} — Swagger UI",
            swagger_js_url=f"{assets}/swagger-ui-bundle.js",
            swagger_css_url=f"{assets}/swagger-ui.css",
            swagger_favicon_url=f"{assets}/favicon.png",
            # no call to the online validator: the page talks to this api only
            swagger_ui_parameters={"validatorUrl": None},
        )

    @app.get("/redoc", include_in_schema=False)
    async def redoc() -> HTMLResponse:
        return get_redoc_html(
            openapi_url=openapi,
            title=f"{app.title} — ReDoc",
            redoc_js_url=f"{assets}/redoc.standalone.js",
            redoc_favicon_url=f"{assets}/favicon.png",
            with_google_fonts=False,
        )


def create_http_app(
    *,
    service: str,
    title: str,
    description: str,
    version: str = "1.0.0",
    routers: Sequence[APIRouter],
    checks: Sequence[ReadinessCheck],
    lifespan: Lifespan | None = None,
    max_body_bytes: int = 1_048_576,
    openapi_tags: list[dict[str, Any]] | None = None,
    idempotency: IdempotencyStore | None = None,
    idempotency_exclude: Sequence[str] = (),
    verifier: TokenVerifier | None = None,
) -> FastAPI:
    """The api of a service. With ``idempotency``, every ``POST`` takes an ``Idempotency-Key``
    (but the paths matching ``idempotency_exclude``, which handle it themselves), and the
    OpenAPI says so. With ``verifier``, identity's key set is fetched from the api's start, in
    the background (:meth:`TokenVerifier.warm_up`), not by its first request."""
    app = FastAPI(
        title=title,
        description=description,
        version=version,
        lifespan=lifespan if verifier is None else _warming(verifier, lifespan),
        openapi_tags=openapi_tags,
        docs_url=None,
        redoc_url=None,
        # the request's span and metrics are Observability's: FastAPI's own (a second server
        # span, and one per dependency, endpoint and serialization) doubled them and cost
        # 0.1-0.2 ms of CPU a request
        telemetry=NO_NATIVE_TELEMETRY,
    )
    install_problem_handlers(app)
    install_docs(app)
    for router in routers:
        app.include_router(router)
    app.include_router(health_router(checks))

    @app.get("/metrics", include_in_schema=False)
    def metrics() -> Response:
        return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)

    _document_common_statuses(app)
    if idempotency is not None:
        app.add_middleware(Idempotency, store=idempotency, exclude=idempotency_exclude)
        _document_idempotency(app, idempotency_exclude)
    app.add_middleware(BodySizeLimit, max_bytes=max_body_bytes)
    app.add_middleware(Observability, service=service)
    return app


def _warming(verifier: TokenVerifier, lifespan: Lifespan | None) -> Lifespan:
    """``lifespan`` with the key set's warm-up running beside it (cancelled at the end if
    identity never answered)."""

    @asynccontextmanager
    async def run(app: FastAPI) -> AsyncIterator[None]:
        warming = asyncio.create_task(verifier.warm_up(), name="jwks-warm-up")
        try:
            if lifespan is None:
                yield
            else:
                async with lifespan(app):
                    yield
        finally:
            warming.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await warming

    return run


_PROBLEM = {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}
_COMMON = {
    "401": "Authentification requise : jeton absent, illisible, expiré ou d'une autre clé",
    "413": "Corps de requête trop volumineux",
    "422": "Données invalides (le détail nomme chaque champ, en français)",
    "500": "Erreur inattendue",
}
_DECLARED = {
    "400": "Requête mal formée",
    "403": "Accès refusé : l'appelant n'a pas ce droit sur cette ressource",
    "404": "Ressource introuvable (ou hors de la portée de l'appelant)",
    "409": "Conflit avec l'état actuel de la ressource",
    "410": "Ressource expirée",
    "423": "Ressource verrouillée",
    "429": "Trop de requêtes : réessayez plus tard",
}


def _fastapis_own(response: dict[str, Any]) -> bool:
    """FastAPI's automatic 422, which describes its default body, not the problem answered."""
    schema = response.get("content", {}).get("application/json", {}).get("schema", {})
    return str(schema.get("$ref", "")).endswith("/HTTPValidationError")


def _document_common_statuses(app: FastAPI) -> None:
    """Every operation declares what any route of the platform can answer: 422 when it takes
    parameters or a body, 413 with a body, 401 when it needs a token, 500; each a problem
    document. A route declares its own statuses (403, 404, 409…) in its ``responses``."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is not None:
            return app.openapi_schema
        schema = generate()
        schema.setdefault("components", {}).setdefault("schemas", {})["Problem"] = {
            "type": "object",
            "description": "RFC 9457 problem document",
            "properties": {
                "type": {"type": "string"},
                "title": {"type": "string"},
                "status": {"type": "integer"},
                "detail": {"type": "string"},
                "instance": {"type": "string"},
            },
            "required": ["type", "title", "status", "detail"],
        }
        for operations in schema.get("paths", {}).values():
            for operation in operations.values():
                if not isinstance(operation, dict) or "responses" not in operation:
                    continue
                wanted = ["500"]
                if operation.get("parameters") or operation.get("requestBody"):
                    wanted.append("422")
                if operation.get("requestBody"):
                    wanted.append("413")
                if operation.get("security"):
                    wanted.append("401")
                for status, declared in operation["responses"].items():
                    if status in _DECLARED and not declared.get("content"):
                        if declared.get("description") in (None, "", "Additional Response"):
                            declared["description"] = _DECLARED[status]
                        declared["content"] = _PROBLEM
                for status in wanted:
                    current = operation["responses"].get(status)
                    if current is None or not current.get("content") or _fastapis_own(current):
                        operation["responses"][status] = {
                            "description": (current or {}).get("description") or _COMMON[status],
                            "content": _PROBLEM,
                        }
        app.openapi_schema = schema
        return schema

    app.openapi = openapi  # type: ignore[method-assign]


_KEY_PARAMETER = {
    "name": "Idempotency-Key",
    "in": "header",
    "required": False,
    "description": "Your id for this request (1 to 100 letters, digits or « _ . : - »): a "
    "request retried with the same key gets the first answer again and has no second effect; "
    "the same key with another body is refused (422), and 409 while the first still runs.",
    "schema": {"type": "string", "maxLength": 100, "pattern": r"^[A-Za-z0-9_.:\-]{1,100}$"},
}


def _document_idempotency(app: FastAPI, exclude: Sequence[str]) -> None:
    import re

    patterns = [re.compile(p) for p in exclude]
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is not None:
            return app.openapi_schema
        schema = generate()
        for path, operations in schema.get("paths", {}).items():
            post = operations.get("post")
            if post is None or any(p.search(path) for p in patterns):
                continue
            names = {p.get("name", "").lower() for p in post.get("parameters", [])}
            if "idempotency-key" not in names:
                post.setdefault("parameters", []).append(dict(_KEY_PARAMETER))
            responses = post.setdefault("responses", {})
            responses.setdefault(
                "409",
                {
                    "description": "Idempotency-Key in use by a request still running",
                    "content": _PROBLEM,
                },
            )
            if "422" not in responses or _fastapis_own(responses["422"]):
                responses["422"] = {"description": _COMMON["422"], "content": _PROBLEM}
        app.openapi_schema = schema
        return schema

    app.openapi = openapi  # type: ignore[method-assign]


def bind_host() -> str:
    """The address an api or a worker listens on (``BIND_HOST``, loopback by default)."""
    import os

    return os.environ.get("BIND_HOST", "").strip() or "127.0.0.1"


def serve_api(build: Callable[[], Any], service: str, default_port: int) -> None:
    """``python -m <service>.entrypoints.api``: serve the api on ``<SERVICE>_API_PORT``.

    ``X-Forwarded-For`` and ``X-Forwarded-Proto`` are believed only from the addresses in
    ``TRUSTED_PROXIES`` (comma-separated: the gateway's); from anyone else they are ignored, so
    that a caller cannot choose the address its rate limits count against.

    ``<SERVICE>_ROOT_PATH`` is the path prefix the gateway serves the api under
    (``/api/identity``; the gateway strips it before forwarding): the OpenAPI document names it
    as its server, so the docs page's calls go through the gateway. The api still answers on its
    own paths, with or without the prefix, so direct access keeps working.

    ``BIND_HOST`` is the address listened on: loopback by default, ``0.0.0.0`` in a pod (its
    Service, probes and scraping come from outside the container)."""
    import os

    from servicekit.serving import serve

    port = int(os.environ.get(f"{service.upper()}_API_PORT", str(default_port)))
    root_path = os.environ.get(f"{service.upper()}_ROOT_PATH", "").strip().rstrip("/")
    trusted = os.environ.get("TRUSTED_PROXIES", "").strip()
    serve(
        build(),
        host=bind_host(),
        port=port,
        root_path=root_path,
        log_config=None,
        access_log=False,
        proxy_headers=bool(trusted),
        forwarded_allow_ips=trusted or None,
    )

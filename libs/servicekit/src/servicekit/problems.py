"""RFC 9457 problem documents for every HTTP error of the platform.

A domain or application error is raised as a :class:`Problem` (or a subclass); the FastAPI
handlers installed by :func:`install_problem_handlers` turn it, request validation errors and
unexpected failures into ``application/problem+json`` answers.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from servicekit.logging import get_logger

PROBLEM_BASE = "https://mon-compte.example/problems/"
PROBLEM_JSON = "application/problem+json"

_log = get_logger(__name__)


class Problem(Exception):
    """An error answered as a problem document."""

    status: int = 400
    kind: str = "bad-request"
    title: str = "Requête invalide"

    def __init__(
        self,
        detail: str,
        *,
        kind: str | None = None,
        title: str | None = None,
        status: int | None = None,
        headers: dict[str, str] | None = None,
        extra: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(detail)
        self.detail = detail
        if kind is not None:
            self.kind = kind
        if title is not None:
            self.title = title
        if status is not None:
            self.status = status
        self.headers = headers or {}
        self.extra = extra or {}

    @property
    def type_uri(self) -> str:
        return PROBLEM_BASE + self.kind

    def body(self, instance: str | None = None) -> dict[str, Any]:
        doc: dict[str, Any] = {
            "type": self.type_uri,
            "title": self.title,
            "status": self.status,
            "detail": self.detail,
        }
        if instance:
            doc["instance"] = instance
        doc.update(self.extra)
        return doc


class ValidationProblem(Problem):
    status = 422
    kind = "validation-error"
    title = "Données invalides"

    def __init__(self, detail: str, errors: list[dict[str, Any]] | None = None) -> None:
        super().__init__(detail, extra={"errors": errors or []})


class NotFound(Problem):
    status = 404
    kind = "not-found"
    title = "Ressource introuvable"


class Conflict(Problem):
    status = 409
    kind = "conflict"
    title = "Conflit"


class Forbidden(Problem):
    status = 403
    kind = "forbidden"
    title = "Accès refusé"


class Unauthorized(Problem):
    status = 401
    kind = "unauthorized"
    title = "Authentification requise"

    def __init__(self, detail: str = "Authentification requise.") -> None:
        super().__init__(detail, headers={"WWW-Authenticate": "Bearer"})


class RateLimited(Problem):
    status = 429
    kind = "rate-limited"
    title = "Trop de requêtes"

    def __init__(self, retry_after_s: int, detail: str | None = None) -> None:
        super().__init__(
            detail or f"Trop de tentatives. Réessayez dans {retry_after_s} secondes.",
            headers={"Retry-After": str(retry_after_s)},
            extra={"retry_after": retry_after_s},
        )


class PayloadTooLarge(Problem):
    status = 413
    kind = "payload-too-large"
    title = "Requête trop volumineuse"


class Unavailable(Problem):
    status = 503
    kind = "unavailable"
    title = "Service momentanément indisponible"

    def __init__(self, detail: str, retry_after_s: int = 5) -> None:
        super().__init__(detail, headers={"Retry-After": str(retry_after_s)})


_FIELD_MESSAGES = {
    "missing": "Ce champ est obligatoire.",
    "string_too_short": "Ce champ est trop court.",
    "string_too_long": "Ce champ est trop long.",
    "string_pattern_mismatch": "Ce champ n'a pas le format attendu.",
    "value_error": "Valeur invalide.",
    "json_invalid": "Le corps de la requête n'est pas un JSON valide.",
    "extra_forbidden": "Ce champ n'est pas attendu.",
}


def field_errors(errors: list[Any]) -> list[dict[str, Any]]:
    """Pydantic errors as ``{"field", "code", "message"}`` with a French message."""
    out = []
    for err in errors:
        loc = [str(p) for p in err.get("loc", ()) if p not in ("body", "query", "path")]
        code = err.get("type", "value_error")
        message = err.get("msg", "")
        if code == "value_error":
            ctx_error = err.get("ctx", {}).get("error")
            message = str(ctx_error) if ctx_error else message.removeprefix("Value error, ")
        else:
            message = _FIELD_MESSAGES.get(code, message)
        out.append({"field": ".".join(loc) or None, "code": code, "message": message})
    return out


def _answer(problem: Problem, request: Request) -> JSONResponse:
    return JSONResponse(
        problem.body(instance=request.url.path),
        status_code=problem.status,
        headers=problem.headers,
        media_type=PROBLEM_JSON,
    )


def install_problem_handlers(app: FastAPI) -> None:
    async def on_problem(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, Problem)
        return _answer(exc, request)

    async def on_validation(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, RequestValidationError)
        errors = field_errors(list(exc.errors()))
        detail = "; ".join(
            f"{e['field']}: {e['message']}" if e["field"] else e["message"] for e in errors
        )
        return _answer(ValidationProblem(detail or "Données invalides.", errors), request)

    async def on_http(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, StarletteHTTPException)
        titles: dict[int, type[Problem]] = {404: NotFound, 401: Unauthorized, 403: Forbidden}
        cls = titles.get(exc.status_code, Problem)
        problem = Problem(
            str(exc.detail),
            status=exc.status_code,
            kind=cls.kind if cls is not Problem else f"http-{exc.status_code}",
            title=cls.title,
            headers=dict(exc.headers or {}),
        )
        return _answer(problem, request)

    async def on_unexpected(request: Request, exc: Exception) -> JSONResponse:
        _log.exception("http_unexpected_error", path=request.url.path)
        problem = Problem(
            "Une erreur inattendue est survenue.",
            status=500,
            kind="internal-error",
            title="Erreur interne",
        )
        return _answer(problem, request)

    app.add_exception_handler(Problem, on_problem)
    app.add_exception_handler(RequestValidationError, on_validation)
    app.add_exception_handler(StarletteHTTPException, on_http)
    app.add_exception_handler(Exception, on_unexpected)

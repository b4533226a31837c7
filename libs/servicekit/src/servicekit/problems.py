"""RFC 9457 problem documents for every HTTP error of the platform.

A domain or application error is raised as a :class:`Problem` (or a subclass); the FastAPI
handlers installed by :func:`install_problem_handlers` turn it, request validation errors and
unexpected failures into ``application/problem+json`` answers.
"""

from __future__ import annotations

import re
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
    "string_too_short": "Ce champ est trop court (au moins {min_length} caractères).",
    "string_too_long": "Ce champ est trop long (au plus {max_length} caractères).",
    "string_pattern_mismatch": "Ce champ n'a pas le format attendu.",
    "string_type": "Ce champ doit être un texte.",
    "string_unicode": "Ce champ contient des caractères illisibles.",
    "value_error": "Valeur invalide.",
    "json_invalid": "Le corps de la requête n'est pas un JSON valide.",
    "json_type": "Le corps de la requête doit être un objet JSON.",
    "model_attributes_type": "Le corps de la requête doit être un objet JSON.",
    "model_type": "Ce champ doit être un objet JSON.",
    "dict_type": "Ce champ doit être un objet JSON.",
    "list_type": "Ce champ doit être une liste.",
    "tuple_type": "Ce champ doit être une liste.",
    "set_type": "Ce champ doit être une liste.",
    "extra_forbidden": "Ce champ n'est pas attendu.",
    "int_type": "Ce champ doit être un nombre entier.",
    "int_parsing": "Ce champ doit être un nombre entier.",
    "int_from_float": "Ce champ doit être un nombre entier.",
    "float_type": "Ce champ doit être un nombre.",
    "float_parsing": "Ce champ doit être un nombre.",
    "decimal_type": "Ce champ doit être un montant (par exemple 1234.56).",
    "decimal_parsing": "Ce champ doit être un montant (par exemple 1234.56).",
    "decimal_max_digits": "Ce montant a trop de chiffres.",
    "decimal_max_places": "Ce montant a trop de décimales (au plus {decimal_places}).",
    "decimal_whole_digits": "Ce montant est trop grand.",
    "finite_number": "Ce champ doit être un nombre fini.",
    "bool_type": "Ce champ doit valoir true ou false.",
    "bool_parsing": "Ce champ doit valoir true ou false.",
    "greater_than": "Ce champ doit être supérieur à {gt}.",
    "greater_than_equal": "Ce champ doit être supérieur ou égal à {ge}.",
    "less_than": "Ce champ doit être inférieur à {lt}.",
    "less_than_equal": "Ce champ doit être inférieur ou égal à {le}.",
    "multiple_of": "Ce champ doit être un multiple de {multiple_of}.",
    "too_short": "Ce champ doit contenir au moins {min_length} éléments.",
    "too_long": "Ce champ doit contenir au plus {max_length} éléments.",
    "literal_error": "Ce champ doit valoir l'une des valeurs : {expected}.",
    "enum": "Ce champ doit valoir l'une des valeurs : {expected}.",
    "date_type": "Ce champ doit être une date (AAAA-MM-JJ ou JJ/MM/AAAA).",
    "date_parsing": "Ce champ doit être une date (AAAA-MM-JJ ou JJ/MM/AAAA).",
    "date_from_datetime_parsing": "Ce champ doit être une date (AAAA-MM-JJ ou JJ/MM/AAAA).",
    "date_from_datetime_inexact": "Ce champ doit être une date, sans heure.",
    "date_past": "Cette date doit être dans le passé.",
    "date_future": "Cette date doit être dans le futur.",
    "datetime_type": "Ce champ doit être une date et une heure (ISO 8601).",
    "datetime_parsing": "Ce champ doit être une date et une heure (ISO 8601).",
    "datetime_from_date_parsing": "Ce champ doit être une date et une heure (ISO 8601).",
    "timezone_aware": "Cette date et heure doit préciser son fuseau (par exemple +01:00).",
    "uuid_type": "Ce champ doit être un identifiant (UUID).",
    "uuid_parsing": "Ce champ doit être un identifiant (UUID).",
    "url_type": "Ce champ doit être une adresse web.",
    "url_parsing": "Ce champ doit être une adresse web.",
    "url_scheme": "Ce champ doit être une adresse web en http ou https.",
    "bytes_type": "Ce champ doit être un texte.",
    "none_required": "Ce champ doit être vide.",
    "union_tag_invalid": "Ce champ n'a pas une valeur attendue.",
    "union_tag_not_found": "Ce champ n'a pas une valeur attendue.",
    "assertion_error": "Valeur invalide.",
}


def _in_french(value: str) -> str:
    """Pydantic lists expected values as "'a', 'b' or 'c'": the last link said in French."""
    return value.replace("' or '", "' ou '")


def _french(code: str, context: dict[str, Any], fallback: str) -> str:
    if code == "string_too_short" and str(context.get("min_length")) == "1":
        return "Ce champ ne peut pas être vide."
    template = _FIELD_MESSAGES.get(code)
    if template is None:
        return "Valeur invalide." if fallback.isascii() else fallback
    try:
        message = template.format(**{k: _in_french(str(v)) for k, v in context.items()})
        return re.sub(r"\b([01]) (caractère|élément)s\b", r"\1 \2", message)
    except (KeyError, IndexError):
        return template.split(" (", 1)[0].rstrip(".") + "."


_NOT_AN_EMAIL = "value is not a valid email address"


def field_errors(errors: list[Any]) -> list[dict[str, Any]]:
    """Pydantic errors as ``{"field", "code", "message"}`` with a French message (a type of
    error this table does not know gets "Valeur invalide." rather than pydantic's English)."""
    out = []
    for err in errors:
        loc = [str(p) for p in err.get("loc", ()) if p not in ("body", "query", "path")]
        code = err.get("type", "value_error")
        message = err.get("msg", "")
        context = err.get("ctx") or {}
        if code == "value_error":
            ctx_error = context.get("error")
            message = str(ctx_error) if ctx_error else message.removeprefix("Value error, ")
            if message.startswith(_NOT_AN_EMAIL):  # pydantic's EmailStr, in English
                message = "Cette adresse électronique n'est pas valide (exemple : nom@domaine.fr)."
        elif code not in _FIELD_MESSAGES and not message.isascii():
            pass  # a custom error already written in French (e.g. servicekit.french)
        else:
            message = _french(code, context, message)
        out.append({"field": ".".join(loc) or None, "code": code, "message": message})
    return out


_UNREADABLE = "There was an error parsing the body"
_HTTP_DETAILS = {  # what the framework says, as a user of the platform reads it
    _UNREADABLE: ("Le corps de la requête est illisible : un JSON en UTF-8 est attendu."),
    "Not Found": "Cette adresse ne correspond à aucune ressource.",
    "Method Not Allowed": "Cette méthode n'est pas permise sur cette adresse.",
    "Not authenticated": "Authentification requise.",
}


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
        if exc.status_code == 400 and exc.detail == _UNREADABLE:
            # a body that is not JSON in UTF-8 is invalid data, as malformed JSON is (422)
            message = _HTTP_DETAILS[_UNREADABLE]
            errors = [{"field": None, "code": "body_unreadable", "message": message}]
            return _answer(ValidationProblem(message, errors), request)
        titles: dict[int, type[Problem]] = {
            404: NotFound,
            401: Unauthorized,
            403: Forbidden,
            413: PayloadTooLarge,
        }
        cls = titles.get(exc.status_code, Problem)
        problem = Problem(
            _HTTP_DETAILS.get(str(exc.detail), str(exc.detail)),
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

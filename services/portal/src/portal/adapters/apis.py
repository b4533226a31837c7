"""One HTTP client per service api, called with the signed-in person's token.

Every refusal of an api (an RFC 9457 problem document) becomes an :class:`ApiError` carrying
the sentence the page shows, in French, and the field errors by field name. The services
already write their details in French; a few refusals get the portal's own wording (a login
refused, a service unreachable), and an answer that is not a problem document gets a
sentence that reveals nothing of it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import httpx
from servicekit.problems import PROBLEM_BASE

from portal.service_layer.ports import Caller, Tokens

SERVICE_NAMES = {
    "identity": "l'espace de connexion",
    "notifications": "le service des messages",
    "cotisations": "le service des cotisations",
    "mandates": "le service des mandats",
    "attestations": "le service des attestations",
    "appointments": "le service des rendez-vous",
}

_BY_KIND = {
    "invalid-credentials": "Identifiant ou mot de passe incorrect.",
    "session-rejected": "Votre session a pris fin. Reconnectez-vous.",
    "unauthorized": "Votre session a pris fin. Reconnectez-vous.",
    "dossier-not-found": "Ce dossier est introuvable, ou vous n'y avez pas accès.",
}
_BY_STATUS = {
    400: "La demande n'a pas pu être comprise.",
    401: "Votre session a pris fin. Reconnectez-vous.",
    403: "Vous n'avez pas le droit de faire cette action.",
    404: "Ce que vous cherchez est introuvable, ou vous n'y avez pas accès.",
    409: "Cette action n'est plus possible dans l'état actuel du dossier.",
    410: "Ce lien a expiré.",
    413: "Le fichier envoyé est trop volumineux.",
    422: "Certaines informations saisies ne sont pas valables.",
    423: "Ce dossier est verrouillé.",
}


@dataclass
class ApiError(Exception):
    """A refusal to show: ``message`` in French, ``fields`` the errors of each form field."""

    status: int
    kind: str
    message: str
    fields: dict[str, str] = field(default_factory=dict)
    retry_after_s: int | None = None
    body: dict[str, Any] = field(default_factory=dict)

    def __str__(self) -> str:
        return f"{self.status} {self.kind}: {self.message}"


def _retry_after(response: httpx.Response) -> int | None:
    value = response.headers.get("retry-after", "")
    return int(value) if value.isdigit() else None


def _seconds(n: int) -> str:
    return "1 seconde" if n <= 1 else f"{n} secondes"


def problem_to_error(service: str, response: httpx.Response) -> ApiError:
    """The French sentence for an api's refusal (see the module's docstring)."""
    status = response.status_code
    retry = _retry_after(response)
    body: dict[str, Any] = {}
    if "json" in response.headers.get("content-type", ""):
        try:
            parsed = response.json()
        except ValueError:
            parsed = {}
        body = parsed if isinstance(parsed, dict) else {}
    kind = str(body.get("type", "")).rsplit("/", 1)[-1] or f"http-{status}"
    detail = body.get("detail") if isinstance(body.get("detail"), str) else None
    fields: dict[str, str] = {}
    for err in body.get("errors") or []:
        if isinstance(err, dict) and err.get("field") and err.get("message"):
            fields.setdefault(str(err["field"]).split(".")[0], str(err["message"]))
    if status == 429:
        wait = f" dans {_seconds(retry)}" if retry else " dans quelques instants"
        message = f"Trop de tentatives en peu de temps. Réessayez{wait}."
    elif status >= 500:
        message = (
            f"{SERVICE_NAMES.get(service, 'Le service').capitalize()} est momentanément "
            "indisponible. Réessayez dans quelques instants."
        )
        if status == 503 and detail:
            message = detail
    elif kind in _BY_KIND:
        message = _BY_KIND[kind]
    elif detail and (str(body.get("type", "")).startswith(PROBLEM_BASE) or not detail.isascii()):
        # the services write their problems' details in French (« Le fichier est vide. » has
        # no accent); a detail of another kind is shown only when it cannot be English
        message = detail
    else:
        message = _BY_STATUS.get(status, "La demande n'a pas abouti.")
    return ApiError(status, kind, message, fields, retry, body)


class ServiceApi:
    """Calls to one service's api; ``client`` carries its base URL (and, in tests, the
    service's app in-process)."""

    def __init__(self, service: str, client: httpx.AsyncClient) -> None:
        self.service = service
        self.client = client

    async def call(
        self,
        method: str,
        path: str,
        *,
        token: str | None = None,
        json: Any = None,
        params: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
    ) -> httpx.Response:
        sent = dict(headers or {})
        if token:
            sent["Authorization"] = f"Bearer {token}"
        try:
            response = await self.client.request(
                method, path, json=json, params=params, headers=sent
            )
        except httpx.HTTPError as exc:
            raise ApiError(
                503,
                "unreachable",
                f"{SERVICE_NAMES.get(self.service, 'Le service').capitalize()} est "
                "momentanément injoignable. Réessayez dans quelques instants.",
            ) from exc
        if response.status_code >= 400:
            raise problem_to_error(self.service, response)
        return response

    async def get_json(self, path: str, *, token: str, **params: Any) -> Any:
        query = {k: v for k, v in params.items() if v is not None and v != ""}
        return (await self.call("GET", path, token=token, params=query)).json()

    async def aclose(self) -> None:
        await self.client.aclose()


class IdentityApi(ServiceApi):
    """identity's authentication and « Mes données personnelles »."""

    async def login(self, username: str, password: str, *, source: str, user_agent: str) -> Tokens:
        headers = {"User-Agent": user_agent or "portal"}
        if source:
            # believed by identity only when the portal is one of its TRUSTED_PROXIES
            headers["X-Forwarded-For"] = source
        body = (
            await self.call(
                "POST",
                "/v1/auth/token",
                json={"username": username, "password": password},
                headers=headers,
            )
        ).json()
        return _tokens(body)

    async def refresh(self, refresh_token: str) -> Tokens:
        body = (
            await self.call("POST", "/v1/auth/refresh", json={"refresh_token": refresh_token})
        ).json()
        return _tokens(body)

    async def logout(self, refresh_token: str) -> None:
        await self.call("POST", "/v1/auth/logout", json={"refresh_token": refresh_token})

    async def end_every_session(self, access_token: str) -> None:
        await self.call("DELETE", "/v1/me/sessions", token=access_token)

    async def me(self, access_token: str) -> Caller:
        body = await self.get_json("/v1/me", token=access_token)
        return Caller(
            subject=body["subject"],
            actor=body["actor"],
            cabinet_id=body.get("cabinet_id"),
            affiliate_id=body.get("affiliate_id"),
            rights=tuple(body.get("rights") or ()),
        )


def _tokens(body: dict[str, Any]) -> Tokens:
    return Tokens(
        access_token=body["access_token"],
        refresh_token=body["refresh_token"],
        expires_in=int(body.get("expires_in", 600)),
        account_id=body.get("account_id", ""),
    )

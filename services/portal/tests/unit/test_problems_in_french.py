"""An api's refusal as the page says it: narrow cases an api in-process cannot be made to
answer at will (a busy service, one unreachable, an answer that is not a problem document)."""

from __future__ import annotations

import httpx
import pytest
from portal.adapters.apis import ApiError, IdentityApi, ServiceApi
from portal.bootstrap import bootstrap
from portal.config import PortalSettings

PROBLEM = "application/problem+json"


def _api(handler: httpx.MockTransport, service: str = "cotisations") -> ServiceApi:
    return ServiceApi(service, httpx.AsyncClient(transport=handler, base_url="http://api"))


async def _refusal(status: int, body: object = None, **headers: str) -> ApiError:
    def answer(request: httpx.Request) -> httpx.Response:
        if body is None:
            return httpx.Response(status, text="<html>oops</html>", headers=headers)
        return httpx.Response(status, json=body, headers={"content-type": PROBLEM, **headers})

    api = _api(httpx.MockTransport(answer))
    with pytest.raises(ApiError) as caught:
        await api.call("GET", "/v1/x", token="t")
    return caught.value


async def test_too_many_requests_says_when_to_try_again() -> None:
    err = await _refusal(
        429, {"type": "x/rate-limited", "detail": "Too many"}, **{"retry-after": "7"}
    )
    assert err.message == "Trop de tentatives en peu de temps. Réessayez dans 7 secondes."
    assert err.retry_after_s == 7


async def test_a_server_error_never_shows_its_text() -> None:
    err = await _refusal(500)
    assert err.message == (
        "Le service des cotisations est momentanément indisponible. Réessayez dans quelques "
        "instants."
    )
    assert "oops" not in err.message


async def test_a_service_that_cannot_be_reached_is_said_so() -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    api = _api(httpx.MockTransport(refuse), "attestations")
    with pytest.raises(ApiError) as caught:
        await api.call("GET", "/v1/x")
    assert caught.value.status == 503
    assert caught.value.message.startswith("Le service des attestations est momentanément")


async def test_the_services_french_detail_and_field_errors_are_kept() -> None:
    body = {
        "type": "https://mon-compte.example/problems/validation-error",
        "title": "Données invalides",
        "status": 422,
        "detail": "Données invalides.",
        "errors": [
            {"field": "address.postal_code", "code": "x", "message": "Code postal à 5 chiffres."}
        ],
    }
    err = await _refusal(422, body)
    assert err.kind == "validation-error"
    assert err.message == "Données invalides."
    assert err.fields == {"address": "Code postal à 5 chiffres."}


async def test_a_services_french_detail_without_an_accent_is_kept() -> None:
    body = {
        "type": "https://mon-compte.example/problems/empty_file",
        "detail": "Le fichier est vide.",
    }
    err = await _refusal(422, body)
    assert err.message == "Le fichier est vide."


async def test_an_english_detail_is_replaced_by_a_french_sentence() -> None:
    err = await _refusal(409, {"type": "x/conflict", "detail": "Conflict"})
    assert err.message == "Cette action n'est plus possible dans l'état actuel du dossier."


async def test_identitys_login_refusal_has_the_portals_wording() -> None:
    def answer(request: httpx.Request) -> httpx.Response:
        assert request.headers["x-forwarded-for"] == "203.0.113.9"
        body = {"type": "https://mon-compte.example/problems/invalid-credentials", "detail": "…"}
        return httpx.Response(401, json=body, headers={"content-type": PROBLEM})

    client = httpx.AsyncClient(transport=httpx.MockTransport(answer), base_url="http://identity")
    api = IdentityApi("identity", client)
    with pytest.raises(ApiError) as caught:
        await api.login("a@b.fr", "x", source="203.0.113.9", user_agent="test")
    assert caught.value.message == "Identifiant ou mot de passe incorrect."


async def test_the_shared_api_clients_keep_no_cookie_of_an_api() -> None:
    def answer(request: httpx.Request) -> httpx.Response:
        assert "cookie" not in request.headers
        return httpx.Response(200, json={}, headers={"set-cookie": "sid=someone; Path=/"})

    app = bootstrap(PortalSettings(), transports={"identity": httpx.MockTransport(answer)})
    await app.identity.call("GET", "/v1/x")
    await app.identity.call("GET", "/v1/x")
    assert len(app.identity.client.cookies) == 0
    await app.aclose()

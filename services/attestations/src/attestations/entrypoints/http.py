"""attestations' HTTP API: issue, list, read and download certificates (the affilié, a firm
user with an active mandate and the ``read`` right); revoke (agents); the public verification
by security code (no login, rate-limited); the public keys of the QR payloads (JWKS)."""

from datetime import date
from typing import Annotated, Any

from attestations.bootstrap import AttestationsApp
from attestations.domain import commands
from attestations.domain.codes import format_code
from attestations.domain.model import Attestation
from attestations.entrypoints.http_schemas import (
    AttestationCreate,
    AttestationList,
    AttestationRead,
    PensionPaymentRead,
    PensionPayments,
    RevocationCreate,
    RowReportRead,
    VerificationRead,
)
from attestations.entrypoints.problems import call
from attestations.service_layer import pension_import
from attestations.service_layer.handlers import AttestationPage
from fastapi import APIRouter, Depends, FastAPI, Query, Request, Response
from servicekit.auth import Principal, TokenVerifier, audience_of, http_jwks_fetcher
from servicekit.fastapi_auth import bearer_principal
from servicekit.health import database_check, jwks_check
from servicekit.http import create_http_app
from servicekit.problems import Forbidden, ValidationProblem
from servicekit.ratelimit import limit_by_client

AUDIENCE = audience_of("attestations")
"""The audience attestations checks in every access token it accepts."""
JWKS_PATH = "/.well-known/attestations-jwks.json"
# an affilié's certificates are listed by page: 20 by default, 100 at most
DEFAULT_PER_PAGE = 20
MAX_PER_PAGE = 100
MAX_PAGE = 100_000

_403 = {
    "description": "`teleservice-closed` : catégorie sans téléservice « attestations » ; "
    "`right-missing` : un utilisateur de cabinet sans le droit « read » ; "
    "`agent-only` : réservé aux agents"
}
_404 = {
    "description": "`dossier-not-found`, `attestation-not-found` : aucune attestation ou aucun "
    "dossier accessible (leur existence n'est pas révélée)"
}
_422 = {
    "description": "`attestation-refused` (`reason`, `what_to_do`), `kind-not-applicable`, "
    "`validation-error` (`errors`, en français)"
}


def _read(a: Attestation, today: date) -> AttestationRead:
    c = a.content
    return AttestationRead(
        attestation_id=a.attestation_id,
        affiliate_id=a.affiliate_id,
        kind=c.kind,
        title=c.title,
        code=format_code(a.code),
        holder=c.holder,
        siren=c.siren,
        period=c.period,
        statement=c.statement,
        issued_at=a.issued_at,
        valid_until=c.valid_until,
        status=a.status(today),
        pdf_url=f"/v1/attestations/{a.attestation_id}/pdf",
    )


def _router(app: AttestationsApp, who: Any) -> APIRouter:
    router = APIRouter(prefix="/v1", tags=["attestations"])
    Who = Annotated[Principal, Depends(who)]  # noqa: N806 - a type alias

    def today() -> date:
        return app.clock.now().date()

    @router.post(
        "/attestations",
        status_code=201,
        response_model=AttestationRead,
        summary="Délivrer une attestation (vigilance, paiement, affiliation, radiation, fiscale)",
        responses={403: _403, 404: _404, 422: _422},
    )
    async def issue(body: AttestationCreate, caller: Who) -> AttestationRead:
        command = commands.IssueAttestation(caller, body.affiliate_id, body.kind, body.year)
        return _read(await call(app.bus, command), today())

    @router.get(
        "/affiliates/{affiliate_id}/attestations",
        response_model=AttestationList,
        summary="Les attestations délivrées à un affilié, les plus récentes d'abord, par page",
        description="Triées par date de délivrance puis par identifiant, de la plus récente à "
        "la plus ancienne ; `total` dit combien il y en a en tout. Une page au-delà de la "
        "dernière répond une liste vide avec le même `total`.",
        responses={
            403: _403,
            404: _404,
            422: {"description": "`validation-error` : `page` ou `per_page` hors limites"},
        },
    )
    async def listing(
        affiliate_id: str,
        caller: Who,
        page: Annotated[int, Query(ge=1, le=MAX_PAGE, description="La page (à partir de 1).")] = 1,
        per_page: Annotated[
            int, Query(ge=1, le=MAX_PER_PAGE, description="Attestations par page (100 au plus).")
        ] = DEFAULT_PER_PAGE,
    ) -> AttestationList:
        command = commands.ListAttestations(caller, affiliate_id, page, per_page)
        found: AttestationPage = await call(app.queries, command)
        return AttestationList(
            items=[_read(a, today()) for a in found.items],
            total=found.total,
            page=found.page,
            per_page=found.per_page,
        )

    @router.get(
        "/affiliates/{affiliate_id}/pension-payments",
        response_model=PensionPayments,
        summary="L'historique des pensions versées (flux de la caisse de retraite)",
        responses={403: _403, 404: _404},
    )
    async def pensions(affiliate_id: str, caller: Who) -> PensionPayments:
        paid = await call(app.queries, commands.ReadPensionPayments(caller, affiliate_id))
        return PensionPayments(
            affiliate_id=affiliate_id,
            items=[
                PensionPaymentRead(
                    payment_id=p.payment_id,
                    period=p.period,
                    paid_on=p.paid_on,
                    gross=f"{p.gross:.2f}",
                    net=f"{p.net:.2f}",
                    taxable=f"{p.taxable:.2f}",
                )
                for p in paid
            ],
        )

    @router.get(
        "/attestations/{attestation_id}",
        response_model=AttestationRead,
        summary="Une attestation délivrée",
        responses={403: _403, 404: _404},
    )
    async def read(attestation_id: str, caller: Who) -> AttestationRead:
        return _read(
            await call(app.queries, commands.ReadAttestation(caller, attestation_id)), today()
        )

    @router.get(
        "/attestations/{attestation_id}/pdf",
        response_class=Response,
        summary="Télécharger l'attestation (PDF, tel que délivré)",
        responses={
            200: {
                "content": {"application/pdf": {"schema": {"type": "string", "format": "binary"}}}
            },
            403: _403,
            404: _404,
        },
    )
    async def download(attestation_id: str, caller: Who) -> Response:
        a: Attestation = await call(app.queries, commands.ReadAttestation(caller, attestation_id))
        name = f"attestation-{a.content.kind}-{format_code(a.code)}.pdf"
        return Response(
            a.pdf,
            media_type="application/pdf",
            headers={"Content-Disposition": f'attachment; filename="{name}"'},
        )

    @router.post(
        "/attestations/{attestation_id}/revocation",
        response_model=AttestationRead,
        summary="Révoquer une attestation (agents)",
        responses={403: _403, 404: _404},
    )
    async def revoke(attestation_id: str, body: RevocationCreate, caller: Who) -> AttestationRead:
        command = commands.RevokeAttestation(caller, attestation_id, body.reason)
        return _read(await call(app.bus, command), today())

    @router.post(
        "/pension-payments/imports",
        response_model=list[RowReportRead],
        summary="Charger des paiements de pension depuis un fichier CSV (agents) : un compte "
        "rendu par ligne",
        description="Colonnes : `pensioner_id,payment_id,period,paid_on,gross,net,taxable` "
        "(virgule ou point-virgule ; UTF-8 ou Windows-1252 ; dates JJ/MM/AAAA ou AAAA-MM-JJ). "
        "Tout le fichier en une transaction.",
        responses={
            403: {"description": "`agent-only` : réservé aux agents"},
            422: {"description": "fichier vide, colonnes manquantes, encodage illisible"},
        },
        openapi_extra={"requestBody": _CSV_BODY},
    )
    async def load_pensions(request: Request, caller: Who) -> list[RowReportRead]:
        if caller.actor != "agent":
            raise Forbidden("Seul un agent de la caisse charge des paiements.", kind="agent-only")
        try:
            reports = await pension_import.import_csv(
                await request.body(), app.new_uow(), app.clock.now()
            )
        except pension_import.ImportRefused as exc:
            raise ValidationProblem(exc.message) from exc
        return [RowReportRead(**vars(r)) for r in reports]

    return router


_FILE = {"type": "string", "format": "binary"}
_CSV_BODY = {
    "required": True,
    "description": "Le fichier CSV, tel quel.",
    "content": {"text/csv": {"schema": _FILE}, "application/octet-stream": {"schema": _FILE}},
}


def _public_router(app: AttestationsApp) -> APIRouter:
    router = APIRouter(tags=["verification"])
    limiter = app.limiter(app.settings.verify_limit)

    @router.get(
        "/v1/verifications/{code}",
        response_model=VerificationRead,
        summary="Vérifier une attestation avec son code de sécurité (sans connexion)",
        dependencies=[Depends(limit_by_client(limiter, "verify"))],
        responses={
            404: {"description": "`code-not-found` : aucune attestation ne porte ce code"},
            429: {"description": "Trop de vérifications : réessayez après `Retry-After`"},
        },
    )
    async def verify(code: str) -> VerificationRead:
        a: Attestation = await call(app.queries, commands.VerifyCode(code))
        c = a.content
        return VerificationRead(
            status=a.status(app.clock.now().date()),
            code=format_code(a.code),
            kind=c.kind,
            title=c.title,
            holder=c.holder,
            siren=c.siren,
            period=c.period,
            statement=c.statement,
            issued_on=c.issued_on,
            valid_until=c.valid_until,
        )

    @router.get(JWKS_PATH, summary="Clés publiques des QR codes des attestations (JWKS)")
    async def jwks() -> dict[str, Any]:
        return app.jwks()

    return router


def create_app(app: AttestationsApp, verifier: TokenVerifier | None = None) -> FastAPI:
    verifier = verifier or TokenVerifier(
        http_jwks_fetcher(app.settings.jwks_url),
        audience=AUDIENCE,
        ttl_s=app.settings.jwks_ttl_s,
        grace_s=app.settings.jwks_grace_s,
    )
    who = bearer_principal(verifier)
    return create_http_app(
        service="attestations",
        title="attestations — Mon compte",
        description="Les attestations (vigilance, paiement, affiliation, radiation), leur "
        "vérification publique par code de sécurité et les clés de leurs QR codes.",
        routers=[_router(app, who), _public_router(app), app.runtime.operator_router(who)],
        checks=[database_check(app.engine), jwks_check(verifier)],
        verifier=verifier,
        lifespan=app.runtime.api_lifespan(on_start=[app.start]),
        idempotency=app.runtime.idempotency(),
    )

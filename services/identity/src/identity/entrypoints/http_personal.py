"""« Mes données personnelles » and the téléservices of an assuré."""

from datetime import date
from typing import Annotated

import phonenumbers
from contracts.common import PostalAddress
from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, ConfigDict, Field, field_validator
from servicekit.auth import Principal
from servicekit.fastapi_auth import PrincipalDependency, require_actor
from servicekit.problems import Forbidden, NotFound, ValidationProblem

from identity.bootstrap import IdentityApp
from identity.domain import commands, errors
from identity.domain.teleservices import DONNEES, opens, teleservices_for
from identity.entrypoints.problems import to_problem
from identity.service_layer import access, personal, registry_import


class PersonalDataRead(BaseModel):
    affiliate_id: str
    birth_name: str
    usage_name: str | None
    first_names: str
    birth_date: date
    category: str
    siren: str
    address: PostalAddress
    departement: str
    email: str | None
    mobile: str | None
    third_party_registration_allowed: bool


class PersonalDataUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    address: PostalAddress | None = None
    mobile: str | None = Field(default=None, examples=["06 12 34 56 78"])

    @field_validator("mobile")
    @classmethod
    def _mobile(cls, value: str | None) -> str | None:
        if value is None:
            return None
        try:
            number = phonenumbers.parse(value, "FR")
        except phonenumbers.NumberParseException as exc:
            raise ValueError("Numéro de téléphone illisible.") from exc
        mobile_types = {
            phonenumbers.PhoneNumberType.MOBILE,
            phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE,
        }
        if (
            number.country_code != 33
            or not phonenumbers.is_valid_number(number)
            or phonenumbers.number_type(number) not in mobile_types
        ):
            raise ValueError("Indiquez un numéro de mobile français (06 ou 07).")
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


class ConsentUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    allowed: bool = Field(
        description="« L'inscription de votre Siren par un tiers déclarant est autorisée »"
    )


class RowReportRead(BaseModel):
    row: int
    status: str = Field(examples=["accepted", "refused"])
    reason: str | None
    affiliate_id: str | None
    change: str | None = Field(examples=["registered", "updated", "radiated", "unchanged"])


class TeleserviceRead(BaseModel):
    code: str
    label: str
    link_out: str | None


_IMPORT_DESCRIPTION = (
    "Le corps de la requête est le fichier CSV lui-même (pas un formulaire multipart) : une "
    f"ligne d'en-tête `{','.join(registry_import.COLUMNS)}`, séparateur virgule ou "
    "point-virgule, UTF-8 (avec ou sans BOM) ou Windows-1252, plusieurs SIRET séparés par `|`, "
    f"{registry_import.MAX_ROWS} lignes au plus, une ligne par affilié (fin de ligne LF ou CR LF ; "
    "un CR seul dans une ligne la fait refuser). Dates : JJ/MM/AAAA (14/03/1979) ou AAAA-MM-JJ. "
    f"Une valeur tient en {registry_import.FIELD_MAX} caractères au plus "
    f"({registry_import.EMAIL_MAX} pour l'e-mail). Le type de contenu n'est pas lu : `text/csv` "
    "est d'usage. Chaque ligne est contrôlée comme le flux du registre des entreprises ; le "
    "fichier entier est une seule transaction."
)
_FILE = {"type": "string", "format": "binary"}
_REGISTRY_FILE = {
    "required": True,
    "description": "Le fichier CSV du registre, tel quel.",
    "content": {
        "text/csv": {"schema": _FILE},
        "application/vnd.ms-excel": {"schema": _FILE},
        "application/octet-stream": {"schema": _FILE},
    },
}
"""The import's body, read raw from the request: declared here so the OpenAPI shows it."""


def _read(data: personal.PersonalData) -> PersonalDataRead:
    a = data.affiliate
    return PersonalDataRead(
        affiliate_id=a.id,
        birth_name=a.birth_name,
        usage_name=a.usage_name,
        first_names=a.first_names,
        birth_date=a.birth_date,
        category=a.category,
        siren=a.siren,
        address=PostalAddress.model_validate(a.address),
        departement=a.departement,
        email=data.email,
        mobile=a.mobile,
        third_party_registration_allowed=a.third_party_registration_allowed,
    )


def personal_router(app: IdentityApp, principal: PrincipalDependency) -> APIRouter:
    router = APIRouter(prefix="/v1/me", tags=["données personnelles"])
    delegated = APIRouter(prefix="/v1/affiliates", tags=["données personnelles"])

    async def assure(who: Annotated[Principal, Depends(principal)]) -> Principal:
        require_actor(who, "assure")
        if not opens(who.category, DONNEES):
            raise Forbidden(
                "Le téléservice « Mes données personnelles » n'est pas ouvert à votre catégorie.",
                kind="teleservice-not-open",
            )
        return who

    Assure = Annotated[Principal, Depends(assure)]  # noqa: N806 - a type alias

    async def call(command: object) -> personal.PersonalData:
        try:
            result: personal.PersonalData = await app.bus.handle(command)
        except errors.IdentityError as exc:
            raise to_problem(exc) from exc
        return result

    @router.get(
        "/donnees-personnelles", response_model=PersonalDataRead, responses={401: {}, 403: {}}
    )
    async def read(who: Assure) -> PersonalDataRead:
        try:
            return _read(await personal.read(who.subject, app.new_uow(read_only=True)))
        except personal.NotAnAssure as exc:
            raise Forbidden(exc.message, kind="not-an-assure") from exc

    @router.patch(
        "/donnees-personnelles",
        response_model=PersonalDataRead,
        summary="Modifier son adresse ou son mobile",
        responses={401: {}, 403: {}, 422: {}},
    )
    async def update(body: PersonalDataUpdate, who: Assure) -> PersonalDataRead:
        address = body.address.model_dump() if body.address else None
        return _read(await call(commands.ChangePersonalData(who.subject, address, body.mobile)))

    @router.put(
        "/consentement-tiers-declarant",
        response_model=PersonalDataRead,
        summary="Autoriser ou non l'inscription de son Siren par un tiers déclarant",
        responses={401: {}, 403: {}, 422: {}},
    )
    async def consent(body: ConsentUpdate, who: Assure) -> PersonalDataRead:
        return _read(await call(commands.SetThirdPartyConsent(who.subject, body.allowed)))

    @router.post(
        "/desactivation",
        summary="Désactiver son compte (connexion refusée ensuite, données conservées)",
        responses={401: {}, 403: {}},
    )
    async def deactivate(who: Assure) -> dict[str, str]:
        try:
            return dict(await app.bus.handle(commands.DeactivateAccount(who.subject)))
        except errors.IdentityError as exc:
            raise to_problem(exc) from exc

    @delegated.get(
        "/{affiliate_id}/donnees-personnelles",
        response_model=PersonalDataRead,
        summary="Les données personnelles d'un affilié : lui-même, son cabinet mandaté, un agent",
        responses={401: {}, 403: {}, 404: {}},
    )
    async def read_for(
        affiliate_id: str, who: Annotated[Principal, Depends(principal)]
    ) -> PersonalDataRead:
        try:
            return _read(await access.read_for(who, affiliate_id, app.new_uow(read_only=True)))
        except personal.NotAnAssure as exc:
            raise NotFound(exc.message, kind="dossier-not-found") from exc
        except errors.TeleserviceNotOpen as exc:
            raise Forbidden(exc.message, kind="teleservice-not-open") from exc

    @router.get(
        "/teleservices",
        response_model=list[TeleserviceRead],
        summary="Les téléservices que l'on peut ouvrir (santé : lien vers l'organisme)",
        responses={401: {}},
    )
    async def teleservices(who: Annotated[Principal, Depends(principal)]) -> list[TeleserviceRead]:
        if who.actor != "assure":
            return []
        return [
            TeleserviceRead(code=t.code, label=t.label, link_out=t.link_out)
            for t in teleservices_for(who.category or "")
        ]

    @delegated.post(
        "/imports",
        response_model=list[RowReportRead],
        summary="Charger le registre depuis un fichier CSV (agents) : un compte rendu par ligne",
        description=_IMPORT_DESCRIPTION,
        responses={401: {}, 403: {}, 413: {}, 422: {}},
        openapi_extra={"requestBody": _REGISTRY_FILE},
    )
    async def bulk_load(
        request: Request, who: Annotated[Principal, Depends(principal)]
    ) -> list[RowReportRead]:
        require_actor(who, "agent")
        try:
            reports = await registry_import.import_csv(
                await request.body(), app.new_uow(), app.bus.deps
            )
        except registry_import.ImportRefused as exc:
            raise ValidationProblem(exc.message) from exc
        return [RowReportRead(**vars(r)) for r in reports]

    outer = APIRouter()
    outer.include_router(router)
    outer.include_router(delegated)
    return outer

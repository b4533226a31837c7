"""A firm's users: its administrators invite and manage collaborators."""

from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, status
from pydantic import BaseModel, ConfigDict, Field
from servicekit.auth import Principal
from servicekit.fastapi_auth import PrincipalDependency
from servicekit.problems import Forbidden, NotFound

from identity.bootstrap import IdentityApp
from identity.domain import commands, errors
from identity.domain.model import Account
from identity.entrypoints.http_schemas import Email, Name
from identity.entrypoints.problems import to_problem
from identity.service_layer import collaborators

Right = Literal["admin", "clients", "declare", "pay", "read"]


class CollaboratorCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    first_name: Name = Field(min_length=1, max_length=100)
    last_name: Name = Field(min_length=1, max_length=100)
    email: Email
    rights: list[Right] = Field(min_length=1, examples=[["read", "declare"]])


class RightsUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    rights: list[Right] = Field(min_length=1)


class CabinetUserRead(BaseModel):
    account_id: str
    display_name: str
    email: str
    status: str
    rights: list[str]


class CollaboratorInvited(BaseModel):
    account_id: str
    status: str
    invitation_expires_at: datetime


def _read(u: Account) -> CabinetUserRead:
    return CabinetUserRead(
        account_id=u.id,
        display_name=u.display_name,
        email=u.email,
        status=u.status,
        rights=sorted(u.rights),
    )


def cabinet_router(app: IdentityApp, principal: PrincipalDependency) -> APIRouter:
    router = APIRouter(
        prefix="/v1/cabinets/{cabinet_id}/users",
        tags=["cabinets"],
        responses={
            403: {
                "description": "Le droit « admin » du cabinet est nécessaire, à un accès actif "
                "(vérifié en base à chaque action, pas seulement dans le jeton)"
            },
            404: {"description": "Cabinet ou utilisateur introuvable"},
        },
    )

    async def administrator(
        cabinet_id: str, who: Annotated[Principal, Depends(principal)]
    ) -> Principal:
        if who.actor != "cabinet_user" or who.cabinet_id != cabinet_id:
            raise NotFound("Aucun cabinet de ce numéro.", kind="cabinet-not-found")
        if not who.has_right("admin"):
            raise Forbidden("Le droit « admin » est nécessaire.", kind="right-missing")
        return who

    Admin = Annotated[Principal, Depends(administrator)]  # noqa: N806 - a type alias

    async def change(cabinet_id: str, account_id: str, who: Principal, kind: str,
                     rights: frozenset[str] = frozenset()) -> CabinetUserRead:  # fmt: skip
        try:
            await app.bus.handle(
                commands.ChangeCabinetUser(cabinet_id, who.subject, account_id, kind, rights)
            )
        except errors.IdentityError as exc:
            raise to_problem(exc) from exc
        found = await collaborators.user_after_change(
            cabinet_id, account_id, app.new_uow(read_only=True)
        )
        if found is None:
            return CabinetUserRead(
                account_id=account_id, display_name="", email="", status="removed", rights=[]
            )
        return _read(found)

    @router.get("", response_model=list[CabinetUserRead], summary="Les utilisateurs du cabinet")
    async def list_users(cabinet_id: str, who: Admin) -> list[CabinetUserRead]:
        try:
            users = await collaborators.list_users(
                cabinet_id, who.subject, app.new_uow(read_only=True)
            )
        except errors.IdentityError as exc:
            raise to_problem(exc) from exc
        return [_read(u) for u in users]

    @router.post(
        "",
        status_code=status.HTTP_201_CREATED,
        response_model=CollaboratorInvited,
        summary="Ajouter un compte : invitation par courriel, à activer sous 24 h",
        responses={401: {}, 403: {}, 404: {}, 409: {}, 422: {}},
    )
    async def invite(cabinet_id: str, body: CollaboratorCreate, who: Admin) -> CollaboratorInvited:
        try:
            result = await app.bus.handle(
                commands.InviteCollaborator(
                    cabinet_id,
                    who.subject,
                    body.first_name,
                    body.last_name,
                    str(body.email),
                    frozenset(body.rights),
                )
            )
        except errors.IdentityError as exc:
            raise to_problem(exc) from exc
        return CollaboratorInvited(**result)

    @router.put(
        "/{account_id}/rights", response_model=CabinetUserRead, summary="Changer les droits"
    )
    async def rights(
        cabinet_id: str, account_id: str, body: RightsUpdate, who: Admin
    ) -> CabinetUserRead:
        return await change(cabinet_id, account_id, who, "rights", frozenset(body.rights))

    @router.post("/{account_id}/suspension", response_model=CabinetUserRead, summary="Suspendre")
    async def suspend(cabinet_id: str, account_id: str, who: Admin) -> CabinetUserRead:
        return await change(cabinet_id, account_id, who, "suspend")

    @router.post("/{account_id}/reactivation", response_model=CabinetUserRead, summary="Réactiver")
    async def reactivate(cabinet_id: str, account_id: str, who: Admin) -> CabinetUserRead:
        return await change(cabinet_id, account_id, who, "reactivate")

    @router.post(
        "/{account_id}/invitation",
        response_model=CabinetUserRead,
        summary="Envoyer une nouvelle invitation (l'ancienne a expiré)",
    )
    async def reinvite(cabinet_id: str, account_id: str, who: Admin) -> CabinetUserRead:
        return await change(cabinet_id, account_id, who, "reinvite")

    @router.delete("/{account_id}", response_model=CabinetUserRead, summary="Retirer l'utilisateur")
    async def remove(cabinet_id: str, account_id: str, who: Admin) -> CabinetUserRead:
        return await change(cabinet_id, account_id, who, "remove")

    return router

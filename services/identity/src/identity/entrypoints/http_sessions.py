"""The account holder's sessions, shown in « Mes données personnelles »: the list, and ending
one, all the others, or all of them (logging out everywhere)."""

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response, status
from pydantic import BaseModel, Field
from servicekit.auth import Principal
from servicekit.fastapi_auth import PrincipalDependency

from identity.bootstrap import IdentityApp
from identity.domain import commands, errors
from identity.entrypoints.problems import to_problem
from identity.service_layer import auth


class SessionRead(BaseModel):
    session_id: str
    created_at: datetime = Field(description="La connexion qui a ouvert la session")
    last_used_at: datetime = Field(description="Le dernier renouvellement des jetons")
    expires_at: datetime = Field(description="La fin de la session, quoi qu'il arrive")
    user_agent: str | None = Field(description="Le navigateur ou l'application, s'il est connu")
    current: bool = Field(description="La session du jeton de cet appel")


class SessionsEnded(BaseModel):
    ended: int


def _current_session(app: IdentityApp, request: Request) -> str | None:
    """The session of the access token of this call (already verified by ``principal``)."""
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    return app.keys.session_of(token.strip()) if scheme.lower() == "bearer" else None


def sessions_router(app: IdentityApp, principal: PrincipalDependency) -> APIRouter:
    router = APIRouter(prefix="/v1/me/sessions", tags=["données personnelles"])
    Caller = Annotated[Principal, Depends(principal)]  # noqa: N806 - a type alias

    @router.get(
        "",
        response_model=list[SessionRead],
        summary="Mes sessions ouvertes (la plus ancienne d'abord)",
        responses={401: {}},
    )
    async def list_sessions(who: Caller, request: Request) -> list[SessionRead]:
        current = _current_session(app, request)
        found = await auth.sessions_of(who.subject, app.new_uow(read_only=True), app.auth_bus.deps)
        return [
            SessionRead(
                session_id=s.id,
                created_at=s.created_at,
                last_used_at=s.last_used_at,
                expires_at=s.expires_at,
                user_agent=s.user_agent,
                current=s.id == current,
            )
            for s in found
        ]

    @router.delete(
        "/{session_id}",
        status_code=status.HTTP_204_NO_CONTENT,
        summary="Fermer une de mes sessions (son jeton de renouvellement est révoqué)",
        responses={401: {}, 404: {}},
    )
    async def end_one(session_id: str, who: Caller) -> Response:
        try:
            await app.auth_bus.handle(commands.EndSession(who.subject, session_id))
        except errors.IdentityError as exc:
            raise to_problem(exc) from exc
        return Response(status_code=status.HTTP_204_NO_CONTENT)

    @router.delete(
        "",
        response_model=SessionsEnded,
        summary="Me déconnecter partout (ou partout ailleurs avec keep_current=true)",
        responses={401: {}, 422: {}},
    )
    async def end_all(
        who: Caller,
        request: Request,
        keep_current: Annotated[
            bool, Query(description="Garder la session du jeton de cet appel")
        ] = False,
    ) -> SessionsEnded:
        keep = None
        if keep_current:
            keep = _current_session(app, request)
            if keep is None:
                raise to_problem(errors.CurrentSessionUnknown())
        result = await app.auth_bus.handle(commands.EndSessions(who.subject, keep))
        return SessionsEnded(**result)

    return router

"""identity's authentication endpoints: tokens, refresh, logout, JWKS, and who am I."""

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, Response, status
from pydantic import BaseModel, ConfigDict, Field, field_validator
from servicekit.auth import Principal, TokenVerifier, audience_of
from servicekit.fastapi_auth import bearer_principal
from servicekit.logging import RegisteredSecret
from servicekit.problems import Problem, RateLimited, Unauthorized
from servicekit.ratelimit import limit_by_client

from identity.bootstrap import IdentityApp
from identity.domain import commands, errors
from identity.domain.passwords import password_problems
from identity.entrypoints.http_cabinet import cabinet_router
from identity.entrypoints.http_personal import personal_router
from identity.entrypoints.http_schemas import Email
from identity.entrypoints.http_sessions import sessions_router
from identity.entrypoints.problems import to_problem


class LoginRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    username: str = Field(
        min_length=1, max_length=320, examples=["claire.martin@cabinet-martin.fr"]
    )
    password: str = Field(min_length=1, max_length=256, repr=False)


class RefreshRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    refresh_token: RegisteredSecret = Field(min_length=10, max_length=200, repr=False)


class TokenPair(BaseModel):
    access_token: str
    token_type: str = Field(examples=["Bearer"])
    expires_in: int = Field(examples=[600])
    refresh_token: str
    account_id: str


class ResetRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    email: Email


class ResetConfirmation(BaseModel):
    model_config = ConfigDict(extra="forbid")

    token: RegisteredSecret = Field(min_length=10, max_length=200, repr=False)
    new_password: str = Field(min_length=1, max_length=256, repr=False)

    @field_validator("new_password")
    @classmethod
    def _password(cls, value: str) -> str:
        problems = password_problems(value)
        if problems:
            raise ValueError(" ".join(problems))
        return value


class EmailChangeRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    new_email: Email


class LinkToken(BaseModel):
    model_config = ConfigDict(extra="forbid")

    token: RegisteredSecret = Field(min_length=10, max_length=200, repr=False)


class Me(BaseModel):
    subject: str
    actor: str
    cabinet_id: str | None
    affiliate_id: str | None
    rights: list[str]


def _problem(exc: errors.IdentityError) -> Problem:
    if isinstance(exc, errors.LoginThrottled):
        return RateLimited(exc.retry_after_s, exc.message)
    if isinstance(exc, errors.InvalidCredentials | errors.SessionRejected):
        problem = Unauthorized(exc.message)
        problem.kind = (
            "invalid-credentials"
            if isinstance(exc, errors.InvalidCredentials)
            else "session-rejected"
        )
        return problem
    return to_problem(exc)


def auth_router(app: IdentityApp) -> APIRouter:
    router = APIRouter(tags=["auth"])
    per_minute = app.settings.rate_limit_login_per_minute
    limited = limit_by_client(app.limiter(per_minute), "login")

    async def jwks() -> dict[str, Any]:
        return app.keys.jwks()

    verifier = TokenVerifier(
        jwks,
        audience=audience_of("identity"),
        ttl_s=5.0,
        min_refresh_interval_s=0.0,
        clock=app.clock,
    )
    principal = bearer_principal(verifier)

    @router.get("/.well-known/jwks.json", summary="Clés publiques de signature des jetons")
    async def published_keys() -> dict[str, Any]:
        return app.keys.jwks()

    @router.post(
        "/v1/auth/token",
        response_model=TokenPair,
        summary="Se connecter (adresse électronique et mot de passe)",
        dependencies=[Depends(limited)],
        responses={401: {}, 422: {}, 429: {}, 503: {}},
    )
    async def login(body: LoginRequest, request: Request) -> TokenPair:
        source = request.client.host if request.client else ""
        try:
            result = await app.auth_bus.handle(
                commands.Login(
                    body.username, body.password, source, request.headers.get("user-agent", "")
                )
            )
        except errors.IdentityError as exc:
            raise _problem(exc) from exc
        return TokenPair(**result)

    @router.post(
        "/v1/auth/refresh",
        response_model=TokenPair,
        summary="Renouveler les jetons (le jeton de renouvellement change à chaque usage)",
        dependencies=[Depends(limited)],
        responses={401: {}, 422: {}, 429: {}},
    )
    async def refresh(body: RefreshRequest) -> TokenPair:
        try:
            result = await app.auth_bus.handle(commands.RefreshSession(body.refresh_token))
        except errors.IdentityError as exc:
            raise _problem(exc) from exc
        return TokenPair(**result)

    @router.post(
        "/v1/auth/logout",
        status_code=status.HTTP_204_NO_CONTENT,
        summary="Se déconnecter (révoque la session)",
        responses={422: {}},
    )
    async def logout(body: RefreshRequest) -> Response:
        await app.auth_bus.handle(commands.Logout(body.refresh_token))
        return Response(status_code=status.HTTP_204_NO_CONTENT)

    @router.post(
        "/v1/auth/password-reset",
        status_code=status.HTTP_202_ACCEPTED,
        summary="Recevoir un lien de réinitialisation (même réponse pour toute adresse)",
        dependencies=[Depends(limited)],
        responses={422: {}, 429: {}},
    )
    async def request_reset(body: ResetRequest) -> dict[str, str]:
        await app.bus.handle(commands.RequestPasswordReset(str(body.email)))
        return {
            "detail": "Si un compte actif existe pour cette adresse, un lien de "
            "réinitialisation vient d'y être envoyé."
        }

    @router.post(
        "/v1/auth/password-reset/confirm",
        summary="Choisir un nouveau mot de passe avec le lien reçu (ferme toutes les sessions)",
        dependencies=[Depends(limited)],
        responses={404: {}, 409: {}, 410: {}, 422: {}, 429: {}, 503: {}},
    )
    async def reset(body: ResetConfirmation) -> dict[str, Any]:
        try:
            return dict(await app.bus.handle(commands.ResetPassword(body.token, body.new_password)))
        except errors.IdentityError as exc:
            raise to_problem(exc) from exc

    @router.post(
        "/v1/me/email",
        status_code=status.HTTP_202_ACCEPTED,
        summary="Changer d'adresse : un lien de confirmation part vers la nouvelle",
        responses={401: {}, 409: {}, 422: {}},
    )
    async def change_email(
        body: EmailChangeRequest, who: Annotated[Principal, Depends(principal)]
    ) -> dict[str, Any]:
        try:
            return dict(
                await app.bus.handle(commands.RequestEmailChange(who.subject, str(body.new_email)))
            )
        except errors.IdentityError as exc:
            raise to_problem(exc) from exc

    @router.post(
        "/v1/accounts/email-confirmation",
        summary="Confirmer la nouvelle adresse avec le lien reçu",
        dependencies=[Depends(limited)],
        responses={404: {}, 409: {}, 410: {}, 422: {}, 429: {}},
    )
    async def confirm_email(body: LinkToken) -> dict[str, Any]:
        try:
            return dict(await app.bus.handle(commands.ConfirmEmailChange(body.token)))
        except errors.IdentityError as exc:
            raise to_problem(exc) from exc

    @router.get("/v1/me", response_model=Me, summary="Qui suis-je", responses={401: {}})
    async def me(who: Annotated[Principal, Depends(principal)]) -> Me:
        return Me(
            subject=who.subject,
            actor=who.actor,
            cabinet_id=who.cabinet_id,
            affiliate_id=who.affiliate_id,
            rights=sorted(who.rights),
        )

    # Beside the auth routes, not inside them, so that they do not take the "auth" tag.
    outer = APIRouter()
    outer.include_router(router)
    outer.include_router(personal_router(app, principal))
    outer.include_router(sessions_router(app, principal))
    outer.include_router(cabinet_router(app, principal))
    outer.include_router(app.runtime.operator_router(principal))
    return outer

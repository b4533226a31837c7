"""Authentication use cases: log in, refresh (rotating), log out, the account holder's
sessions (list, end one, end all or all others), create an agent."""

from __future__ import annotations

import math
import re
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from servicekit.logging import get_logger

from identity.domain import commands, errors
from identity.domain.model import Account, token_hash
from identity.domain.sessions import (
    ACCESS_TTL,
    SESSION_LIFETIME,
    SOURCE_FAILURES,
    SOURCE_WINDOW,
    RefreshRaced,
    RefreshRejected,
    RefreshToken,
    ReusedRefreshToken,
    Session,
    account_throttle_key,
)
from identity.service_layer.handlers import Dependencies
from identity.service_layer.ports import IdentityUnitOfWork, TokenSigner

_log = get_logger(__name__)


@dataclass(frozen=True)
class AuthDependencies:
    base: Dependencies
    signer: TokenSigner
    dummy_hash: str
    """Verified against when the identifier is unknown, so both answers take the same time."""
    session_lifetime: timedelta = SESSION_LIFETIME
    refresh_grace: timedelta = timedelta(0)
    """How long a refresh token just used may come back without revoking its family."""


def claims(account: Account) -> dict[str, Any]:
    body: dict[str, Any] = {
        "sub": account.id,
        "act": account.kind,
        "rights": sorted(account.rights),
        "email": account.email,
        "name": account.display_name,
    }
    if account.cabinet_id:
        body["cab"] = account.cabinet_id
    if account.affiliate_id:
        body["aff"] = account.affiliate_id
    if account.category:
        body["cat"] = account.category
    return body


NIR_LIKE = re.compile(r"^[0-9][0-9]{4}([0-9]{2}|2A|2B)[0-9]{6}([0-9]{2})?$")


async def _account_by_identifier(
    uow: IdentityUnitOfWork, username: str
) -> tuple[Account | None, str]:
    """The account of an e-mail or a NIR (13-character body or 15 with the key, spaces
    allowed), and the key its failures are counted under: the account's id, so every spelling
    counts together; for no account, a digest of the normalised identifier (a keyed one for a
    NIR), so an unknown identifier is throttled the same way and nothing typed is stored."""
    compact = "".join(username.split()).upper()
    if NIR_LIKE.match(compact):
        affiliate = await uow.affiliates.by_nir(compact)
        account = None if affiliate is None else await uow.accounts.by_affiliate(affiliate.id)
        unknown = f"nir:{uow.affiliates.nir_key(compact)}"
    else:
        email = username.strip().lower()
        account = await uow.accounts.get_by_email(email)
        unknown = f"email:{token_hash(email)}"  # a digest: fits the column, stores no address
    return account, (account_throttle_key(account.id) if account else unknown)


def _retry_after(until: datetime, now: datetime) -> int:
    return max(1, math.ceil((until - now).total_seconds()))


async def _issue(
    uow: IdentityUnitOfWork, deps: AuthDependencies, account: Account, session: Session
) -> dict[str, Any]:
    """A new refresh token of the session (dying at the idle limit, never after the session's
    end) and an access token naming the session (``sid``)."""
    now = deps.base.clock.now()
    refresh = deps.base.tokens.new_token()
    expires_at = session.refreshed(now)
    await uow.refresh_tokens.add(
        RefreshToken(token_hash(refresh), session.id, account.id, now, expires_at)
    )
    return {
        "access_token": deps.signer.sign({**claims(account), "sid": session.id}, ACCESS_TTL),
        "token_type": "Bearer",
        "expires_in": int(ACCESS_TTL.total_seconds()),
        "refresh_token": refresh,
        "account_id": account.id,
    }


async def login(
    cmd: commands.Login, uow: IdentityUnitOfWork, deps: AuthDependencies
) -> dict[str, Any]:
    now = deps.base.clock.now()
    source = f"login-source:{cmd.source}" if cmd.source else None
    async with uow:
        if source is not None:
            failures, window_ends = await uow.attempts.count(source, now, SOURCE_WINDOW)
            if failures >= SOURCE_FAILURES:
                raise errors.LoginThrottled(_retry_after(window_ends, now))
        account, key = await _account_by_identifier(uow, cmd.username)
        throttle = await uow.login_throttles.get(key)
        blocked_until = throttle.blocked(now)
        if blocked_until is not None:
            raise errors.LoginThrottled(_retry_after(blocked_until, now))
        # An account without a password yet (an invitation not accepted) is verified against
        # the dummy hash too: the same work, the same answer as a wrong password.
        usable = account is not None and account.has_password()
        valid = await deps.base.hasher.verify(
            account.password_hash if account and usable else deps.dummy_hash, cmd.password
        )
        if account is None or not valid or not usable or account.status != "active":
            throttle.failed(now)
            await uow.login_throttles.save(throttle)
            if source is not None:
                await uow.attempts.hit(source, now, SOURCE_WINDOW)
            await uow.commit()
            raise errors.InvalidCredentials
        throttle.succeeded()
        await uow.login_throttles.save(throttle)
        session = Session.start(
            str(uuid.uuid4()), account.id, now, deps.session_lifetime, cmd.user_agent
        )
        await uow.sessions.add(session)
        tokens = await _issue(uow, deps, account, session)
        await uow.commit()
    return tokens


async def refresh(
    cmd: commands.RefreshSession, uow: IdentityUnitOfWork, deps: AuthDependencies
) -> dict[str, Any]:
    now = deps.base.clock.now()
    async with uow:
        token = await uow.refresh_tokens.get(token_hash(cmd.refresh_token))
        if token is None:
            raise errors.SessionRejected
        session = await uow.sessions.get(token.family_id)
        if session is None or not session.open(now):
            raise errors.SessionRejected  # ended, or past its absolute end: log in again
        raced = False
        try:
            token.use(now, deps.refresh_grace)
            if not await uow.refresh_tokens.mark_used(token):  # used by another at this instant
                raced = deps.refresh_grace > timedelta(0)
                reused = not raced
            else:
                reused = False
        except RefreshRaced:
            raced, reused = True, False
        except ReusedRefreshToken:
            reused = True
        except RefreshRejected:
            raise errors.SessionRejected from None
        if raced:
            _log.info("refresh_raced", session_id=session.id)
        if reused:
            await uow.refresh_tokens.revoke_family(token.family_id, now)
            await uow.commit()
            raise errors.SessionRejected
        account = await uow.accounts.get(token.account_id)
        if account is None or account.status != "active":
            raise errors.SessionRejected
        tokens = await _issue(uow, deps, account, session)
        await uow.sessions.touch(session)
        await uow.commit()
    return tokens


async def logout(cmd: commands.Logout, uow: IdentityUnitOfWork, deps: AuthDependencies) -> None:
    async with uow:
        token = await uow.refresh_tokens.get(token_hash(cmd.refresh_token))
        if token is not None:
            await uow.refresh_tokens.revoke_family(token.family_id, deps.base.clock.now())
            await uow.commit()


async def sessions_of(
    account_id: str, uow: IdentityUnitOfWork, deps: AuthDependencies
) -> list[Session]:
    async with uow:
        return await uow.sessions.open_of_account(account_id, deps.base.clock.now())


async def end_session(
    cmd: commands.EndSession, uow: IdentityUnitOfWork, deps: AuthDependencies
) -> None:
    now = deps.base.clock.now()
    async with uow:
        session = await uow.sessions.get(cmd.session_id)
        if session is None or session.account_id != cmd.account_id or not session.open(now):
            raise errors.SessionNotFound
        await uow.refresh_tokens.revoke_family(session.id, now)
        await uow.commit()


async def end_sessions(
    cmd: commands.EndSessions, uow: IdentityUnitOfWork, deps: AuthDependencies
) -> dict[str, int]:
    """Log out everywhere (``keep`` None) or everywhere else; how many sessions ended."""
    now = deps.base.clock.now()
    async with uow:
        ending = [
            s for s in await uow.sessions.open_of_account(cmd.account_id, now) if s.id != cmd.keep
        ]
        for session in ending:
            await uow.refresh_tokens.revoke_family(session.id, now)
        await uow.commit()
    return {"ended": len(ending)}


async def create_agent(
    cmd: commands.CreateAgent, uow: IdentityUnitOfWork, deps: AuthDependencies
) -> dict[str, Any]:
    """Back-office staff, created from the command line; active at once."""
    now = deps.base.clock.now()
    email = cmd.email.strip().lower()
    async with uow:
        if await uow.accounts.email_exists(email):
            raise errors.EmailAlreadyUsed
        account = Account(
            id=deps.base.tokens.new_id(),
            kind="agent",
            email=email,
            display_name=cmd.display_name,
            password_hash=await deps.base.hasher.hash(cmd.password),
            status="active",
            created_at=now,
            activated_at=now,
        )
        await uow.accounts.add(account)
        await uow.commit()
    return {"account_id": account.id, "email": email}

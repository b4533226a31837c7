"""Password reset and e-mail change, both confirmed by a single-use link."""

from __future__ import annotations

from typing import Any

from identity.domain import commands, errors
from identity.domain.model import (
    confirm_email_change,
    request_email_change,
    request_password_reset,
    token_hash,
)
from identity.domain.sessions import account_throttle_key
from identity.service_layer.handlers import Dependencies, publish
from identity.service_layer.ports import IdentityUnitOfWork


async def request_reset(
    cmd: commands.RequestPasswordReset, uow: IdentityUnitOfWork, deps: Dependencies
) -> None:
    """Mail a reset link to an active account; the same silent answer for any address."""
    async with uow:
        account = await uow.accounts.get_by_email(cmd.email.strip().lower())
        if account is None or account.status != "active":
            return
        token = request_password_reset(account, deps.tokens.new_token(), deps.clock.now())
        await uow.activation_tokens.add(token)
        await publish(uow, deps, account.events)
        await uow.commit()


async def reset_password(
    cmd: commands.ResetPassword, uow: IdentityUnitOfWork, deps: Dependencies
) -> dict[str, Any]:
    """Set the new password and end every session of the account."""
    now = deps.clock.now()
    password_hash = await deps.hasher.hash(cmd.new_password)
    async with uow:
        token = await uow.activation_tokens.get(token_hash(cmd.token))
        if token is None or token.purpose != "password_reset":
            raise errors.ActivationLinkInvalid("password_reset")
        account = await uow.accounts.get(token.account_id)
        if account is None:
            raise errors.ActivationLinkInvalid("password_reset")
        token.use(now)
        account.password_hash = password_hash
        await uow.activation_tokens.save(token)
        await uow.accounts.save(account)
        await uow.refresh_tokens.revoke_account(account.id, now)
        # the owner proved it holds the mailbox: failures of others no longer make it wait
        throttle = await uow.login_throttles.get(account_throttle_key(account.id))
        throttle.succeeded()
        await uow.login_throttles.save(throttle)
        await uow.commit()
    return {"account_id": account.id, "password_changed_at": now}


async def request_change(
    cmd: commands.RequestEmailChange, uow: IdentityUnitOfWork, deps: Dependencies
) -> dict[str, Any]:
    new_email = cmd.new_email.strip().lower()
    async with uow:
        account = await uow.accounts.get(cmd.account_id)
        if account is None:
            raise errors.ActivationLinkInvalid
        if await uow.accounts.email_exists(new_email):
            raise errors.EmailAlreadyUsed
        token = request_email_change(account, new_email, deps.tokens.new_token(), deps.clock.now())
        await uow.activation_tokens.add(token)
        await publish(uow, deps, account.events)
        await uow.commit()
    return {"account_id": account.id, "pending_email": new_email, "expires_at": token.expires_at}


async def confirm_change(
    cmd: commands.ConfirmEmailChange, uow: IdentityUnitOfWork, deps: Dependencies
) -> dict[str, Any]:
    """The new address replaces the old one only once its link was opened."""
    now = deps.clock.now()
    async with uow:
        token = await uow.activation_tokens.get(token_hash(cmd.token))
        if token is None or token.purpose != "email_change" or token.new_email is None:
            raise errors.ActivationLinkInvalid("email_change")
        account = await uow.accounts.get(token.account_id)
        if account is None:
            raise errors.ActivationLinkInvalid("email_change")
        token.use(now)
        if await uow.accounts.email_exists(token.new_email):
            raise errors.EmailAlreadyUsed
        confirm_email_change(account, token.new_email, now)
        await uow.activation_tokens.save(token)
        await uow.accounts.save(account)
        await publish(uow, deps, account.events)
        await uow.commit()
    return {"account_id": account.id, "email": account.email}

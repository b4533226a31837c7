"""Use cases: load, call the domain, write the outgoing events to the outbox, commit."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from servicekit.clock import Clock

from identity.domain import commands, errors
from identity.domain.events import DomainEvent
from identity.domain.model import (
    ACTIVATION_PURPOSES,
    CABINET_ACTIVATION_TTL,
    Account,
    Cabinet,
    cabinet_user_changed,
    token_hash,
)
from identity.service_layer.integration import to_integration
from identity.service_layer.ports import (
    IdentityUnitOfWork,
    PasswordHasher,
    SecretSealer,
    TokenGenerator,
)


@dataclass(frozen=True)
class Dependencies:
    clock: Clock
    hasher: PasswordHasher
    sealer: SecretSealer
    tokens: TokenGenerator
    activation_url: str
    password_reset_url: str = "http://127.0.0.1:8101/v1/auth/password-reset/confirm"  # noqa: S105
    email_confirmation_url: str = "http://127.0.0.1:8101/v1/accounts/email-confirmation"


async def publish(uow: IdentityUnitOfWork, deps: Dependencies, events: list[DomainEvent]) -> None:
    for event in events:
        outgoing = to_integration(event, deps.sealer, deps)
        if outgoing is not None:
            await uow.outbox.add(outgoing.payload, subject=outgoing.subject)
    events.clear()


async def register_cabinet(
    cmd: commands.RegisterCabinet, uow: IdentityUnitOfWork, deps: Dependencies
) -> dict[str, Any]:
    now = deps.clock.now()
    email = cmd.email.strip().lower()
    password_hash = await deps.hasher.hash(cmd.password)
    async with uow:
        if await uow.cabinets.siret_exists(cmd.siret):
            raise errors.SiretAlreadyRegistered  # a SIRET is public: saying so reveals nothing
        existing = await uow.accounts.get_by_email(email)
        if existing is not None:
            # The same answer as for a new firm, so that the answer does not reveal the
            # account; its owner is told by mail (notifications).
            existing.registration_attempted(now)
            await publish(uow, deps, existing.events)
            await uow.commit()
            return {
                "cabinet_id": deps.tokens.new_id(),
                "admin_account_id": deps.tokens.new_id(),
                "status": "pending",
                "activation_expires_at": now + CABINET_ACTIVATION_TTL,
            }
        admin = Account(
            id=deps.tokens.new_id(),
            kind="cabinet_user",
            email=email,
            display_name=f"{cmd.admin_first_name} {cmd.admin_last_name}",
            password_hash=password_hash,
            status="pending",
            created_at=now,
            rights=frozenset({"admin", "clients", "declare", "pay", "read"}),
        )
        cabinet, token = Cabinet.register(
            cabinet_id=deps.tokens.new_id(),
            raison_sociale=cmd.raison_sociale,
            siret=cmd.siret,
            address=cmd.address,
            admin=admin,
            activation_token=deps.tokens.new_token(),
            now=now,
        )
        admin.cabinet_id = cabinet.id
        await uow.cabinets.add(cabinet)
        await uow.accounts.add(admin)
        await uow.activation_tokens.add(token)
        await publish(uow, deps, cabinet.events)
        await uow.commit()
    return {
        "cabinet_id": cabinet.id,
        "admin_account_id": admin.id,
        "status": admin.status,
        "activation_expires_at": token.expires_at,
    }


async def _invitation_accepted(uow: IdentityUnitOfWork, account: Account, now: datetime) -> None:
    """The firm's administrators are told that the collaborator joined."""
    cabinet = await uow.cabinets.get(account.cabinet_id or "")
    if cabinet is None:
        return
    users = await uow.accounts.of_cabinet(cabinet.id)
    account.events.append(
        cabinet_user_changed(
            cabinet, account, "user_activated", users, account.id, now, invitation_accepted=True
        )
    )


async def activate_account(
    cmd: commands.ActivateAccount, uow: IdentityUnitOfWork, deps: Dependencies
) -> dict[str, Any]:
    now = deps.clock.now()
    async with uow:
        token = await uow.activation_tokens.get(token_hash(cmd.token))
        if token is None:
            raise errors.ActivationLinkInvalid
        account = await uow.accounts.get(token.account_id)
        if account is None or token.purpose not in ACTIVATION_PURPOSES:
            raise errors.ActivationLinkInvalid
        if not account.has_password():
            if cmd.password is None:
                raise errors.PasswordRequired
            account.password_hash = await deps.hasher.hash(cmd.password)
        token.use(now)
        account.activate(now)
        if token.purpose == "collaborator_invitation" and account.cabinet_id is not None:
            await _invitation_accepted(uow, account, now)
        await uow.activation_tokens.save(token)
        await uow.accounts.save(account)
        await publish(uow, deps, account.events)
        await uow.commit()
    return {"account_id": account.id, "status": account.status, "activated_at": now}

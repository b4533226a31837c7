"""« Mes données personnelles »: read, change address and mobile, consent, deactivation."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from identity.domain import commands, errors
from identity.domain.affiliates import Affiliate
from identity.domain.teleservices import departement_of
from identity.service_layer.handlers import Dependencies, publish
from identity.service_layer.ports import IdentityUnitOfWork


class NotAnAssure(errors.IdentityError):
    def __init__(self) -> None:
        super().__init__("Ces données ne concernent que les assurés.")


@dataclass(frozen=True)
class PersonalData:
    affiliate: Affiliate
    email: str | None


async def _load(uow: IdentityUnitOfWork, account_id: str) -> PersonalData:
    account = await uow.accounts.get(account_id)
    if account is None or account.affiliate_id is None:
        raise NotAnAssure
    affiliate = await uow.affiliates.get(account.affiliate_id)
    if affiliate is None:
        raise NotAnAssure
    return PersonalData(affiliate, account.email)


async def read(account_id: str, uow: IdentityUnitOfWork) -> PersonalData:
    async with uow:
        return await _load(uow, account_id)


async def change(
    cmd: commands.ChangePersonalData, uow: IdentityUnitOfWork, deps: Dependencies
) -> PersonalData:
    async with uow:
        data = await _load(uow, cmd.account_id)
        departement = departement_of(cmd.address["postal_code"]) if cmd.address else None
        if data.affiliate.change_contact(cmd.address, departement, cmd.mobile):
            await uow.affiliates.save(data.affiliate)
            await publish(uow, deps, data.affiliate.events)
            await uow.commit()
    return data


async def set_consent(
    cmd: commands.SetThirdPartyConsent, uow: IdentityUnitOfWork, deps: Dependencies
) -> PersonalData:
    async with uow:
        data = await _load(uow, cmd.account_id)
        if data.affiliate.set_consent(cmd.allowed):
            await uow.affiliates.save(data.affiliate)
            await publish(uow, deps, data.affiliate.events)
            await uow.commit()
    return data


async def deactivate(
    cmd: commands.DeactivateAccount, uow: IdentityUnitOfWork, deps: Dependencies
) -> dict[str, Any]:
    now = deps.clock.now()
    async with uow:
        account = await uow.accounts.get(cmd.account_id)
        if account is None:
            raise NotAnAssure
        account.deactivate(now)
        await uow.accounts.save(account)
        await uow.refresh_tokens.revoke_account(account.id, now)
        await publish(uow, deps, account.events)
        await uow.commit()
    return {"account_id": account.id, "status": account.status}

"""The client's side (SPEC.md 3.3): who holds my mandate, since when, its history; revoke."""

from __future__ import annotations

from servicekit.auth import Principal

from mandates.domain import commands, errors
from mandates.domain.model import Mandate
from mandates.service_layer.handlers import Dependencies
from mandates.service_layer.integration import publish
from mandates.service_layer.ports import MandatesUnitOfWork


def affiliate_of(principal: Principal) -> str:
    """The assuré's own affilié; the client's endpoints are theirs only."""
    if principal.actor != "assure" or not principal.affiliate_id:
        raise errors.AssureRequired
    return principal.affiliate_id


async def revoke_mandate(
    cmd: commands.RevokeMandate, uow: MandatesUnitOfWork, deps: Dependencies
) -> Mandate:
    """The client ends the active mandate: effective at once, the firm told."""
    affiliate_id = affiliate_of(cmd.principal)
    async with uow:
        mandate = await uow.mandates.active_for(affiliate_id)
        if mandate is None:
            raise errors.ActiveMandateNotFound
        mandate.end("client", deps.clock.now())
        await uow.mandates.save(mandate)
        await publish(uow, deps.sealer, mandate)
        await uow.commit()
        return mandate

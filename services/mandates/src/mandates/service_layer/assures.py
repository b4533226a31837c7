"""The client's side (SPEC.md 3.3): who holds my mandate, since when, its history; revoke."""

from __future__ import annotations

from dataclasses import dataclass

from servicekit.auth import Principal
from servicekit.problems import Forbidden, NotFound

from mandates.domain.model import HistoryEntry, Mandate
from mandates.service_layer.clients import Deps, publish_ended
from mandates.service_layer.ports import MandatesUnitOfWork


@dataclass(frozen=True)
class HeldMandate:
    mandate: Mandate
    cabinet_name: str
    history: list[HistoryEntry]


def _affiliate(principal: Principal) -> str:
    if principal.actor != "assure" or not principal.affiliate_id:
        raise Forbidden("Réservé à l'assuré titulaire du compte.", kind="assure-only")
    return principal.affiliate_id


async def my_mandates(uow: MandatesUnitOfWork, principal: Principal) -> list[HeldMandate]:
    """Active and ended mandates, newest first; requests not yet activated are the firm's."""
    affiliate_id = _affiliate(principal)
    async with uow:
        held = []
        for mandate in await uow.mandates.of_affiliate(affiliate_id):
            name = await uow.directory.cabinet_name(mandate.cabinet_id) or mandate.cabinet_id
            history = await uow.mandates.history(mandate.id)
            visible = [h for h in history if h.transition in ("activated", "ended")]
            held.append(HeldMandate(mandate, name, visible))
        return held


async def revoke(uow: MandatesUnitOfWork, deps: Deps, principal: Principal) -> Mandate:
    """The client ends the active mandate: effective at once, the firm told."""
    affiliate_id = _affiliate(principal)
    async with uow:
        mandate = await uow.mandates.active_for(affiliate_id)
        if mandate is None:
            raise NotFound("Aucun mandat actif.", kind="no-active-mandate")
        now = deps.clock.now()
        mandate.end("client", now)
        await uow.mandates.save(mandate)
        await publish_ended(uow, mandate, now, exclude=None)
        await uow.commit()
        return mandate

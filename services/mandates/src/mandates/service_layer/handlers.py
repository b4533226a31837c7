"""Use cases of a firm's clients: add, re-issue a key, activate, delete, move (SPEC.md 3.1–3.3).

Each is: load, call the domain, write the events the aggregates recorded to the outbox
(``integration.publish``), commit. ``bootstrap.HANDLERS`` maps each command to its handler.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from servicekit.clock import Clock

from mandates.domain import commands, errors, keys
from mandates.domain.admission import Candidate, registry_refusal, screen
from mandates.domain.directory import Affiliate
from mandates.domain.model import Mandate
from mandates.service_layer.answers import ClientState, client_state
from mandates.service_layer.firms import FirmScope, firm_scope, visible_mandate, visible_portfolio
from mandates.service_layer.integration import publish
from mandates.service_layer.ports import KeySealer, MandatesUnitOfWork


@dataclass(frozen=True)
class Dependencies:
    clock: Clock
    sealer: KeySealer


async def vet(
    uow: MandatesUnitOfWork, cabinet_id: str, candidate: Candidate
) -> errors.ClientRefused | tuple[str, Affiliate]:
    """Check one client against the registry (SPEC.md 3.1); its SIREN and affilié, or why not."""
    siren = screen(candidate)
    if isinstance(siren, errors.ClientRefused):
        return siren
    affiliate = await uow.directory.affiliate_by_siren(siren)
    refusal = registry_refusal(affiliate)
    if refusal is not None:
        return refusal
    assert affiliate is not None
    if await uow.mandates.open_for(cabinet_id, affiliate.affiliate_id) is not None:
        return errors.ClientAlreadyFollowed()
    return siren, affiliate


async def target_portfolio(
    uow: MandatesUnitOfWork, scope: FirmScope, portfolio_id: str | None
) -> str:
    """The portfolio a new client goes to: the one asked for, else the firm's default one if
    the caller sees it, else the first of theirs."""
    if portfolio_id is not None:
        return (await visible_portfolio(uow, scope, portfolio_id)).id
    default = await uow.portfolios.default_of(scope.cabinet_id)
    if default is not None and scope.sees_portfolio(default.id):
        return default.id
    if scope.portfolio_ids:
        return sorted(scope.portfolio_ids)[0]
    raise errors.SubscriptionMissing


def new_request(
    cabinet_id: str, siren: str, affiliate: Affiliate, name: str, portfolio_id: str, now: datetime
) -> Mandate:
    """A client's request with a fresh key, as « Envoyer » records it."""
    return Mandate.request(
        mandate_id=str(uuid.uuid4()),
        cabinet_id=cabinet_id,
        affiliate=affiliate,
        siren=siren,
        client_name=name,
        portfolio_id=portfolio_id,
        key=keys.new_key(),
        key_event_id=str(uuid.uuid4()),
        now=now,
    )


async def add_client(
    cmd: commands.AddClient, uow: MandatesUnitOfWork, deps: Dependencies
) -> ClientState:
    async with uow:
        scope = await firm_scope(uow, cmd.principal, cmd.cabinet_id)
        scope.require("clients")
        target = await target_portfolio(uow, scope, cmd.portfolio_id)
        vetted = await vet(uow, cmd.cabinet_id, Candidate(cmd.identifier, cmd.name, cmd.nir))
        if isinstance(vetted, errors.ClientRefused):
            raise vetted
        siren, affiliate = vetted
        mandate = new_request(cmd.cabinet_id, siren, affiliate, cmd.name, target, deps.clock.now())
        await uow.mandates.add(mandate)
        await publish(uow, deps.sealer, mandate)
        state = await client_state(uow, mandate)
        await uow.commit()
        return state


async def reissue_key(
    cmd: commands.ReissueKey, uow: MandatesUnitOfWork, deps: Dependencies
) -> ClientState:
    """A new key and letter without deleting the client: the old key is dead."""
    async with uow:
        scope = await firm_scope(uow, cmd.principal, cmd.cabinet_id)
        scope.require("clients")
        mandate = await visible_mandate(uow, scope, cmd.mandate_id)
        mandate.reissue(keys.new_key(), str(uuid.uuid4()), deps.clock.now())
        await uow.mandates.save(mandate)
        await publish(uow, deps.sealer, mandate)
        state = await client_state(uow, mandate)
        await uow.commit()
        return state


async def activate_mandate(
    cmd: commands.ActivateMandate, uow: MandatesUnitOfWork, deps: Dependencies
) -> ClientState:
    """The firm types the key from the client's letter: a typo costs nothing, a wrong key one
    of five attempts (kept though refused); the right key activates the mandate, ending
    another firm's (the mandat unique)."""
    async with uow:
        scope = await firm_scope(uow, cmd.principal, cmd.cabinet_id)
        scope.require("clients")
        mandate = await visible_mandate(uow, scope, cmd.mandate_id)
        now = deps.clock.now()
        before = mandate.version
        try:
            mandate.activate(cmd.key, now, actor=cmd.principal.subject)
        except errors.MandatesError:
            if mandate.version != before:  # an attempt spent, or the request locked
                await uow.mandates.save(mandate)
                await publish(uow, deps.sealer, mandate)
                await uow.commit()
            raise
        replaced = await uow.mandates.active_for(mandate.affiliate_id)
        if replaced is not None and replaced.id != mandate.id:
            replaced.end("replacement", now)
            await uow.mandates.save(replaced)
            await publish(uow, deps.sealer, replaced)
        await uow.mandates.save(mandate)
        await publish(uow, deps.sealer, mandate)
        state = await client_state(uow, mandate)
        await uow.commit()
        return state


async def delete_client(
    cmd: commands.DeleteClient, uow: MandatesUnitOfWork, deps: Dependencies
) -> None:
    """A pending or locked request is deleted (its key dies); an active mandate ends."""
    async with uow:
        scope = await firm_scope(uow, cmd.principal, cmd.cabinet_id)
        scope.require("clients")
        mandate = await visible_mandate(uow, scope, cmd.mandate_id)
        mandate.delete(deps.clock.now(), actor=cmd.principal.subject)
        await uow.mandates.save(mandate)
        await publish(uow, deps.sealer, mandate)
        await uow.commit()


async def move_client(
    cmd: commands.MoveClient, uow: MandatesUnitOfWork, deps: Dependencies
) -> ClientState:
    async with uow:
        scope = await firm_scope(uow, cmd.principal, cmd.cabinet_id)
        scope.require_admin()
        mandate = await visible_mandate(uow, scope, cmd.mandate_id)
        mandate.ensure_followed()
        target = await visible_portfolio(uow, scope, cmd.portfolio_id)
        if mandate.move_to(target.id, deps.clock.now()):
            await uow.mandates.save(mandate)
            await publish(uow, deps.sealer, mandate)
        state = await client_state(uow, mandate)
        await uow.commit()
        return state

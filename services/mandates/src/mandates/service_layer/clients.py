"""A firm's clients: add, re-issue a key, enter the key, move, delete (SPEC.md 3.1–3.3)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, replace
from datetime import datetime

from contracts.mandates import v1
from servicekit.auth import Principal
from servicekit.clock import Clock
from servicekit.problems import Conflict, Forbidden, Problem
from sqlalchemy.exc import IntegrityError
from stdnum.fr import nir as nir_number
from stdnum.fr import siren as siren_number
from stdnum.fr import siret as siret_number

from mandates.domain import keys
from mandates.domain.model import (
    MAX_WRONG_KEYS,
    Affiliate,
    HistoryEntry,
    Mandate,
    MandateError,
    RequestLocked,
    WrongKey,
    WrongState,
)
from mandates.service_layer.firms import (
    FirmScope,
    firm_scope,
    recipients,
    visible_mandate,
    visible_portfolio,
)
from mandates.service_layer.ports import (
    ClientQuery,
    ConcurrentChange,
    KeySealer,
    MandatesUnitOfWork,
    Page,
)


@dataclass(frozen=True)
class Deps:
    clock: Clock
    sealer: KeySealer


@dataclass(frozen=True)
class Refusal:
    """Why a client cannot be added; the same words for one client and for an import row."""

    code: str
    detail: str
    status: int = 422

    def problem(self) -> Problem:
        return Problem(self.detail, kind=self.code, title="Client refusé", status=self.status)


@dataclass(frozen=True)
class Candidate:
    identifier: str
    name: str
    nir: str | None = None


def check_identifier(identifier: str) -> Refusal | str:
    """The SIREN of a SIREN or SIRET (La Poste's SIRETs included), or why not."""
    digits = identifier.replace(" ", "")
    if not digits.isdigit() or len(digits) not in (9, 14):
        return Refusal("invalid-identifier", "Un SIREN compte 9 chiffres, un SIRET 14.")
    if len(digits) == 9:
        if not siren_number.is_valid(digits):
            return Refusal(
                "invalid-siren", "SIREN invalide : la clé de contrôle ne correspond pas."
            )
        return digits
    if not siret_number.is_valid(digits):
        return Refusal("invalid-siret", "SIRET invalide : la clé de contrôle ne correspond pas.")
    return digits[:9]


ALREADY_CLIENT = Refusal("already-client", "Ce client est déjà suivi par votre cabinet.", 409)


def screen(candidate: Candidate) -> Refusal | str:
    """The checks that need nothing stored: the SIREN of the candidate, or why not."""
    siren = check_identifier(candidate.identifier)
    if isinstance(siren, Refusal):
        return siren
    name = candidate.name.strip()
    if not name or len(name) > 200:
        return Refusal("invalid-name", "Le nom du client est obligatoire (200 caractères au plus).")
    if candidate.nir and not nir_number.is_valid(candidate.nir.replace(" ", "")):
        return Refusal("invalid-nir", "NIR invalide : la clé ne correspond pas.")
    return siren


def registry_refusal(affiliate: Affiliate | None) -> Refusal | None:
    """Why the registry's entry for a SIREN forbids adding it as a client, if it does."""
    if affiliate is None:
        return Refusal("unknown-affiliate", "Ce SIREN est inconnu du répertoire des affiliés.")
    if affiliate.radiated:
        return Refusal("radiated", "Cette entreprise est radiée du répertoire des affiliés.")
    if not affiliate.consent:
        return Refusal(
            "consent-off",
            "L'affilié n'autorise pas l'inscription de son Siren par un tiers déclarant.",
        )
    return None


async def vet(
    uow: MandatesUnitOfWork, cabinet_id: str, candidate: Candidate
) -> Refusal | tuple[str, Affiliate]:
    """Check one client against the registry (SPEC.md 3.1); its SIREN and affilié, or why not."""
    siren = screen(candidate)
    if isinstance(siren, Refusal):
        return siren
    affiliate = await uow.directory.affiliate_by_siren(siren)
    refusal = registry_refusal(affiliate)
    if refusal is not None:
        return refusal
    assert affiliate is not None
    if await uow.mandates.open_for(cabinet_id, affiliate.affiliate_id) is not None:
        return ALREADY_CLIENT
    return siren, affiliate


async def target_portfolio(
    uow: MandatesUnitOfWork, scope: FirmScope, portfolio_id: str | None
) -> str:
    if portfolio_id is not None:
        return (await visible_portfolio(uow, scope, portfolio_id)).id
    default = await uow.portfolios.default_of(scope.cabinet_id)
    if default is not None and scope.sees_portfolio(default.id):
        return default.id
    if scope.portfolio_ids:
        return sorted(scope.portfolio_ids)[0]
    raise Forbidden(
        "Vous n'êtes abonné à aucun portefeuille : un administrateur doit vous y abonner.",
        kind="no-portfolio",
    )


def new_key(
    deps: Deps, mandate: Mandate, cabinet_name: str, now: datetime
) -> tuple[v1.MandateKeyIssuedV1, str]:
    """A new key for ``mandate`` (its digest kept on the mandate) and the event that posts it
    sealed for notifications, with that event's id (the letter's status comes back with it)."""
    key = keys.new_key()
    event_id = str(uuid.uuid4())
    mandate.key_hash = keys.digest(keys.normalize(key))
    mandate.key_event_id = event_id
    issued = v1.MandateKeyIssuedV1(
        mandate_id=mandate.id,
        affiliate_id=mandate.affiliate_id,
        cabinet_id=mandate.cabinet_id,
        cabinet_name=cabinet_name,
        sealed_key=deps.sealer.seal(key),
        reference=f"MDT-{mandate.id[:8].upper()}",
        issued_at=now,
    )
    return issued, event_id


async def issue_key(
    uow: MandatesUnitOfWork, deps: Deps, mandate: Mandate, cabinet_name: str, now: datetime
) -> str:
    """A new key for ``mandate``; its letter goes out through notifications. Returns the
    key-issued event id."""
    issued, event_id = new_key(deps, mandate, cabinet_name, now)
    await uow.outbox.add(issued, subject=mandate.affiliate_id, event_id=event_id)
    return event_id


async def firm_name(uow: MandatesUnitOfWork, cabinet_id: str) -> str:
    return await uow.directory.cabinet_name(cabinet_id) or cabinet_id


def new_request(
    scope: FirmScope, siren: str, affiliate: Affiliate, name: str, portfolio_id: str, now: datetime
) -> Mandate:
    """A client's request as « Envoyer » records it, before its key."""
    mandate = Mandate(
        id=str(uuid.uuid4()),
        cabinet_id=scope.cabinet_id,
        affiliate_id=affiliate.affiliate_id,
        siren=siren,
        client_name=name.strip(),
        portfolio_id=portfolio_id,
        state="requested",
        key_hash="",
        key_event_id="",
        issued_at=now,
        created_at=now,
    )
    mandate.history.append(HistoryEntry(now, "requested"))
    return mandate


async def place_client(
    uow: MandatesUnitOfWork,
    deps: Deps,
    scope: FirmScope,
    siren: str,
    affiliate: Affiliate,
    name: str,
    portfolio_id: str,
) -> Mandate:
    """Record the request and post its key (« Envoyer »)."""
    now = deps.clock.now()
    mandate = new_request(scope, siren, affiliate, name, portfolio_id, now)
    await issue_key(uow, deps, mandate, await firm_name(uow, scope.cabinet_id), now)
    await uow.mandates.add(mandate)
    return mandate


async def add_client(
    uow: MandatesUnitOfWork,
    deps: Deps,
    principal: Principal,
    cabinet_id: str,
    candidate: Candidate,
    portfolio_id: str | None,
) -> Mandate:
    async with uow:
        scope = await firm_scope(uow, principal, cabinet_id)
        scope.require("clients")
        target = await target_portfolio(uow, scope, portfolio_id)
        vetted = await vet(uow, cabinet_id, candidate)
        if isinstance(vetted, Refusal):
            raise vetted.problem()
        mandate = await place_client(uow, deps, scope, *vetted, candidate.name, target)
        await _commit(uow)
        return mandate


async def _commit(uow: MandatesUnitOfWork) -> None:
    try:
        await uow.commit()
    except IntegrityError as exc:
        raise Conflict(
            "Ce client vient d'être modifié par une autre demande ; rechargez la page.",
            kind="concurrent-change",
        ) from exc


def _problem(error: MandateError) -> Problem:
    if isinstance(error, WrongKey):
        return Problem(
            str(error),
            kind="wrong-key",
            title="Clé erronée",
            status=422,
            extra={"attempts_left": error.attempts_left},
        )
    if isinstance(error, RequestLocked):
        return Problem(str(error), kind="request-locked", title="Demande verrouillée", status=409)
    return Problem(str(error), kind=error.code, title="Action impossible", status=409)


async def reissue_key(
    uow: MandatesUnitOfWork, deps: Deps, principal: Principal, cabinet_id: str, mandate_id: str
) -> Mandate:
    async with uow:
        scope = await firm_scope(uow, principal, cabinet_id)
        scope.require("clients")
        mandate = await visible_mandate(uow, scope, mandate_id)
        now = deps.clock.now()
        try:
            mandate.reissue("", "", now)
        except MandateError as exc:
            raise _problem(exc) from exc
        await issue_key(uow, deps, mandate, await firm_name(uow, cabinet_id), now)
        await _save(uow, mandate)
        await _commit(uow)
        return mandate


async def _save(uow: MandatesUnitOfWork, mandate: Mandate) -> None:
    try:
        await uow.mandates.save(mandate)
    except ConcurrentChange as exc:
        raise Conflict(
            "Cette demande vient d'être modifiée par une autre action ; rechargez la page.",
            kind="concurrent-change",
        ) from exc


async def enter_key(
    uow: MandatesUnitOfWork,
    deps: Deps,
    principal: Principal,
    cabinet_id: str,
    mandate_id: str,
    typed: str,
) -> Mandate:
    """The firm types the key from the client's letter: a typo costs nothing, a wrong key one
    of five attempts; the right key activates the mandate, ending another firm's."""
    async with uow:
        scope = await firm_scope(uow, principal, cabinet_id)
        scope.require("clients")
        mandate = await visible_mandate(uow, scope, mandate_id)
        now = deps.clock.now()
        before = (mandate.state, mandate.failed_attempts)
        try:
            mandate.check_key(typed, now)
        except keys.KeyTypo as exc:
            raise Problem(
                f"Clé mal saisie : {exc}. Aucun essai n'a été décompté.",
                kind="key-typo",
                title="Clé mal saisie",
                status=422,
                extra={"attempts_left": MAX_WRONG_KEYS - mandate.failed_attempts},
            ) from exc
        except MandateError as exc:
            if (mandate.state, mandate.failed_attempts) != before:
                await _save(uow, mandate)
                if mandate.state == "locked":
                    await uow.outbox.add(
                        v1.MandateLockedV1(
                            mandate_id=mandate.id,
                            affiliate_id=mandate.affiliate_id,
                            cabinet_id=cabinet_id,
                            locked_at=now,
                        ),
                        subject=mandate.affiliate_id,
                    )
                await _commit(uow)
            raise _problem(exc) from exc
        await _replace_previous(uow, mandate, now)
        mandate.activate(now)
        await _save(uow, mandate)
        await uow.outbox.add(
            v1.MandateActivatedV1(
                mandate_id=mandate.id,
                affiliate_id=mandate.affiliate_id,
                cabinet_id=cabinet_id,
                cabinet_name=await firm_name(uow, cabinet_id),
                client_name=mandate.client_name,
                activated_at=now,
                notify=await recipients(
                    uow, cabinet_id, mandate.portfolio_id, exclude=principal.subject
                ),
                portfolio_id=mandate.portfolio_id,
            ),
            subject=mandate.affiliate_id,
        )
        await _commit(uow)
        return mandate


async def _replace_previous(uow: MandatesUnitOfWork, mandate: Mandate, now: datetime) -> None:
    """The mandat unique: another firm's active mandate for this client ends (replacement)."""
    previous = await uow.mandates.active_for(mandate.affiliate_id)
    if previous is None or previous.id == mandate.id:
        return
    previous.end("replacement", now)
    await _save(uow, previous)
    await publish_ended(uow, previous, now, exclude=None)


async def publish_ended(
    uow: MandatesUnitOfWork, mandate: Mandate, now: datetime, *, exclude: str | None
) -> None:
    await uow.outbox.add(
        v1.MandateEndedV1(
            mandate_id=mandate.id,
            affiliate_id=mandate.affiliate_id,
            cabinet_id=mandate.cabinet_id,
            cabinet_name=await firm_name(uow, mandate.cabinet_id),
            client_name=mandate.client_name,
            ended_by=mandate.ended_by or "cabinet",
            ended_at=now,
            notify=await recipients(uow, mandate.cabinet_id, mandate.portfolio_id, exclude=exclude),
        ),
        subject=mandate.affiliate_id,
    )


async def publish_deleted(uow: MandatesUnitOfWork, mandate: Mandate, now: datetime) -> None:
    await uow.outbox.add(
        v1.MandateDeletedV1(
            mandate_id=mandate.id,
            affiliate_id=mandate.affiliate_id,
            cabinet_id=mandate.cabinet_id,
            deleted_at=now,
        ),
        subject=mandate.affiliate_id,
    )


async def delete_client(
    uow: MandatesUnitOfWork, deps: Deps, principal: Principal, cabinet_id: str, mandate_id: str
) -> None:
    async with uow:
        scope = await firm_scope(uow, principal, cabinet_id)
        scope.require("clients")
        mandate = await visible_mandate(uow, scope, mandate_id)
        now = deps.clock.now()
        try:
            mandate.delete(now)
        except MandateError as exc:
            raise _problem(exc) from exc
        await _save(uow, mandate)
        if mandate.state == "ended":
            await publish_ended(uow, mandate, now, exclude=principal.subject)
        else:
            await publish_deleted(uow, mandate, now)
        await _commit(uow)


async def move_client(
    uow: MandatesUnitOfWork,
    deps: Deps,
    principal: Principal,
    cabinet_id: str,
    mandate_id: str,
    portfolio_id: str,
) -> Mandate:
    async with uow:
        scope = await firm_scope(uow, principal, cabinet_id)
        scope.require_admin()
        mandate = await visible_mandate(uow, scope, mandate_id)
        if not mandate.is_open:
            raise _problem(WrongState("ce client n'est plus suivi"))
        target = await visible_portfolio(uow, scope, portfolio_id)
        now = deps.clock.now()
        if target.id != mandate.portfolio_id:
            mandate.portfolio_id = target.id
            mandate.history.append(HistoryEntry(now, "moved"))
            await _save(uow, mandate)
            await uow.outbox.add(
                v1.MandateMovedV1(
                    mandate_id=mandate.id,
                    affiliate_id=mandate.affiliate_id,
                    cabinet_id=cabinet_id,
                    portfolio_id=target.id,
                    moved_at=now,
                ),
                subject=mandate.affiliate_id,
            )
        await _commit(uow)
        return mandate


async def client_view(
    uow: MandatesUnitOfWork, principal: Principal, cabinet_id: str, mandate_id: str
) -> tuple[Mandate, list[HistoryEntry]]:
    async with uow:
        scope = await firm_scope(uow, principal, cabinet_id)
        mandate = await visible_mandate(uow, scope, mandate_id)
        return mandate, list(await uow.mandates.history(mandate.id))


async def list_clients(
    uow: MandatesUnitOfWork, principal: Principal, query: ClientQuery
) -> Page[Mandate]:
    """A page of the firm's clients the caller sees (their portfolios, or all for admins)."""
    async with uow:
        scope = await firm_scope(uow, principal, query.cabinet_id)
        if scope.portfolio_ids is not None:
            allowed = sorted(scope.portfolio_ids)
            if query.portfolio_ids is not None:
                allowed = [p for p in query.portfolio_ids if p in scope.portfolio_ids]
            query = replace(query, portfolio_ids=allowed)
        return await uow.mandates.search(query)

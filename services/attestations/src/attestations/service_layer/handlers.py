"""The use cases: issue a certificate, read or download it, list an affilié's, revoke one,
verify a code. Issuing reads the facts, renders the PDF outside any transaction, then writes the
certificate and its event to the outbox in one transaction."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, timedelta

from attestations.domain import codes, commands, errors, payload
from attestations.domain.eligibility import KIND_LABELS, kind_applies, may_open
from attestations.domain.french import euros, long_date
from attestations.domain.model import AffiliateRecord, Attestation, Content, PensionPayment
from attestations.domain.vigilance import Granted, VigilanceFacts, decide_vigilance
from attestations.service_layer.integration import to_contract
from attestations.service_layer.ports import AttestationsUnitOfWork, Renderer, Signer
from contracts.attestations.v1 import AttestationExpiringV1
from servicekit.auth import Principal
from servicekit.clock import Clock


@dataclass(frozen=True)
class Dependencies:
    clock: Clock
    signer: Signer
    renderer: Renderer


NOT_FOUND = "Aucune attestation accessible ne correspond."
CODE_NOT_FOUND = "Aucune attestation ne correspond à ce code de sécurité."


async def _authorize(uow: AttestationsUnitOfWork, who: Principal, affiliate_id: str) -> None:
    """The affilié for themselves, a firm user through the delegation rule (``read``);
    anyone else: not found."""
    if who.actor == "agent":
        raise errors.AttestationNotFound(NOT_FOUND)
    await uow.access.require(who, affiliate_id, "read")


def _closed(record: AffiliateRecord) -> errors.TeleserviceClosed:
    return errors.TeleserviceClosed(
        "Le téléservice « attestations » n'est pas ouvert aux affiliés de cette catégorie "
        "(professions libérales et ayants droit) : adressez-vous à l'organisme qui gère "
        "leurs cotisations."
    )


def _covered_year(year: int | None, what: str, record: AffiliateRecord, today: date) -> int:
    """The year a certificate of payments covers: one begun, and not before the affiliation
    (a certificate of 0 € for a year to come, or one the person was not affiliated in, would
    say what no ledger knows)."""
    if year is None:
        raise errors.YearRequired(f"Indiquez l'année couverte par {what}.")
    if year > today.year:
        raise errors.AttestationRefused(
            f"L'année {year} n'est pas encore commencée : {what} ne couvre qu'une année commencée.",
            "year_not_begun",
            f"Choisissez l'année {today.year} ou une année antérieure.",
        )
    if year < record.affiliated_on.year:
        raise errors.AttestationRefused(
            f"Vous n'étiez pas encore affilié(e) en {year} : votre affiliation date du "
            f"{long_date(record.affiliated_on)}.",
            "year_before_affiliation",
            f"Choisissez l'année {record.affiliated_on.year} ou une année postérieure.",
        )
    return year


async def _content(
    uow: AttestationsUnitOfWork,
    record: AffiliateRecord,
    cmd: commands.IssueAttestation,
    today: date,
) -> Content:

    def made(period: str, statement: str, valid_until: date | None = None) -> Content:
        return Content(
            kind=cmd.kind,
            title=KIND_LABELS[cmd.kind],
            holder=record.holder,
            siren=record.siren,
            period=period,
            statement=statement,
            issued_on=today,
            valid_until=valid_until,
        )

    if cmd.kind == "vigilance":
        facts = VigilanceFacts(
            radiated_on=record.radiated_on,
            standing=await uow.facts.standing(record.affiliate_id),
            plan=await uow.facts.plan(record.affiliate_id),
            missing_declarations=await uow.facts.missing_declarations(record.affiliate_id),
        )
        decision = decide_vigilance(facts, today)
        if not isinstance(decision, Granted):
            raise errors.AttestationRefused(decision.message, decision.reason, decision.what_to_do)
        return made(
            f"du {long_date(today)} au {long_date(decision.valid_until)}",
            decision.statement,
            decision.valid_until,
        )
    if cmd.kind == "paiement":
        year = _covered_year(cmd.year, "l'attestation de paiement", record, today)
        paid = await uow.facts.paid_in(record.affiliate_id, year)
        return made(
            f"année {year}",
            f"a réglé {euros(paid.total)} de cotisations au titre de l'année {year} "
            f"(situation au {long_date(today)})",
        )
    if cmd.kind == "fiscale":
        year = _covered_year(cmd.year, "l'attestation fiscale", record, today)
        p = await uow.facts.pensions_in(record.affiliate_id, year)
        return made(
            f"année {year}",
            f"a perçu au titre de l'année {year} des pensions d'un montant brut de "
            f"{euros(p.gross)}, net de {euros(p.net)}, dont {euros(p.taxable)} imposables",
        )
    if cmd.kind == "affiliation":
        end = (
            f" jusqu'au {long_date(record.radiated_on)}"
            if record.radiated_on and record.radiated_on <= today
            else ""
        )
        return made(
            f"depuis le {long_date(record.affiliated_on)}{end}",
            f"est affilié(e) depuis le {long_date(record.affiliated_on)}{end}",
        )
    if record.radiated_on is None or record.radiated_on > today:
        raise errors.AttestationRefused(
            "Vous n'êtes pas radié(e) : une attestation de radiation ne peut être délivrée.",
            "not_radiated",
            "Téléchargez une attestation d'affiliation.",
        )
    return made(
        f"affiliation du {long_date(record.affiliated_on)} au {long_date(record.radiated_on)}",
        f"est radié(e) depuis le {long_date(record.radiated_on)}",
    )


async def issue_attestation(
    cmd: commands.IssueAttestation, uow: AttestationsUnitOfWork, deps: Dependencies
) -> Attestation:
    now = deps.clock.now()
    async with uow:
        await _authorize(uow, cmd.who, cmd.affiliate_id)
        record = await uow.facts.affiliate(cmd.affiliate_id)
        if record is None:
            raise errors.AttestationNotFound(NOT_FOUND)
        if not may_open(record.category):
            raise _closed(record)
        if not kind_applies(cmd.kind, record.category):
            who = "aux retraités" if cmd.kind == "fiscale" else "aux cotisants"
            raise errors.KindNotApplicable(
                f"L'{KIND_LABELS[cmd.kind].lower()} n'est délivrée qu'{who}."
            )
        content = await _content(uow, record, cmd, now.date())
        code = codes.normalize(codes.new_code())
        while await uow.attestations.code_taken(code):  # 74 bits: practically never
            code = codes.normalize(codes.new_code())
    signer = deps.signer
    signed = payload.signing_input(signer.key_id, payload.claims_of(code, content))
    qr = payload.assemble(signed, signer.sign(signed.encode()))
    pdf = await deps.renderer.render(code, content, qr)
    attestation = Attestation(
        attestation_id=str(uuid.uuid4()),
        code=code,
        affiliate_id=cmd.affiliate_id,
        content=content,
        issued_at=now,
        key_id=signer.key_id,
        payload=qr,
        pdf=pdf,
    )
    attestation.issued(cmd.who.actor)
    async with uow:
        await uow.attestations.add(attestation)
        for event in attestation.events:
            await uow.outbox.add(to_contract(event), subject=attestation.affiliate_id)
        await uow.commit()
    return attestation


async def read_attestation(
    cmd: commands.ReadAttestation, uow: AttestationsUnitOfWork, deps: Dependencies
) -> Attestation:
    async with uow:
        attestation = await uow.attestations.get(cmd.attestation_id)
        if attestation is None:
            raise errors.AttestationNotFound(NOT_FOUND)
        await _authorize(uow, cmd.who, attestation.affiliate_id)
        return attestation


@dataclass(frozen=True)
class AttestationPage:
    """A page of an affilié's certificates and how many they have in all (a page past the
    last has no items and the same total)."""

    items: list[Attestation]
    total: int
    page: int
    per_page: int


async def list_attestations(
    cmd: commands.ListAttestations, uow: AttestationsUnitOfWork, deps: Dependencies
) -> AttestationPage:
    async with uow:
        await _authorize(uow, cmd.who, cmd.affiliate_id)
        total = await uow.attestations.count_of_affiliate(cmd.affiliate_id)
        offset = (cmd.page - 1) * cmd.per_page
        items = (
            await uow.attestations.of_affiliate(cmd.affiliate_id, offset=offset, limit=cmd.per_page)
            if offset < total
            else []
        )
        return AttestationPage(items, total, cmd.page, cmd.per_page)


async def revoke_attestation(
    cmd: commands.RevokeAttestation, uow: AttestationsUnitOfWork, deps: Dependencies
) -> Attestation:
    if cmd.who.actor != "agent":
        raise errors.AgentOnly("Seul un agent de la caisse peut révoquer une attestation.")
    async with uow:
        attestation = await uow.attestations.get(cmd.attestation_id)
        if attestation is None:
            raise errors.AttestationNotFound(NOT_FOUND)
        attestation.revoke(deps.clock.now(), cmd.reason)
        await uow.attestations.save_revocation(attestation)
        for event in attestation.events:
            await uow.outbox.add(to_contract(event), subject=attestation.affiliate_id)
        await uow.commit()
        return attestation


async def verify_code(
    cmd: commands.VerifyCode, uow: AttestationsUnitOfWork, deps: Dependencies
) -> Attestation:
    """The certificate of a code; an unknown code and a mistyped one answer alike."""
    try:
        symbols = codes.normalize(cmd.code)
    except codes.CodeTypo as exc:
        raise errors.CodeNotFound(CODE_NOT_FOUND) from exc
    async with uow:
        attestation = await uow.attestations.by_code(symbols)
    if attestation is None:
        raise errors.CodeNotFound(CODE_NOT_FOUND)
    return attestation


async def pension_history(
    cmd: commands.ReadPensionPayments, uow: AttestationsUnitOfWork, deps: Dependencies
) -> list[PensionPayment]:
    """The pension payments of a pensioner, as the pension fund's feed said them."""
    async with uow:
        await _authorize(uow, cmd.who, cmd.affiliate_id)
        record = await uow.facts.affiliate(cmd.affiliate_id)
        if record is None:
            raise errors.AttestationNotFound(NOT_FOUND)
        if not may_open(record.category):
            raise _closed(record)
        return await uow.facts.pension_payments(cmd.affiliate_id)


async def notice_renewals(
    cmd: commands.NoticeRenewals, uow: AttestationsUnitOfWork, deps: Dependencies
) -> int:
    """Each vigilance certificate ending within ``cmd.days`` (and not renewed) is noticed once:
    ``expiring`` goes to the outbox and the certificate keeps when it was noticed."""
    now = deps.clock.now()
    async with uow:
        due = await uow.attestations.expiring(now.date(), now.date() + timedelta(days=cmd.days))
        for a in due:
            assert a.content.valid_until is not None
            await uow.outbox.add(
                AttestationExpiringV1(
                    attestation_id=a.attestation_id,
                    affiliate_id=a.affiliate_id,
                    kind="vigilance",
                    valid_until=a.content.valid_until,
                    noticed_at=now,
                ),
                subject=a.affiliate_id,
            )
            await uow.attestations.mark_noticed(a.attestation_id, now)
        await uow.commit()
    return len(due)

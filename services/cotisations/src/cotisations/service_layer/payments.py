"""Payments' use cases: the history and standing read from the ledger, an agent's cheque or
transfer, the SEPA mandate (adhere, change the account, revoke), the debit day's run and the
bank's returns. Each writes its events to the outbox in its own transaction."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from decimal import Decimal

from contracts.bank import v1 as bank_v1
from contracts.cotisations import v1
from servicekit.bulk import collector_paused
from servicekit.logging import get_logger
from servicekit.outbox import Outgoing
from servicekit.problems import Forbidden

from cotisations.domain.errors import ComputationInputInvalid
from cotisations.domain.payments import commands
from cotisations.domain.payments.calls import missing_calls, with_calls
from cotisations.domain.payments.direct_debit import (
    NOTICE_WORKING_DAYS,
    Mandate,
    add_working_days,
    current_mandate,
    first_due_date_after_notice,
    revoke,
    sign,
)
from cotisations.domain.payments.errors import (
    DebitFileNotFound,
    DirectDebitExists,
    NoDirectDebit,
    PaymentAlreadyRecorded,
    UnknownObligation,
)
from cotisations.domain.payments.ledger import (
    Entry,
    Ledger,
    Standing,
    debt_ref,
    instalment_ref,
    standing,
    standing_after_payment,
)
from cotisations.domain.payments.mandate import TelepaymentMandate
from cotisations.domain.payments.payer import (
    FINAL,
    Telepayment,
    part_end_to_end_id,
    part_of,
)
from cotisations.domain.payments.refusals import ConcurrentRequest
from cotisations.service_layer import payments_integration as out
from cotisations.service_layer.handlers import Dependencies, account_with
from cotisations.service_layer.ports import (
    CotisationsUnitOfWork,
    DebitBatch,
    DebitFile,
    DebitLine,
)
from cotisations.service_layer.prenotification import this_years_debits, upcoming_instalments

_log = get_logger(__name__)

DEBIT_CHUNK = 5000
"""Accounts of a debit day read, debited and written together (memory stays bounded)."""

PRENOTICE_DAYS = 14
"""A debit is announced at least this many calendar days before it is taken."""


# -- reads -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PaymentLine:
    entry: Entry
    paid_due_date: date | None
    """The due date of what it paid (None: on account)."""
    paid_kind: str | None


@dataclass(frozen=True)
class PaymentsPage:
    affiliate_id: str
    total: int
    offset: int
    limit: int
    payments: list[PaymentLine]


async def read_payments(
    cmd: commands.ReadPayments, uow: CotisationsUnitOfWork, deps: Dependencies
) -> PaymentsPage:
    """The payment history (newest value date first): assuré, agent, firm user with ``read``."""
    today = deps.clock.now().date()
    async with uow:
        account = await account_with(cmd.principal, cmd.affiliate_id, uow, "read")
        ledger = await uow.ledgers.get(cmd.affiliate_id)
    entries = with_calls(account, ledger, today, deps.ledger_opens_on)
    obligations = {o.reference: o for o in standing(entries, today).obligations}
    payments = sorted(
        (e for e in entries if e.kind == "payment"),
        key=lambda e: (e.value_date, e.key),
        reverse=True,
    )
    page = payments[cmd.offset : cmd.offset + cmd.limit]
    lines = []
    for e in page:
        o = obligations.get(e.obligation or "")
        lines.append(PaymentLine(e, o.due_date if o else None, o.kind if o else None))
    return PaymentsPage(cmd.affiliate_id, len(payments), cmd.offset, cmd.limit, lines)


# -- an agent's cheque or transfer --------------------------------------------------------------


@dataclass(frozen=True)
class RecordedPayment:
    entry: Entry
    standing: Standing


async def record_payment(
    cmd: commands.RecordPayment, uow: CotisationsUnitOfWork, deps: Dependencies
) -> RecordedPayment:
    """A cheque or a transfer received (back office only): one ledger entry, naming what it
    pays or on account; ``payment_recorded`` published. The payer's reference is its natural
    key: the same cheque recorded twice is refused (409)."""
    now = deps.clock.now()
    today = now.date()
    async with uow:
        account = await account_with(cmd.principal, cmd.affiliate_id, uow, "pay")
        if cmd.principal.actor != "agent":  # after access: a dossier out of reach stays 404
            raise Forbidden(
                "Seul un agent enregistre un paiement par chèque ou virement.", kind="agent-only"
            )
        ledger = await uow.ledgers.get(cmd.affiliate_id)
        for call in missing_calls(account, ledger, today, deps.ledger_opens_on):
            ledger.post(call)
        key = f"payment:{cmd.mode}:{cmd.external_reference}"
        if ledger.get(key) is not None:
            raise PaymentAlreadyRecorded(cmd.external_reference)
        if cmd.pays is not None:
            known = {o.reference for o in standing(ledger.entries, today).obligations} | {
                instalment_ref(i.due_date) for i in upcoming_instalments(account, today)
            }  # an instalment may be paid before it falls due
            if cmd.pays not in known:
                raise UnknownObligation(cmd.pays)
        entry = Entry(
            key=key,
            kind="payment",
            amount=-cmd.amount,
            booked_on=today,
            value_date=cmd.value_date,
            obligation=cmd.pays,
            mode=cmd.mode,  # type: ignore[arg-type]  # checked at the entrypoint
            status="posted",
            external_reference=cmd.external_reference,
        )
        ledger.post(entry)
        await uow.ledgers.save(ledger)
        after = standing(ledger.entries, today)
        await uow.outbox.add(
            out.payment_recorded(cmd.affiliate_id, entry, after, now), subject=cmd.affiliate_id
        )
        await uow.commit()
    return RecordedPayment(entry, after)


# -- the SEPA mandate ---------------------------------------------------------------------------


@dataclass(frozen=True)
class DirectDebitView:
    current: Mandate | None
    mandates: list[Mandate]
    effective_from: date | None = None


def _prenotice_limit(today: date, departement: str) -> date:
    return max(
        add_working_days(today, NOTICE_WORKING_DAYS, departement),
        today + timedelta(days=PRENOTICE_DAYS),
    )


async def read_direct_debit(
    cmd: commands.ReadDirectDebit, uow: CotisationsUnitOfWork, deps: Dependencies
) -> DirectDebitView:
    async with uow:
        await account_with(cmd.principal, cmd.affiliate_id, uow, "read")
        mandates = await uow.mandates.of_account(cmd.affiliate_id)
    return DirectDebitView(current_mandate(mandates), mandates)


async def sign_direct_debit(
    cmd: commands.SignDirectDebit, uow: CotisationsUnitOfWork, deps: Dependencies
) -> DirectDebitView:
    """Adhere (POST: no mandate in force yet, else 409) or change the account to debit (PUT:
    one in force, else 404). It debits from the first due date that leaves both the notice
    (``NOTICE_WORKING_DAYS`` working days) and the pre-notification (14 days); the debits are
    pre-notified (``debits_prenotified``)."""
    now = deps.clock.now()
    today = now.date()
    async with uow:
        account = await account_with(cmd.principal, cmd.affiliate_id, uow, "pay")
        mandates = await uow.mandates.of_account(cmd.affiliate_id)
        previous = current_mandate(mandates)
        if cmd.changing and previous is None:
            raise NoDirectDebit
        if not cmd.changing and previous is not None:
            raise DirectDebitExists(previous.rum)
        upcoming = upcoming_instalments(account, today)
        limit = _prenotice_limit(today, account.departement)
        effective_from = first_due_date_after_notice(
            [i.due_date for i in upcoming if i.due_date >= limit], today, account.departement
        )
        change = sign(
            cmd.affiliate_id,
            mandates,
            cmd.account,
            deps.creditor.identifier,
            cmd.signed_on,
            effective_from,
        )
        await uow.mandates.save(change)
        assert change.started is not None
        if previous is None:
            await uow.outbox.add(out.mandate_signed(change.started, now), subject=cmd.affiliate_id)
        else:
            await uow.outbox.add(
                out.mandate_changed(previous, change.started, now), subject=cmd.affiliate_id
            )
        debits = this_years_debits([i for i in upcoming if i.due_date >= effective_from])
        await uow.outbox.add(
            out.debits_prenotified(
                change.started,
                debits,
                "mandate_changed" if previous else "mandate_signed",
                deps.creditor.name,
                now,
            ),
            subject=cmd.affiliate_id,
        )
        await uow.commit()
    mandates = [m for m in mandates if m.rum != (previous.rum if previous else None)]
    if change.ended is not None:
        mandates.append(change.ended)
    mandates.append(change.started)
    return DirectDebitView(change.started, mandates, effective_from)


async def revoke_direct_debit(
    cmd: commands.RevokeDirectDebit, uow: CotisationsUnitOfWork, deps: Dependencies
) -> DirectDebitView:
    """Leave automatic debit: no debit from the first due date at least the notice away (one
    nearer is still taken); ``direct_debit_mandate_revoked`` published."""
    now = deps.clock.now()
    today = now.date()
    async with uow:
        account = await account_with(cmd.principal, cmd.affiliate_id, uow, "pay")
        mandates = await uow.mandates.of_account(cmd.affiliate_id)
        previous = current_mandate(mandates)
        if previous is None:
            raise NoDirectDebit
        try:
            effective_from = first_due_date_after_notice(
                [i.due_date for i in upcoming_instalments(account, today)],
                today,
                account.departement,
            )
        except ComputationInputInvalid:
            effective_from = add_working_days(today, NOTICE_WORKING_DAYS, account.departement)
        change = revoke(mandates, effective_from)
        await uow.mandates.save(change)
        await uow.outbox.add(
            out.mandate_revoked(previous, effective_from, now), subject=cmd.affiliate_id
        )
        await uow.commit()
    assert change.ended is not None
    kept = [m for m in mandates if m.rum != previous.rum] + [change.ended]
    return DirectDebitView(None, kept, effective_from)


# -- the debit day ------------------------------------------------------------------------------


@dataclass(frozen=True)
class DebitRun:
    debit_date: date
    file_name: str | None
    transactions: int
    total: Decimal
    already_run: bool = False
    delivered: bool = False


def end_to_end_id(affiliate_id: str, debit_date: date) -> str:
    """The debit's SEPA end-to-end id (35 characters at most): the day and a digest of the
    account, the same on every run."""
    digest = hashlib.blake2b(affiliate_id.encode(), digest_size=10).hexdigest().upper()
    return f"CT{debit_date:%Y%m%d}{digest}"


def message_id(debit_date: date) -> str:
    return f"COTISATIONS-DD-{debit_date:%Y%m%d}"


def file_name(debit_date: date) -> str:
    return f"pain008-{debit_date:%Y%m%d}.xml"


CATCH_UP_DAYS = 31
"""How far back a worker that was stopped catches up the debit days it missed."""


async def run_due_debit_days(
    cmd: commands.RunDueDebitDays, uow: CotisationsUnitOfWork, deps: Dependencies
) -> list[DebitRun]:
    """The business date's debit day, after each day since the last run that none covered
    (at most ``CATCH_UP_DAYS`` back), oldest first: a day missed is collected on the day it is
    caught up (a collection date is never in the past), under its own file."""
    today = deps.clock.now().date()
    async with uow:
        last = await uow.debit_files.last_day()
    first = today
    if last is not None:
        first = max(last + timedelta(days=1), today - timedelta(days=CATCH_UP_DAYS))
    days = [first + timedelta(days=n) for n in range((today - first).days + 1)] or [today]
    return [await run_debit_day(commands.RunDebitDay(day), uow, deps) for day in days]


async def run_debit_day(
    cmd: commands.RunDebitDay, uow: CotisationsUnitOfWork, deps: Dependencies
) -> DebitRun:
    """The debit day: one pain.008 file with every instalment due that day of the accounts
    whose mandate debits that day; each debit posted to the ledger ``pending`` (with the call
    it pays) and ``payment_recorded`` published, then the file handed to the bank channel.
    The same file holds every telepayment no file holds yet whose debit date is that day or
    before (one made after its day's run): one debit per part, on the telepayment mandate
    (already ``pending`` in the ledger since it was made). The day's row guards the run: a
    second run, or a second worker, writes nothing."""
    assert deps.debit_writer is not None
    day = cmd.debit_date or deps.clock.now().date()
    try:
        with collector_paused():  # a day of 100,000 debits: a quarter of its time otherwise
            return await _run_debit_day(day, uow, deps)
    except ConcurrentRequest:
        # a second run of the same day at the same instant (two operators, an operator and
        # the schedule): the database kept one; this one wrote nothing and reports that one
        async with uow:
            existing = await uow.debit_files.get(day)
        if existing is None:
            raise
        return _already_run(existing)


def _already_run(existing: DebitFile) -> DebitRun:
    return DebitRun(
        existing.debit_date,
        existing.file_name if existing.transactions else None,
        existing.transactions,
        existing.total,
        already_run=True,
        delivered=existing.delivered_at is not None,
    )


async def _run_debit_day(day: date, uow: CotisationsUnitOfWork, deps: Dependencies) -> DebitRun:
    assert deps.debit_writer is not None
    now = deps.clock.now()
    collect_on = max(day, now.date())  # a day caught up late is collected the day it runs
    async with uow:
        existing = await uow.debit_files.get(day)
        if existing is not None:
            return _already_run(existing)
        mandates = {m.affiliate_id: m for m in await uow.mandates.in_force_on(day)}
        ids = sorted(mandates)
        lines: list[DebitLine] = []
        for begin in range(0, len(ids), DEBIT_CHUNK):
            chunk = ids[begin : begin + DEBIT_CHUNK]
            touched, events = await _debit_chunk(
                uow, deps, (day, collect_on), chunk, mandates, lines, now
            )
            await uow.ledgers.save_many(touched)
            await uow.outbox.add_many([Outgoing(e, e.affiliate_id) for e in events])
        lines.extend(await _telepayment_debits(uow, day))
        total = sum((line.amount for line in lines), Decimal(0))
        content = (
            deps.debit_writer.write(DebitBatch(message_id(day), collect_on, now, lines))
            if lines
            else b""
        )
        await uow.debit_files.add(
            DebitFile(
                day,
                message_id(day),
                file_name(day),
                len(lines),
                total,
                content,
                now,
                delivered_at=None if lines else now,
            )
        )
        await uow.commit()
    if lines:  # handed over from memory: read back, the day's file is tens of megabytes
        await _hand_over(uow, deps, day, file_name(day), content)
    earlier = await deliver_debit_files(commands.DeliverDebitFiles(), uow, deps)
    delivered = bool(lines) or earlier > 0
    return DebitRun(day, file_name(day) if lines else None, len(lines), total, False, delivered)


async def _debit_chunk(
    uow: CotisationsUnitOfWork,
    deps: Dependencies,
    days: tuple[date, date],
    chunk: list[str],
    mandates: dict[str, Mandate],
    lines: list[DebitLine],
    now: datetime,
) -> tuple[list[Ledger], list[v1.PaymentRecordedV1]]:
    """The debits of some of the day's accounts (their accounts and ledgers read together),
    appended to ``lines``; what to write of them. ``days``: the due day, and the day it is
    collected (later when the run catches up a missed day)."""
    day, collect_on = days
    # the chunk is a run of the sorted ids of the mandates in force: read as a range of ids;
    # one the range missed (a database sorting text otherwise than Python) is read by its id
    accounts = await uow.accounts.debited_between(chunk[0], chunk[-1], day)
    missed = [i for i in chunk if i not in accounts]
    if missed:
        accounts.update(await uow.accounts.get_many(missed))
    ledgers = await uow.ledgers.get_many(chunk)
    touched: list[Ledger] = []
    events: list[v1.PaymentRecordedV1] = []
    ref = instalment_ref(day)
    call_key, debit_key = f"call:{day.isoformat()}", f"debit:{day.isoformat()}"
    description = f"Cotisations echeance du {day:%d/%m/%Y}"
    booked_on = now.date()
    for affiliate_id in chunk:
        account = accounts.get(affiliate_id)
        if account is None or (account.closed_on is not None and account.closed_on < day):
            continue
        ledger = ledgers.get(affiliate_id) or Ledger(affiliate_id)
        for call in missing_calls(account, ledger, day, deps.ledger_opens_on):
            ledger.post(call)
        if ledger.get(call_key) is None:
            if ledger.posted_keys:
                touched.append(ledger)
            continue
        if ledger.get(debit_key) is not None:
            # debited that day already (the day's file marker lost, the day run again): a
            # second line would take money the ledger would not know of; what is left stays due
            touched.append(ledger)
            continue
        before = standing(ledger.entries, day)
        due = next(o for o in before.obligations if o.reference == ref)
        if due.outstanding <= 0:
            touched.append(ledger)
            continue
        m = mandates[affiliate_id]
        e2e = end_to_end_id(affiliate_id, day)
        debit = Entry(
            key=debit_key,
            kind="payment",
            amount=-due.outstanding,
            booked_on=booked_on,
            value_date=collect_on,
            obligation=ref,
            mode="prelevement",
            status="pending",
            external_reference=e2e,
        )
        ledger.post(debit)
        touched.append(ledger)
        lines.append(
            DebitLine(
                end_to_end_id=e2e,
                rum=m.rum,
                mandate_signed_on=m.signed_on,
                holder=m.account.holder,
                iban=m.account.iban,
                bic=m.account.bic,
                amount=due.outstanding,
                description=description,
            )
        )
        after = standing_after_payment(before, ledger.entries, debit)
        events.append(out.payment_recorded(affiliate_id, debit, after, now))
    return touched, events


async def mandate_of(uow: CotisationsUnitOfWork, payment: Telepayment) -> TelepaymentMandate:
    """The telepayment mandate a telepayment was made under (the one active then; a mandate
    revoked since still debits what was made under it)."""
    signed = await uow.telepayment.mandates(payment.affiliate_id)
    before = [m for m in signed if m.signed_at <= payment.made_at]
    return (before or signed)[-1]


async def _telepayment_debits(uow: CotisationsUnitOfWork, day: date) -> list[DebitLine]:
    """The parts of the telepayments to debit on ``day``, each a debit of the day's file; the
    telepayments marked sent. The amounts are those in force: a change is refused from noon
    the day before the debit date."""
    lines: list[DebitLine] = []
    for payment in await uow.telepayment.to_debit(day):
        mandate = await mandate_of(uow, payment)
        for number, part in enumerate(payment.debit.parts, start=1):
            lines.append(
                DebitLine(
                    end_to_end_id=part_end_to_end_id(payment.payment_id, number),
                    rum=mandate.mandate_id,
                    mandate_signed_on=mandate.signed_at.date(),
                    holder=mandate.holder_name,
                    iban=part.iban,
                    bic=mandate.bic if part.iban == mandate.iban else "",
                    amount=part.amount,
                    description=f"Cotisations telepaiement du {payment.made_at:%d/%m/%Y}",
                )
            )
        await uow.telepayment.save_payment(payment.sent(day))
    return lines


async def deliver_debit_files(
    cmd: commands.DeliverDebitFiles, uow: CotisationsUnitOfWork, deps: Dependencies
) -> int:
    """The files not yet with the bank channel, handed over (again after a failure: the same
    file under the same name)."""
    async with uow:
        pending = await uow.debit_files.undelivered()
    for f in pending:
        await _hand_over(uow, deps, f.debit_date, f.file_name, f.content)
    return len(pending)


async def _hand_over(
    uow: CotisationsUnitOfWork, deps: Dependencies, debit_date: date, name: str, content: bytes
) -> None:
    """One day's file to the bank channel, then marked delivered (a failure leaves it
    undelivered: the next delivery hands it over again, the same file under the same name)."""
    assert deps.bank is not None
    await deps.bank.deliver(name, content)
    async with uow:
        await uow.debit_files.mark_delivered(debit_date, deps.clock.now())
        await uow.commit()


# -- the bank's returns -------------------------------------------------------------------------


@dataclass(frozen=True)
class ReturnOutcome:
    applied: bool
    affiliate_id: str | None = None


async def apply_return(
    uow: CotisationsUnitOfWork,
    end_to_end_id_: str,
    outcome: str,
    reason_code: str | None,
    returned_on: date,
    at: datetime,
) -> ReturnOutcome:
    """Inside an open unit of work: the bank's answer on one debit. Settled: the debit stands
    (``payment_settled``). Rejected: what it paid is owed again as a debt due at once (a
    ``rejection`` entry) and ``payment_rejected`` is published. A debit already answered (a
    replayed feed) changes nothing. A telepayment's part: see ``_apply_part_return``."""
    part = part_of(end_to_end_id_)
    if part is not None:
        return await _apply_part_return(uow, *part, outcome, reason_code, returned_on, at)
    found = await uow.ledgers.find_by_reference(end_to_end_id_)
    if found is None:
        # no debit of ours: nothing to apply, but the bank answered on something; operations
        # see it (the returned id and what the bank said) rather than lose it silently
        _log.warning(
            "bank_return_unmatched",
            end_to_end_id=end_to_end_id_,
            outcome=outcome,
            reason_code=reason_code,
            returned_on=returned_on.isoformat(),
        )
        return ReturnOutcome(False)
    affiliate_id, key = found
    ledger = await uow.ledgers.get(affiliate_id)
    payment = ledger.settle(key, "settled" if outcome == "settled" else "rejected")
    if payment is None:
        return ReturnOutcome(False, affiliate_id)
    if outcome == "settled":
        await uow.ledgers.save(ledger)
        await uow.outbox.add(
            out.payment_settled(affiliate_id, payment, ledger.entries, returned_on, at),
            subject=affiliate_id,
        )
        return ReturnOutcome(True, affiliate_id)
    origin = f"rejection:{payment.key}"
    rejection = Entry(
        key=origin,
        kind="rejection",
        amount=-payment.amount,
        booked_on=returned_on,
        value_date=returned_on,
        obligation=debt_ref(origin),
        mode=payment.mode,
        external_reference=payment.key,
        reason=reason_code or "MS03",
    )
    ledger.post(rejection)
    await uow.ledgers.save(ledger)
    instalment_due = (
        date.fromisoformat(payment.obligation.removeprefix("instalment:"))
        if payment.obligation and payment.obligation.startswith("instalment:")
        else None
    )
    await uow.outbox.add(
        out.payment_rejected(
            affiliate_id,
            payment,
            rejection,
            ledger.entries,
            returned_on,
            at,
            instalment_due,
            firm_users=await uow.access.reaching(affiliate_id),
        ),
        subject=affiliate_id,
    )
    return ReturnOutcome(True, affiliate_id)


def _instalment_due(payment: Entry) -> date | None:
    if payment.obligation and payment.obligation.startswith("instalment:"):
        return date.fromisoformat(payment.obligation.removeprefix("instalment:"))
    return None


async def _apply_part_return(
    uow: CotisationsUnitOfWork,
    payment_id: str,
    number: int,
    outcome: str,
    reason_code: str | None,
    returned_on: date,
    at: datetime,
) -> ReturnOutcome:
    """The bank's answer on one part of a telepayment. The ledger's payment stays pending
    until every part is answered, then settles (``payment_settled``) when all are settled,
    else is rejected. A rejected part: what it paid is owed again as a debt due at once
    (``rejection:telepayment:<id>:<part>``) and ``payment_rejected`` is published for its
    amount. A part already answered changes nothing."""
    payment = await uow.telepayment.payment(payment_id)
    if payment is None:
        return ReturnOutcome(False)
    affiliate_id = payment.affiliate_id
    answered = payment.answered(number, "settled" if outcome == "settled" else "rejected")
    if answered is None:
        return ReturnOutcome(False, affiliate_id)
    await uow.telepayment.save_payment(answered)
    ledger = await uow.ledgers.get(affiliate_id)
    key = f"telepayment:{payment_id}"
    entry = ledger.get(key)
    if entry is None:  # made before the ledger knew telepayments: nothing to move
        return ReturnOutcome(True, affiliate_id)
    moved = None
    if answered.status in FINAL:  # every part answered: settled unless every part was rejected
        moved = ledger.settle(key, "rejected" if answered.status == "rejected" else "settled")
    taken = sum((p.amount for p in answered.debit.parts if p.status == "settled"), Decimal(0))
    if outcome == "settled":
        await uow.ledgers.save(ledger)
        if moved is not None and moved.status == "settled":
            await uow.outbox.add(
                out.payment_settled(
                    affiliate_id, replace(moved, amount=-taken), ledger.entries, returned_on, at
                ),
                subject=affiliate_id,
            )  # its amount: what the bank took (a rejected part is its own event)
        return ReturnOutcome(True, affiliate_id)
    part = answered.debit.parts[number - 1]
    origin = f"rejection:{key}:{number}"
    rejection = Entry(
        key=origin,
        kind="rejection",
        amount=part.amount,
        booked_on=returned_on,
        value_date=returned_on,
        obligation=debt_ref(origin),
        mode="telepaiement",
        external_reference=key,
        reason=reason_code or "MS03",
    )
    ledger.post(rejection)
    await uow.ledgers.save(ledger)
    await uow.outbox.add(
        out.payment_rejected(
            affiliate_id,
            replace(entry, amount=-part.amount, status="rejected"),
            rejection,
            ledger.entries,
            returned_on,
            at,
            _instalment_due(entry),
            firm_users=await uow.access.reaching(affiliate_id),
        ),
        subject=affiliate_id,
    )
    if moved is not None and moved.status == "settled":  # the other parts went through
        await uow.outbox.add(
            out.payment_settled(
                affiliate_id, replace(moved, amount=-taken), ledger.entries, returned_on, at
            ),
            subject=affiliate_id,
        )
    return ReturnOutcome(True, affiliate_id)


async def publish_bank_returns(
    cmd: commands.PublishBankReturns, uow: CotisationsUnitOfWork, deps: Dependencies
) -> tuple[int, int]:
    """Development: the return file of a debit day, as the bank would send it, through the
    outbox onto ``bank.sepa_returns`` (the worker then applies it like the bank's own)."""
    returned_on = cmd.returned_on or deps.clock.now().date()
    async with uow:
        debit_file = await uow.debit_files.get(cmd.debit_date)
        if debit_file is None or debit_file.transactions == 0:
            raise DebitFileNotFound(cmd.debit_date)
        rums = {m.affiliate_id: m.rum for m in await uow.mandates.in_force_on(cmd.debit_date)}
        debits = await uow.ledgers.debits_on(cmd.debit_date)
        outgoing = []
        for affiliate_id, entry in debits:
            assert entry.external_reference is not None
            code = cmd.rejected.get(entry.external_reference)
            outgoing.append(
                Outgoing(
                    bank_v1.SepaReturnV1(
                        end_to_end_id=entry.external_reference,
                        message_id=debit_file.message_id,
                        rum=rums.get(affiliate_id, ""),
                        amount=f"{-entry.amount:.2f}",
                        outcome="rejected" if code else "settled",
                        reason_code=code,
                        returned_on=returned_on,
                    ),
                    entry.external_reference,
                )
            )
        for payment in await uow.telepayment.sent_on(cmd.debit_date):
            rum = (await mandate_of(uow, payment)).mandate_id
            for number, part in enumerate(payment.debit.parts, start=1):
                if part.sent_on != cmd.debit_date:
                    continue
                e2e = part_end_to_end_id(payment.payment_id, number)
                code = cmd.rejected.get(e2e)
                outgoing.append(
                    Outgoing(
                        bank_v1.SepaReturnV1(
                            end_to_end_id=e2e,
                            message_id=debit_file.message_id,
                            rum=rum,
                            amount=f"{part.amount:.2f}",
                            outcome="rejected" if code else "settled",
                            reason_code=code,
                            returned_on=returned_on,
                        ),
                        e2e,
                    )
                )
        await uow.outbox.add_many(outgoing)
        await uow.commit()
    rejected = sum(1 for o in outgoing if cmd.rejected.get(o.subject))
    return len(outgoing) - rejected, rejected

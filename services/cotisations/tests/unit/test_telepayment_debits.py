"""Telepayments on the debit day, on fakes: each part one debit of the day's pain.008 (on the
telepayment mandate), a payment made after its day's run in the next day's file, the amounts
as changed before the deadline; the bank's answers per part (the payment settles when every
part is, a rejected part owed again as a debt), a replayed feed changing nothing."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

from contracts.bank import v1 as bank_v1
from contracts.cotisations import v1
from cotisations.domain import payment_commands as cmds
from cotisations.domain.payments import commands
from cotisations.domain.payments.direct_debit import BankAccount
from cotisations.domain.payments.ledger import standing
from cotisations.domain.payments.mandate import AdhesionForm
from cotisations.domain.payments.payer import part_end_to_end_id, part_of
from cotisations.domain.payments.split import Part
from cotisations.service_layer.payments import apply_return
from cotisations_fakes import Service, assure, service
from cotisations_payments import BIC, IBAN, OTHER_BIC, OTHER_IBAN, debits_of

REJECTED_ON = date(2026, 4, 9)  # a Thursday
DEBT = "debt:rejection:debit:2026-04-07"


def at(day: date, hour: int = 9) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=UTC)


def form(iban: str = IBAN, bic: str = BIC) -> AdhesionForm:
    return AdhesionForm("Jean Dupont", "1 rue X, 75001 Paris", iban, bic, terms_accepted=True)


async def a_rejected_debit(svc: Service) -> None:
    """aff-1 on direct debit from 7 April, the April debit rejected on 9 April: a debt."""
    svc.open("aff-1")
    await svc.bus.handle(
        commands.SignDirectDebit(
            assure("aff-1"), "aff-1", BankAccount("Jean Dupont", IBAN, BIC), date(2026, 3, 1)
        )
    )
    svc.clock.set(at(date(2026, 4, 7)))
    await svc.bus.handle(commands.RunDebitDay())
    (debit,) = debits_of(svc.bank.files["pain008-20260407.xml"])
    async with svc.uow:
        await apply_return(
            svc.uow, debit["end_to_end_id"], "rejected", "AM04", REJECTED_ON, at(REJECTED_ON)
        )
        await svc.uow.commit()
    svc.clock.set(at(REJECTED_ON))


async def the_debt_paid_in_two_parts(svc: Service) -> str:
    await svc.bus.handle(cmds.AdhereTelepayment(assure("aff-1"), "aff-1", form()))
    made = await svc.bus.handle(
        cmds.MakeTelepayment(
            assure("aff-1"),
            "aff-1",
            DEBT,
            (Part(IBAN, Decimal("60.00")), Part(OTHER_IBAN, Decimal("54.75"))),
        )
    )
    assert made.debit.debit_on == REJECTED_ON  # a debt already due: the day it is paid
    return str(made.payment.payment_id)


def test_a_parts_end_to_end_id_is_unique_and_read_back() -> None:
    pid = "0123456789abcdef0123456789abcdef"
    ids = {part_end_to_end_id(pid, n) for n in (1, 2, 3)}
    assert len(ids) == 3
    assert all(len(i) <= 35 for i in ids)
    assert part_of(part_end_to_end_id(pid, 2)) == (pid, 2)
    assert part_of("CT20260407ABCDEF") is None


async def test_a_telepayment_made_after_its_days_run_is_in_the_next_debit_days_file() -> None:
    svc = service()
    await a_rejected_debit(svc)
    first = await svc.bus.handle(commands.RunDebitDay())  # 9 April, before the payment
    assert first.transactions == 0
    svc.clock.set(at(REJECTED_ON, 10))
    payment_id = await the_debt_paid_in_two_parts(svc)
    again = await svc.bus.handle(commands.RunDebitDay())
    assert again.already_run  # the day's guard: the 9 April file is not written again
    svc.clock.set(at(date(2026, 4, 10)))
    run = await svc.bus.handle(commands.RunDebitDay())
    assert (run.transactions, run.total) == (2, Decimal("114.75"))
    debits = debits_of(svc.bank.files["pain008-20260410.xml"])  # valid against the XSD
    (mandate,) = svc.uow.committed_telepayment.mandates.values()
    assert [(d["iban"], d["bic"], d["amount"], d["rum"]) for d in debits] == [
        (IBAN, BIC, "60.00", mandate.mandate_id),
        (OTHER_IBAN, OTHER_BIC, "54.75", mandate.mandate_id),  # the registry's BIC
    ]
    assert [d["end_to_end_id"] for d in debits] == [
        part_end_to_end_id(payment_id, 1),
        part_end_to_end_id(payment_id, 2),
    ]
    assert {d["collection_date"] for d in debits} == {"2026-04-10"}
    svc.clock.set(at(date(2026, 4, 13)))
    later = await svc.bus.handle(commands.RunDebitDay())
    assert later.transactions == 0  # sent once


async def test_a_future_due_date_is_debited_on_its_day_with_the_amounts_changed_in_time() -> None:
    svc = service()
    svc.open("aff-1")
    svc.clock.set(at(date(2026, 4, 20)))
    await svc.bus.handle(cmds.AdhereTelepayment(assure("aff-1"), "aff-1", form()))
    made = await svc.bus.handle(
        cmds.MakeTelepayment(assure("aff-1"), "aff-1", "instalment:2026-05-05", ())
    )
    assert made.debit.debit_on == date(2026, 5, 5)
    await svc.bus.handle(
        cmds.ChangeTelepayment(
            assure("aff-1"),
            "aff-1",
            made.payment.payment_id,
            (Part(IBAN, Decimal("100.00")), Part(OTHER_IBAN, Decimal("14.75"))),
        )
    )
    svc.clock.set(at(date(2026, 5, 4)))
    assert (await svc.bus.handle(commands.RunDebitDay())).transactions == 0  # not before
    svc.clock.set(at(date(2026, 5, 5)))
    run = await svc.bus.handle(commands.RunDebitDay())
    debits = debits_of(svc.bank.files["pain008-20260505.xml"])
    assert run.transactions == 2
    assert [(d["iban"], d["amount"]) for d in debits] == [
        (IBAN, "100.00"),
        (OTHER_IBAN, "14.75"),
    ]


async def test_the_payment_settles_when_every_part_is_settled_and_a_replay_changes_nothing() -> (
    None
):
    svc = service()
    await a_rejected_debit(svc)
    payment_id = await the_debt_paid_in_two_parts(svc)
    svc.clock.set(at(date(2026, 4, 10)))
    await svc.bus.handle(commands.RunDebitDay())
    returned = date(2026, 4, 14)
    for part in (1, 2):
        async with svc.uow:
            e2e = part_end_to_end_id(payment_id, part)
            await apply_return(svc.uow, e2e, "settled", None, returned, at(returned))
            await svc.uow.commit()
        entry = next(
            e for e in svc.uow.committed_ledgers["aff-1"] if e.key == f"telepayment:{payment_id}"
        )
        assert entry.status == ("pending" if part == 1 else "settled")
    before = list(svc.uow.committed_ledgers["aff-1"])
    for part in (1, 2):  # the feed again
        async with svc.uow:
            e2e = part_end_to_end_id(payment_id, part)
            outcome = await apply_return(svc.uow, e2e, "settled", None, returned, at(returned))
            assert not outcome.applied
            await svc.uow.commit()
    assert svc.uow.committed_ledgers["aff-1"] == before
    (settled,) = svc.uow.outbox.of_type(v1.PaymentSettledV1)
    assert isinstance(settled, v1.PaymentSettledV1)
    assert settled.payment_id == f"telepayment:{payment_id}"
    assert settled.amount == "114.75"
    s = standing(before, returned)
    debt = next(o for o in s.obligations if o.reference == DEBT)
    assert (debt.outstanding, debt.state) == (Decimal("0.00"), "paid")
    assert s.balance == Decimal("344.25")  # January to March only, called before the mandate
    assert svc.uow.committed_telepayment.payments[payment_id].status == "settled"


async def test_a_rejected_part_is_owed_again_and_the_firms_users_are_told() -> None:
    svc = service()
    await a_rejected_debit(svc)
    svc.uow.access.grant("cab-1", "aff-1", "acc-claire")
    payment_id = await the_debt_paid_in_two_parts(svc)
    svc.clock.set(at(date(2026, 4, 10)))
    await svc.bus.handle(commands.RunDebitDay())
    returned = date(2026, 4, 14)
    first_rejections = len(svc.uow.outbox.of_type(v1.PaymentRejectedV1))
    for _ in range(2):  # the feed, then the feed again
        async with svc.uow:
            p1, p2 = (part_end_to_end_id(payment_id, n) for n in (1, 2))
            await apply_return(svc.uow, p1, "settled", None, returned, at(returned))
            await apply_return(svc.uow, p2, "rejected", "AC04", returned, at(returned))
            await svc.uow.commit()
    entries = svc.uow.committed_ledgers["aff-1"]
    payment = next(e for e in entries if e.key == f"telepayment:{payment_id}")
    assert payment.status == "settled"  # the first part went through; the second is a debt
    made = svc.uow.committed_telepayment.payments[payment_id]
    assert made.status == "partly_rejected"
    s = standing(entries, returned)
    again = next(o for o in s.obligations if o.reference.endswith(f"{payment_id}:2"))
    assert (again.kind, again.amount, again.due_date) == ("rejection", Decimal("54.75"), returned)
    assert s.balance == Decimal("344.25") + Decimal("54.75")
    rejected = svc.uow.outbox.of_type(v1.PaymentRejectedV1)[first_rejections:]
    assert len(rejected) == 1  # the replay published nothing
    (event,) = rejected
    assert isinstance(event, v1.PaymentRejectedV1)
    assert (event.mode, event.amount, event.reason_code) == ("telepaiement", "54.75", "AC04")
    assert event.debt.reference == again.reference
    assert event.firm_users == ["acc-claire"]
    (settled,) = svc.uow.outbox.of_type(v1.PaymentSettledV1)  # what went through, once
    assert isinstance(settled, v1.PaymentSettledV1)
    assert settled.amount == f"{-payment.amount - Decimal('54.75'):.2f}"  # the first part
    payables = await svc.queries.handle(cmds.ReadPayables(assure("aff-1"), "aff-1"))
    offered = {s.payable.reference: s.offer.payable for s in payables.shown}
    assert offered[again.reference] is True  # « Payer » on what the rejected part left owed
    assert DEBT not in offered  # the debt the settled part and the new debt account for


async def test_the_days_return_file_answers_each_part() -> None:
    svc = service()
    await a_rejected_debit(svc)
    payment_id = await the_debt_paid_in_two_parts(svc)
    svc.clock.set(at(date(2026, 4, 10)))
    await svc.bus.handle(commands.RunDebitDay())
    p2 = part_end_to_end_id(payment_id, 2)
    settled, rejected = await svc.bus.handle(
        commands.PublishBankReturns(date(2026, 4, 10), {p2: "AM04"})
    )
    assert (settled, rejected) == (1, 1)
    returns = svc.uow.outbox.of_type(bank_v1.SepaReturnV1)
    answers = {
        r.end_to_end_id: (r.outcome, r.amount)
        for r in returns
        if isinstance(r, bank_v1.SepaReturnV1)
    }
    assert answers == {
        part_end_to_end_id(payment_id, 1): ("settled", "60.00"),
        p2: ("rejected", "54.75"),
    }

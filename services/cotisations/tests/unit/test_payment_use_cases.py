"""Payments through the bus, on fakes: the mandate's notice, the debit day (one file, the
amounts left to pay, nothing twice), the bank's answers (settled, rejected into a debt, a
replay changing nothing), the pre-notification after a change of amounts."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from contracts.cotisations import v1
from cotisations.bank import __main__ as bank
from cotisations.domain import commands as account_commands
from cotisations.domain.payments import commands
from cotisations.domain.payments.creditor import creditor_id_valid, with_check_digits
from cotisations.domain.payments.direct_debit import (
    BankAccount,
    add_working_days,
    first_due_date_after_notice,
    mask_iban,
    rum_for,
)
from cotisations.domain.payments.errors import DebitFileNotFound, DirectDebitExists, NoDirectDebit
from cotisations.domain.payments.ledger import standing
from cotisations.domain.payments.refusals import ConcurrentRequest
from cotisations.entrypoints.http_payments_inputs import bic_matches_iban
from cotisations.service_layer.payments import apply_return
from cotisations.service_layer.ports import DebitFile
from cotisations_fakes import Service, agent, assure, service
from cotisations_payments import BIC, IBAN, OTHER_BIC, OTHER_IBAN, debits_of
from structlog.testing import capture_logs

ACCOUNT = BankAccount("Jean Dupont", IBAN, BIC)
APRIL = date(2026, 4, 7)


def at(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 9, tzinfo=UTC)


async def adhered(svc: Service, affiliate_id: str = "aff-1") -> None:
    await svc.bus.handle(
        commands.SignDirectDebit(assure(affiliate_id), affiliate_id, ACCOUNT, date(2026, 3, 1))
    )


def test_the_notice_counts_the_departements_working_days() -> None:
    # Thursday 2 April 2026 + 5 working days: Easter Monday (6 April) is not one
    assert add_working_days(date(2026, 4, 2), 5, "75") == date(2026, 4, 10)
    # Good Friday (3 April) is a holiday in Moselle only
    assert add_working_days(date(2026, 4, 2), 5, "57") == date(2026, 4, 13)
    dues = [date(2026, 4, 7), date(2026, 5, 5)]
    assert first_due_date_after_notice(dues, date(2026, 3, 31), "75") == date(2026, 5, 5)
    assert first_due_date_after_notice(dues, date(2026, 3, 27), "75") == date(2026, 4, 7)


def test_identifiers_masked_and_checked() -> None:
    assert mask_iban(IBAN) == "FR76 **** **** **** **** ***0 189"
    assert rum_for("aff-1 é/x", 2) == "RUM-AFF1X-002"
    assert len(rum_for("a" * 64, 999)) <= 35
    assert creditor_id_valid("FR72ZZZ123456")
    assert not creditor_id_valid("FR73ZZZ123456")
    assert creditor_id_valid(with_check_digits("FR", "ZZZ", "987654"))
    assert bic_matches_iban(IBAN, BIC)
    assert bic_matches_iban(OTHER_IBAN, OTHER_BIC)
    assert not bic_matches_iban(IBAN, OTHER_BIC)
    assert not bic_matches_iban(IBAN, "DEUTDEFF")


async def test_a_mandate_is_signed_once_changed_then_revoked() -> None:
    svc = service()
    svc.open("aff-1")
    await adhered(svc)
    with pytest.raises(DirectDebitExists):
        await adhered(svc)
    (signed,) = svc.uow.outbox.of_type(v1.DirectDebitMandateSignedV1)
    assert isinstance(signed, v1.DirectDebitMandateSignedV1)
    assert signed.effective_from == APRIL  # 14 days' pre-notification from 1 March
    svc.clock.set(at(date(2026, 4, 1)))
    view = await svc.bus.handle(
        commands.SignDirectDebit(
            agent(),
            "aff-1",
            BankAccount("Jean Dupont", OTHER_IBAN, OTHER_BIC),
            date(2026, 4, 1),
            changing=True,
        )
    )
    assert view.effective_from == date(2026, 5, 5)
    assert [m.ends_on for m in view.mandates] == [date(2026, 5, 5), None]
    revoked = await svc.bus.handle(commands.RevokeDirectDebit(assure("aff-1"), "aff-1"))
    assert revoked.current is None
    with pytest.raises(NoDirectDebit):
        await svc.bus.handle(commands.RevokeDirectDebit(assure("aff-1"), "aff-1"))
    # the new mandate, revoked before it debited anything, never debits
    mandates = await svc.uow.mandates.of_account("aff-1")
    assert [m.in_force_on(date(2026, 5, 5)) for m in mandates] == [False, False]
    assert [m.in_force_on(APRIL) for m in mandates] == [True, False]


async def test_the_debit_day_debits_what_is_left_once_and_writes_one_file() -> None:
    svc = service()
    for affiliate_id in ("aff-1", "aff-2", "aff-3"):
        svc.open(affiliate_id)
    await adhered(svc, "aff-1")
    await adhered(svc, "aff-2")  # aff-3 pays by cheque: not on direct debit
    svc.clock.set(at(date(2026, 4, 2)))
    await svc.bus.handle(
        commands.RecordPayment(
            agent(),
            "aff-2",
            "cheque",
            Decimal("100.00"),
            date(2026, 4, 2),
            "CHQ-7",
            "instalment:2026-04-07",
        )
    )
    svc.clock.set(at(APRIL))
    run = await svc.bus.handle(commands.RunDebitDay())
    assert (run.transactions, run.total) == (2, Decimal("129.50"))  # 114.75 + (114.75 - 100)
    content = svc.bank.files["pain008-20260407.xml"]
    assert sorted(d["amount"] for d in debits_of(content)) == ["114.75", "14.75"]
    again = await svc.bus.handle(commands.RunDebitDay())
    assert again.already_run
    assert svc.bank.deliveries == 1
    ledger = svc.uow.committed_ledgers["aff-1"]
    assert [(e.key, e.status) for e in ledger] == [
        ("call:2026-01-05", "posted"), ("call:2026-02-05", "posted"),
        ("call:2026-03-05", "posted"), ("call:2026-04-07", "posted"),
        ("debit:2026-04-07", "pending"),
    ]  # fmt: skip
    assert "aff-3" not in svc.uow.committed_ledgers
    recorded = svc.uow.outbox.of_type(v1.PaymentRecordedV1)
    assert [(e.affiliate_id, e.status) for e in recorded if e.mode == "prelevement"] == [  # type: ignore[attr-defined]
        ("aff-1", "pending"), ("aff-2", "pending"),
    ]  # fmt: skip


async def test_a_day_run_again_never_debits_an_account_twice_that_day() -> None:
    """The day's file marker lost (a restore), the day runs again after the instalment grew:
    the account already debited that day gets no second line (the bank would take money the
    ledger does not know of); what is left stays due. The others are debited as on any day."""
    svc = service()
    for affiliate_id in ("aff-1", "aff-2"):
        svc.open(affiliate_id)
    await adhered(svc, "aff-1")
    svc.clock.set(at(APRIL))
    first = await svc.bus.handle(commands.RunDebitDay())
    assert first.transactions == 1
    await adhered(svc, "aff-2")
    svc.uow.committed_files.clear()
    svc.uow.debit_files.store.clear()
    grown = svc.uow.committed_ledgers["aff-1"]
    grown.append(replace(grown[-2], key="call:2026-04-07:more", amount=Decimal("10.00")))
    svc.clock.set(at(APRIL))
    again = await svc.bus.handle(commands.RunDebitDay())
    assert not again.already_run
    (content,) = [c for name, c in svc.bank.files.items() if name.startswith("pain008-20260407")]
    assert [d["amount"] for d in debits_of(content)] == ["114.75"]  # aff-2 only
    debits = [e for e in svc.uow.committed_ledgers["aff-1"] if e.key.startswith("debit:")]
    assert [(e.key, e.amount) for e in debits] == [("debit:2026-04-07", Decimal("-114.75"))]


async def test_an_account_its_range_read_missed_is_read_by_its_id_and_debited() -> None:
    """A database sorting ids otherwise than Python (its collation) may leave some of a chunk's
    accounts out of the range read: those are read by their ids, and debited all the same."""
    svc = service()
    for affiliate_id in ("aff-1", "aff-2"):
        svc.open(affiliate_id)
        await adhered(svc, affiliate_id)

    async def out_of_range(first: str, last: str, day: date) -> dict[str, object]:
        return {}

    svc.uow.accounts.debited_between = out_of_range  # type: ignore[method-assign,assignment]
    svc.clock.set(at(APRIL))
    run = await svc.bus.handle(commands.RunDebitDay())
    assert (run.transactions, run.total) == (2, Decimal("229.50"))


async def test_a_worker_stopped_over_the_debit_day_collects_it_the_day_it_is_back() -> None:
    svc = service()
    svc.open("aff-1")
    await adhered(svc, "aff-1")
    svc.clock.set(at(date(2026, 4, 6)))
    (first,) = await svc.bus.handle(commands.RunDueDebitDays())
    assert (first.debit_date, first.transactions) == (date(2026, 4, 6), 0)
    svc.clock.set(at(date(2026, 4, 9)))  # stopped on the 7th and the 8th
    runs = await svc.bus.handle(commands.RunDueDebitDays())
    assert [(r.debit_date, r.transactions) for r in runs] == [
        (date(2026, 4, 7), 1), (date(2026, 4, 8), 0), (date(2026, 4, 9), 0),
    ]  # fmt: skip
    (debit,) = debits_of(svc.bank.files["pain008-20260407.xml"])
    assert (debit["amount"], debit["collection_date"]) == ("114.75", "2026-04-09")
    entry = next(e for e in svc.uow.committed_ledgers["aff-1"] if e.key == "debit:2026-04-07")
    assert (entry.value_date, entry.status) == (date(2026, 4, 9), "pending")
    again = await svc.bus.handle(commands.RunDueDebitDays())
    assert [(r.debit_date, r.already_run) for r in again] == [(date(2026, 4, 9), True)]


async def test_a_run_that_loses_the_race_for_its_day_reports_the_winner_and_writes_nothing() -> (
    None
):
    svc = service()
    svc.open("aff-1")
    await adhered(svc, "aff-1")
    svc.clock.set(at(APRIL))
    won = await svc.bus.handle(commands.RunDebitDay())
    ledger = list(svc.uow.committed_ledgers["aff-1"])
    files = svc.uow.debit_files

    class Racing(type(files)):  # type: ignore[misc]
        """The other run's row, committed after this run looked and before it wrote."""

        async def get(self, debit_date: date) -> DebitFile | None:
            self.get = super().get  # type: ignore[method-assign]
            return None

        async def add(self, debit_file: DebitFile) -> None:
            raise ConcurrentRequest

    svc.uow.debit_files = Racing(dict(files.store))
    lost = await svc.bus.handle(commands.RunDebitDay(APRIL))
    assert (lost.already_run, lost.transactions, lost.total) == (True, 1, won.total)
    assert svc.uow.committed_ledgers["aff-1"] == ledger  # nothing of the second run
    assert svc.bank.deliveries == 1


async def test_a_rejection_is_a_debt_once_and_a_settlement_is_final() -> None:
    svc = service()
    svc.open("aff-1")
    svc.open("aff-2")
    await adhered(svc, "aff-1")
    await adhered(svc, "aff-2")
    svc.uow.access.grant("cab-1", "aff-1", "acc-claire", "acc-marc")
    svc.clock.set(at(APRIL))
    await svc.bus.handle(commands.RunDebitDay())
    e2e = {
        i: next(e.external_reference for e in svc.uow.committed_ledgers[i] if e.kind == "payment")
        for i in ("aff-1", "aff-2")
    }
    uow, returned = svc.uow, date(2026, 4, 9)
    for _ in range(2):  # the feed, then the feed again
        async with uow:
            assert e2e["aff-1"]
            assert e2e["aff-2"]
            await apply_return(uow, e2e["aff-1"], "rejected", "AC04", returned, at(returned))
            await apply_return(uow, e2e["aff-2"], "settled", None, returned, at(returned))
            await uow.commit()
    entries = svc.uow.committed_ledgers["aff-1"]
    s = standing(entries, returned)
    debt = next(o for o in s.obligations if o.kind == "rejection")
    assert (debt.amount, debt.due_date, debt.state) == (Decimal("114.75"), returned, "overdue")
    (rejected,) = svc.uow.outbox.of_type(v1.PaymentRejectedV1)
    assert isinstance(rejected, v1.PaymentRejectedV1)
    assert (rejected.reason_code, rejected.reason_label) == ("AC04", "Compte clôturé")
    assert rejected.firm_users == ["acc-claire", "acc-marc"]  # notifications keeps who may pay
    # the event says the account is late: readers (attestations) refuse « à jour » at once
    assert rejected.standing.up_to_date is False
    assert Decimal(rejected.standing.overdue) == s.overdue >= debt.outstanding
    assert len(svc.uow.outbox.of_type(v1.PaymentSettledV1)) == 1
    settled = next(e for e in svc.uow.committed_ledgers["aff-2"] if e.kind == "payment")
    assert settled.status == "settled"


async def test_a_return_on_no_debit_of_ours_changes_nothing_and_is_logged() -> None:
    svc = service()
    svc.open("aff-1")
    returned = date(2026, 4, 9)
    with capture_logs() as logs:
        async with svc.uow:
            outcome = await apply_return(
                svc.uow, "CT20260407UNKNOWN", "rejected", "AM04", returned, at(returned)
            )
            await svc.uow.commit()
    assert not outcome.applied
    assert "aff-1" not in svc.uow.committed_ledgers
    assert [e for e in logs if e["event"] == "bank_return_unmatched"] == [
        {"event": "bank_return_unmatched", "log_level": "warning",
         "end_to_end_id": "CT20260407UNKNOWN", "outcome": "rejected", "reason_code": "AM04",
         "returned_on": "2026-04-09"},
    ]  # fmt: skip


async def test_a_change_of_amounts_on_direct_debit_is_prenotified_again() -> None:
    svc = service()
    svc.open("aff-1")
    svc.open("aff-2")
    await adhered(svc)
    for affiliate_id in ("aff-1", "aff-2"):
        await svc.bus.handle(
            account_commands.ApplyEstimate(
                assure(affiliate_id), affiliate_id, 2026, Decimal("42000.00")
            )
        )
    notices = svc.uow.outbox.of_type(v1.DebitsPrenotifiedV1)
    assert [n.reason for n in notices] == ["mandate_signed", "amounts_changed"]  # type: ignore[attr-defined]
    changed = notices[1]
    assert isinstance(changed, v1.DebitsPrenotifiedV1)
    assert changed.first_debit_date == APRIL
    revised = next(
        e
        for e in svc.uow.outbox.of_type(v1.ScheduleRevisedV1)
        if e.affiliate_id == "aff-1"  # type: ignore[attr-defined]
    )
    assert isinstance(revised, v1.ScheduleRevisedV1)
    assert [(d.debit_date, d.amount) for d in changed.debits] == [
        (i.due_date, i.amount) for i in revised.instalments
    ]  # April to December, at the new amounts
    assert changed.iban == mask_iban(IBAN)


def test_the_bank_command_runs_a_debit_day_and_puts_its_returns_on_the_topic(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("COTISATIONS_DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path}/c.db")
    monkeypatch.setenv("COTISATIONS_BANK_FILES_DIR", str(tmp_path / "bank"))
    bank.main(["run", "--date", "2026-04-07"])
    ran = json.loads(capsys.readouterr().out)
    assert (ran["debit_date"], ran["file"], ran["transactions"], ran["already_run"]) == (
        "2026-04-07", None, 0, False,
    )  # fmt: skip  # nobody on direct debit: no file
    bank.main(["run", "--date", "2026-04-07"])
    assert json.loads(capsys.readouterr().out)["already_run"] is True
    with pytest.raises(DebitFileNotFound):
        bank.main(["returns", "--date", "2026-04-07"])
    monkeypatch.setenv("ENVIRONMENT", "production")
    with pytest.raises(SystemExit, match="development tool"):
        bank.main(["run"])

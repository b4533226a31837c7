"""The pre-notification of SEPA debits after a change of amounts (an échéancier rectificatif
on an account on direct debit)."""

from __future__ import annotations

from datetime import date, datetime

from cotisations.domain.account import ContributionAccount
from cotisations.domain.payments.calls import instalments_of
from cotisations.domain.payments.direct_debit import current_mandate
from cotisations.domain.schedule import Instalment
from cotisations.service_layer import payments_integration as out
from cotisations.service_layer.ports import CotisationsUnitOfWork


def upcoming_instalments(account: ContributionAccount, today: date) -> list[Instalment]:
    return [
        i
        for i in instalments_of(account, (today.year, today.year + 1))
        if i.due_date >= today and i.amount > 0
    ]


def this_years_debits(debits: list[Instalment]) -> list[Instalment]:
    """What a pre-notification lists: the debits of the first one's year (next year's are
    announced with its échéancier)."""
    return [d for d in debits if d.due_date.year == debits[0].due_date.year] if debits else []


async def prenotify_revision(
    uow: CotisationsUnitOfWork,
    account: ContributionAccount,
    revised_from: date,
    creditor_name: str,
    at: datetime,
) -> None:
    """After a change of amounts (an échéancier rectificatif) on an account on direct debit:
    the debits from the revision on, pre-notified again."""
    mandates = await uow.mandates.of_account(account.affiliate_id)
    current = current_mandate(mandates)
    if current is None:
        return
    today = at.date()
    debits = this_years_debits(
        [
            i
            for i in upcoming_instalments(account, today)
            if i.due_date >= max(revised_from, current.effective_from)
            and (current.ends_on is None or i.due_date < current.ends_on)
        ]
    )
    if debits:
        await uow.outbox.add(
            out.debits_prenotified(current, debits, "amounts_changed", creditor_name, at),
            subject=account.affiliate_id,
        )

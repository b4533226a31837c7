"""Hand-written fakes of cotisations' ports, for tests "in high gear" through the bus."""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime

from cotisations.adapters.bank import SepaxmlDebitFileWriter
from cotisations.bootstrap import HANDLERS, QUERIES
from cotisations.domain.account import ContributionAccount
from cotisations.domain.payments.direct_debit import Mandate, MandateChange
from cotisations.domain.payments.ledger import Entry, Ledger
from cotisations.domain.payments.mandate import TelepaymentMandate
from cotisations.domain.payments.payer import Telepayment
from cotisations.domain.payments.plans import PaymentPlan, PlanStatus
from cotisations.service_layer.handlers import Creditor, Dependencies
from cotisations.service_layer.ports import DebitFile
from cotisations_samples import NOW
from servicekit.auth import Principal, Right
from servicekit.bus import MessageBus
from servicekit.messaging import IncomingEvent
from servicekit.problems import Forbidden, NotFound
from servicekit.testing import FakeClock, FakeUnitOfWorkBase


class FakeAccounts:
    """Accounts kept as copies: a use case changes its own copy until it saves it."""

    def __init__(self, store: dict[str, ContributionAccount]) -> None:
        self.store = store

    @staticmethod
    def _stored(account: ContributionAccount) -> ContributionAccount:
        kept = copy.deepcopy(account)
        kept.events.clear()  # events are not state: they leave through the outbox
        return kept

    async def get(self, affiliate_id: str) -> ContributionAccount | None:
        account = self.store.get(affiliate_id)
        return copy.deepcopy(account) if account else None

    async def add(self, account: ContributionAccount) -> None:
        self.store[account.affiliate_id] = self._stored(account)

    async def save(self, account: ContributionAccount) -> None:
        self.store[account.affiliate_id] = self._stored(account)

    async def get_many(self, affiliate_ids: Sequence[str]) -> dict[str, ContributionAccount]:
        return {i: copy.deepcopy(self.store[i]) for i in affiliate_ids if i in self.store}

    async def ids_after(self, after: str | None, limit: int) -> list[str]:
        return sorted(i for i in self.store if after is None or i > after)[:limit]

    async def debited_between(
        self, first: str, last: str, day: date
    ) -> dict[str, ContributionAccount]:
        """Every account of the range (the port promises at least the debited ones)."""
        return await self.get_many([i for i in self.store if first <= i <= last])


class FakeLedgers:
    """Ledgers kept as lists of entries: a use case posts on its own copy until it saves."""

    def __init__(self, store: dict[str, list[Entry]]) -> None:
        self.store = store

    async def get(self, affiliate_id: str) -> Ledger:
        return Ledger(affiliate_id, list(self.store.get(affiliate_id, [])))

    async def find_by_reference(self, external_reference: str) -> tuple[str, str] | None:
        for affiliate_id, entries in self.store.items():
            for e in entries:
                if e.kind == "payment" and e.external_reference == external_reference:
                    return affiliate_id, e.key
        return None

    async def get_many(self, affiliate_ids: Sequence[str]) -> dict[str, Ledger]:
        return {i: await self.get(i) for i in affiliate_ids if i in self.store}

    async def debits_on(self, debit_date: date) -> list[tuple[str, Entry]]:
        key = f"debit:{debit_date.isoformat()}"
        return [
            (i, e) for i, entries in sorted(self.store.items()) for e in entries if e.key == key
        ]

    async def save(self, ledger: Ledger) -> None:
        self.store[ledger.affiliate_id] = list(ledger.entries)
        ledger.posted_keys.clear()
        ledger.moved_keys.clear()

    async def save_many(self, ledgers: Sequence[Ledger]) -> None:
        for ledger in ledgers:
            await self.save(ledger)


class FakeMandates:
    def __init__(self, store: dict[str, Mandate]) -> None:
        self.store = store

    async def of_account(self, affiliate_id: str) -> list[Mandate]:
        found = [m for m in self.store.values() if m.affiliate_id == affiliate_id]
        return sorted(found, key=lambda m: m.sequence)

    async def in_force_on(self, day: date) -> list[Mandate]:
        return [m for m in self.store.values() if m.in_force_on(day)]

    async def save(self, change: MandateChange) -> None:
        for m in (change.ended, change.started):
            if m is not None:
                self.store[m.rum] = m


@dataclass
class TelepaymentStore:
    mandates: dict[str, TelepaymentMandate] = field(default_factory=dict)
    payments: dict[str, Telepayment] = field(default_factory=dict)
    plans: dict[str, PaymentPlan] = field(default_factory=dict)

    def copy(self) -> TelepaymentStore:
        return TelepaymentStore(dict(self.mandates), dict(self.payments), dict(self.plans))


class FakeTelepayment:
    """Telepayment mandates, telepayments and plans by id; the direct-debit mandates' store
    says whether one is in force."""

    def __init__(self, store: TelepaymentStore, debits: FakeMandates) -> None:
        self.store = store
        self._debits = debits

    async def direct_debit_in_force(self, affiliate_id: str, on: date) -> bool:
        return any(
            m.affiliate_id == affiliate_id and (m.ends_on is None or m.ends_on > on)
            for m in self._debits.store.values()
        )

    async def active_mandate(self, affiliate_id: str) -> TelepaymentMandate | None:
        found = [m for m in await self.mandates(affiliate_id) if m.active]
        return found[-1] if found else None

    async def active_mandates_on(self, iban: str) -> list[TelepaymentMandate]:
        return [m for m in self.store.mandates.values() if m.iban == iban and m.active]

    async def mandates(self, affiliate_id: str) -> list[TelepaymentMandate]:
        found = [m for m in self.store.mandates.values() if m.affiliate_id == affiliate_id]
        return sorted(found, key=lambda m: m.signed_at)

    async def add_mandate(self, m: TelepaymentMandate) -> None:
        self.store.mandates[m.mandate_id] = m

    async def save_mandate(self, m: TelepaymentMandate) -> None:
        self.store.mandates[m.mandate_id] = m

    async def payments(self, affiliate_id: str) -> list[Telepayment]:
        found = [p for p in self.store.payments.values() if p.affiliate_id == affiliate_id]
        return sorted(found, key=lambda p: p.made_at)

    async def payment(self, payment_id: str) -> Telepayment | None:
        return self.store.payments.get(payment_id)

    async def to_debit(self, on: date) -> list[Telepayment]:
        found = self.store.payments.values()
        return sorted(
            (p for p in found if p.status == "scheduled" and p.debit.debit_on <= on),
            key=lambda p: (p.affiliate_id, p.made_at),
        )

    async def sent_on(self, day: date) -> list[Telepayment]:
        found = self.store.payments.values()
        return [p for p in found if any(part.sent_on == day for part in p.debit.parts)]

    async def add_payment(self, p: Telepayment) -> None:
        if any(
            (o.affiliate_id, o.reference) == (p.affiliate_id, p.reference)
            for o in self.store.payments.values()
        ):
            raise AssertionError("the unique reference of a telepayment")
        self.store.payments[p.payment_id] = p

    async def save_payment(self, p: Telepayment) -> None:
        self.store.payments[p.payment_id] = p

    async def plans(self, affiliate_id: str) -> list[PaymentPlan]:
        return [p for p in self.store.plans.values() if p.affiliate_id == affiliate_id]

    async def running_plans(self) -> list[PaymentPlan]:
        return [p for p in self.store.plans.values() if p.status is PlanStatus.GRANTED]

    async def add_plan(self, plan: PaymentPlan) -> None:
        self.store.plans[plan.plan_id] = plan

    async def save_plan(self, plan: PaymentPlan) -> None:
        self.store.plans[plan.plan_id] = plan


class FakeDebitFiles:
    def __init__(self, store: dict[date, DebitFile]) -> None:
        self.store = store

    async def get(self, debit_date: date) -> DebitFile | None:
        return self.store.get(debit_date)

    async def add(self, debit_file: DebitFile) -> None:
        assert debit_file.debit_date not in self.store
        self.store[debit_file.debit_date] = debit_file

    async def undelivered(self) -> list[DebitFile]:
        return [f for f in self.store.values() if f.delivered_at is None]

    async def last_day(self) -> date | None:
        return max(self.store, default=None)

    async def mark_delivered(self, debit_date: date, at: datetime) -> None:
        self.store[debit_date] = replace(self.store[debit_date], delivered_at=at)


class FakeBankChannel:
    def __init__(self) -> None:
        self.files: dict[str, bytes] = {}
        self.deliveries = 0

    async def deliver(self, file_name: str, content: bytes) -> None:
        self.deliveries += 1
        self.files[file_name] = content


class FakeAccess:
    """Delegated access as the read model decides it, on grants the test makes: the assuré
    reaches their own affilié, an agent all, a firm user what its firm was granted (then
    needs the action's right)."""

    def __init__(self) -> None:
        self.granted: set[tuple[str, str]] = set()  # (cabinet_id, affiliate_id)
        self.users: dict[str, list[str]] = {}  # affiliate_id -> the firm users reaching it
        self.applied: list[IncomingEvent] = []

    def grant(self, cabinet_id: str, affiliate_id: str, *users: str) -> None:
        self.granted.add((cabinet_id, affiliate_id))
        self.users.setdefault(affiliate_id, []).extend(users)

    async def reaching(self, affiliate_id: str) -> list[str]:
        return list(self.users.get(affiliate_id, []))

    async def require(
        self, principal: Principal, affiliate_id: str, right: Right, *, delegable: bool = True
    ) -> None:
        not_found = NotFound("Aucun dossier accessible ne correspond.", kind="dossier-not-found")
        if principal.actor == "agent":
            return
        if principal.actor == "assure":
            if principal.affiliate_id != affiliate_id:
                raise not_found
            return
        if not delegable or (principal.cabinet_id or "", affiliate_id) not in self.granted:
            raise not_found
        if not principal.has_right(right) and not principal.has_right("admin"):
            raise Forbidden(f"Le droit « {right} » est nécessaire.", kind="right-missing")

    async def apply(self, event: IncomingEvent) -> None:
        self.applied.append(event)


class FakeStandings:
    def __init__(self, store: dict[str, str], accounts: FakeAccounts) -> None:
        self.store = store
        self._accounts = accounts

    async def get_many(self, affiliate_ids: Sequence[str]) -> dict[str, str]:
        return {i: self.store[i] for i in affiliate_ids if i in self.store}

    async def put_many(self, facts: Mapping[str, str]) -> None:
        self.store.update(facts)

    async def unpublished_after(self, after: str | None, limit: int) -> list[str]:
        ids = [i for i in self._accounts.store if i not in self.store]
        return sorted(i for i in ids if after is None or i > after)[:limit]


class FakeCotisationsUow(FakeUnitOfWorkBase):
    def __init__(self) -> None:
        super().__init__()
        self.committed: dict[str, ContributionAccount] = {}
        self.committed_ledgers: dict[str, list[Entry]] = {}
        self.committed_mandates: dict[str, Mandate] = {}
        self.committed_files: dict[date, DebitFile] = {}
        self.committed_standings: dict[str, str] = {}
        self.committed_telepayment = TelepaymentStore()
        self.access = FakeAccess()
        self._fresh()

    def given(self, account: ContributionAccount) -> None:
        """An account already committed before the test's use cases run."""
        self.committed[account.affiliate_id] = account
        self._fresh()

    def _fresh(self) -> None:
        self.accounts = FakeAccounts(dict(self.committed))
        self.ledgers = FakeLedgers(dict(self.committed_ledgers))
        self.mandates = FakeMandates(dict(self.committed_mandates))
        self.debit_files = FakeDebitFiles(dict(self.committed_files))
        self.standings = FakeStandings(dict(self.committed_standings), self.accounts)
        self.telepayment = FakeTelepayment(self.committed_telepayment.copy(), self.mandates)

    def _commit_state(self) -> None:
        self.committed = dict(self.accounts.store)
        self.committed_ledgers = dict(self.ledgers.store)
        self.committed_mandates = dict(self.mandates.store)
        self.committed_files = dict(self.debit_files.store)
        self.committed_standings = dict(self.standings.store)
        self.committed_telepayment = self.telepayment.store.copy()

    def _rollback_state(self) -> None:
        self._fresh()


@dataclass
class Service:
    """cotisations' buses as bootstrap registers them, over one fake unit of work."""

    uow: FakeCotisationsUow
    clock: FakeClock
    bus: MessageBus[FakeCotisationsUow, Dependencies]
    queries: MessageBus[FakeCotisationsUow, Dependencies]
    bank: FakeBankChannel = field(default_factory=FakeBankChannel)

    def open(self, affiliate_id: str, category: str = "artisan", **values: object) -> None:
        """An account as the registry opened it, committed."""
        account = ContributionAccount(
            affiliate_id=affiliate_id,
            category=category,
            departement="75",
            opened_on=date(2020, 1, 1),
            holder_name="Jean Dupont",
        )
        for name, value in values.items():
            setattr(account, name, value)
        self.uow.given(account)

    def account(self, affiliate_id: str) -> ContributionAccount:
        return self.uow.committed[affiliate_id]


CREDITOR = Creditor("FR72ZZZ123456", "URSSAF Mon compte")


def service() -> Service:
    uow, clock, bank = FakeCotisationsUow(), FakeClock(NOW), FakeBankChannel()
    deps = Dependencies(
        clock=clock,
        creditor=CREDITOR,
        debit_writer=SepaxmlDebitFileWriter(
            CREDITOR.name, "FR7630006000011234567890189", "AGRIFRPPXXX", CREDITOR.identifier
        ),
        bank=bank,
    )
    return Service(
        uow,
        clock,
        MessageBus(HANDLERS, lambda: uow, deps),
        MessageBus(QUERIES, lambda: uow, deps),
        bank,
    )


def assure(affiliate_id: str = "aff-1", **claims: object) -> Principal:
    return Principal.model_validate(
        {"subject": f"acc-{affiliate_id}", "actor": "assure", "affiliate_id": affiliate_id} | claims
    )


def agent() -> Principal:
    return Principal(subject="ag-1", actor="agent")


def firm_user(*rights: Right, cabinet_id: str = "cab-1") -> Principal:
    return Principal(
        subject="paul", actor="cabinet_user", cabinet_id=cabinet_id, rights=frozenset(rights)
    )

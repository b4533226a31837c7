"""Hand-written fakes of cotisations' ports, for tests "in high gear" through the bus."""

from __future__ import annotations

import copy
from dataclasses import dataclass
from datetime import date

from cotisations.bootstrap import HANDLERS, QUERIES
from cotisations.domain.account import ContributionAccount
from cotisations.domain.payments.ledger import Entry, Ledger
from cotisations.service_layer.handlers import Dependencies
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

    async def save(self, ledger: Ledger) -> None:
        self.store[ledger.affiliate_id] = list(ledger.entries)
        ledger.posted_keys.clear()
        ledger.moved_keys.clear()


class FakeAccess:
    """Delegated access as the read model decides it, on grants the test makes: the assuré
    reaches their own affilié, an agent all, a firm user what its firm was granted (then
    needs the action's right)."""

    def __init__(self) -> None:
        self.granted: set[tuple[str, str]] = set()  # (cabinet_id, affiliate_id)
        self.applied: list[IncomingEvent] = []

    def grant(self, cabinet_id: str, affiliate_id: str) -> None:
        self.granted.add((cabinet_id, affiliate_id))

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


class FakeCotisationsUow(FakeUnitOfWorkBase):
    def __init__(self) -> None:
        super().__init__()
        self.committed: dict[str, ContributionAccount] = {}
        self.committed_ledgers: dict[str, list[Entry]] = {}
        self.access = FakeAccess()
        self._fresh()

    def given(self, account: ContributionAccount) -> None:
        """An account already committed before the test's use cases run."""
        self.committed[account.affiliate_id] = account
        self._fresh()

    def _fresh(self) -> None:
        self.accounts = FakeAccounts(dict(self.committed))
        self.ledgers = FakeLedgers(dict(self.committed_ledgers))

    def _commit_state(self) -> None:
        self.committed = dict(self.accounts.store)
        self.committed_ledgers = dict(self.ledgers.store)

    def _rollback_state(self) -> None:
        self._fresh()


@dataclass
class Service:
    """cotisations' buses as bootstrap registers them, over one fake unit of work."""

    uow: FakeCotisationsUow
    clock: FakeClock
    bus: MessageBus[FakeCotisationsUow, Dependencies]
    queries: MessageBus[FakeCotisationsUow, Dependencies]

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


def service() -> Service:
    uow, clock = FakeCotisationsUow(), FakeClock(NOW)
    deps = Dependencies(clock=clock)
    return Service(
        uow,
        clock,
        MessageBus(HANDLERS, lambda: uow, deps),
        MessageBus(QUERIES, lambda: uow, deps),
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

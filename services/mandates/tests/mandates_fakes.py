"""Hand-written fakes of mandates' ports, for tests "in high gear" through the bus.

They keep what the SQL adapters keep and refuse what they refuse: each read hands out a copy
(as a row read again would be), a save applies only over the version read, the uniqueness
rules of the indexes hold (one open mandate per firm and affilié, one active per affilié),
history entries are written and cleared by a save, and nothing is seen by the next unit of
work until a commit. ``tests/integration/test_repositories.py`` runs the same checks against
the fakes and the real databases.

The bus opens a new unit of work for each command, as the real one does; all of them share
one :class:`FakeDatabase`.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Collection
from datetime import UTC, datetime
from typing import Any

from mandates.domain import errors
from mandates.domain.directory import Affiliate, FirmUser
from mandates.domain.model import HistoryEntry, Mandate
from mandates.domain.portfolios import Portfolio
from mandates_fake_repositories import FakeMandates, FakePortfolios, Table
from servicekit.testing import FakeInbox, FakeOutbox, FakeUnitOfWorkBase

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@dataclasses.dataclass
class State:
    """The tables: what the database holds (committed), or what one unit of work sees."""

    mandates: dict[str, Mandate] = dataclasses.field(default_factory=dict)
    history: dict[str, list[HistoryEntry]] = dataclasses.field(default_factory=dict)
    portfolios: dict[str, Portfolio] = dataclasses.field(default_factory=dict)
    affiliates: dict[str, Affiliate] = dataclasses.field(default_factory=dict)
    cabinets: dict[str, str] = dataclasses.field(default_factory=dict)
    users: dict[str, dict[str, Any]] = dataclasses.field(default_factory=dict)
    imports: dict[tuple[str, str], str] = dataclasses.field(default_factory=dict)

    def copy(self) -> State:
        return State(
            dict(self.mandates),
            {k: list(v) for k, v in self.history.items()},
            dict(self.portfolios),
            dict(self.affiliates),
            dict(self.cabinets),
            {k: dict(v) for k, v in self.users.items()},
            dict(self.imports),
        )

    def table(self, name: str) -> dict[Any, Any]:
        table: dict[Any, Any] = getattr(self, name)
        return table


class FakeDatabase:
    """The committed tables, the outbox's sent events and the inbox's processed ids, shared
    by every unit of work opened on it."""

    def __init__(self) -> None:
        self.state = State()
        self.outbox = FakeOutbox()
        self.inbox = FakeInbox()

    def uow(self) -> FakeMandatesUow:
        return FakeMandatesUow(self)


_USER_DEFAULTS: dict[str, Any] = {
    "cabinet_id": None,
    "name": "",
    "email": None,
    "is_admin": False,
    "active": True,
}


class FakeDirectory(Table):
    async def affiliate_by_siren(self, siren: str) -> Affiliate | None:
        found = [a for a in self.working.affiliates.values() if a.siren == siren]
        found.sort(key=lambda a: a.radiated)  # a live entry before a radiated one
        return found[0] if found else None

    async def affiliates_by_siren(self, sirens: Collection[str]) -> dict[str, Affiliate]:
        found = {}
        for siren in set(sirens):
            affiliate = await self.affiliate_by_siren(siren)
            if affiliate is not None:
                found[siren] = affiliate
        return found

    async def put_affiliate(self, a: Affiliate) -> None:
        self.working.affiliates[a.affiliate_id] = a
        self.uow.wrote("affiliates", a.affiliate_id)

    async def cabinet_name(self, cabinet_id: str) -> str | None:
        return self.working.cabinets.get(cabinet_id)

    async def put_cabinet(self, cabinet_id: str, name: str) -> bool:
        known = cabinet_id in self.working.cabinets
        self.working.cabinets[cabinet_id] = name
        self.uow.wrote("cabinets", cabinet_id)
        return not known

    @staticmethod
    def _user(account_id: str, row: dict[str, Any]) -> FirmUser:
        return FirmUser(
            account_id,
            row["cabinet_id"] or "",
            row["name"],
            row["email"],
            row["is_admin"],
            row["active"],
        )

    async def user(self, account_id: str) -> FirmUser | None:
        row = self.working.users.get(account_id)
        return self._user(account_id, row) if row is not None else None

    async def users_of(self, cabinet_id: str) -> list[FirmUser]:
        return [
            self._user(account_id, row)
            for account_id, row in sorted(self.working.users.items())
            if row["cabinet_id"] == cabinet_id
        ]

    async def patch_user(self, account_id: str, **values: object) -> None:
        row = self.working.users.setdefault(account_id, dict(_USER_DEFAULTS))
        row.update(values)
        self.uow.wrote("users", account_id)


class FakeImports(Table):
    async def get(self, cabinet_id: str, import_id: str) -> str | None:
        return self.working.imports.get((cabinet_id, import_id))

    async def add(self, cabinet_id: str, import_id: str, report: str, at: datetime) -> None:
        key = (cabinet_id, import_id)
        if key in self.working.imports or key in self.committed.imports:
            raise RuntimeError("pk_imports: this import id is taken")
        self.working.imports[key] = report
        self.uow.wrote("imports", key)


class FakeMandatesUow(FakeUnitOfWorkBase):
    """A transaction on a :class:`FakeDatabase`: it sees the tables as they were committed
    when it began and its own writes; its commit applies its writes, row by row, refused
    like the database's when a row it saves was changed by another transaction since read."""

    def __init__(self, db: FakeDatabase | None = None) -> None:
        super().__init__()
        self.db = db or FakeDatabase()
        self.outbox = FakeOutbox(events=self.db.outbox.events)
        self.inbox = FakeInbox(processed=self.db.inbox.processed)
        self._fresh()

    def _fresh(self) -> None:
        self.working = self.db.state.copy()
        self.written: set[tuple[str, Any]] = set()
        self.read_versions: dict[tuple[str, str], int] = {}
        self.versions: dict[tuple[str, str], int] = {}
        self.mandates = FakeMandates(self)
        self.portfolios = FakePortfolios(self)
        self.directory = FakeDirectory(self)
        self.imports = FakeImports(self)

    def wrote(self, table: str, key: Any) -> None:
        self.written.add((table, key))

    def mine(self, table: str) -> dict[Any, Any]:
        rows = self.working.table(table)
        return {key: rows[key] for t, key in self.written if t == table and key in rows}

    async def __aenter__(self) -> FakeMandatesUow:
        self._fresh()
        return self

    async def commit(self) -> None:
        committed = self.db.state
        for (table, key), read in self.read_versions.items():
            row = committed.table(table).get(key)
            if (table, key) in self.written and row is not None and row.version != read:
                raise (
                    errors.MandateVersionConflict(key)
                    if table == "mandates"
                    else errors.PortfolioVersionConflict(key)
                )
        await super().commit()

    def _commit_state(self) -> None:
        committed = self.db.state
        for table, key in self.written:
            rows = self.working.table(table)
            if key in rows:
                value = rows[key]
                committed.table(table)[key] = list(value) if table == "history" else value
            else:
                committed.table(table).pop(key, None)
        self.written = set()

    def _rollback_state(self) -> None:
        self._fresh()

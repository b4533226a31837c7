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
from collections.abc import Collection, Sequence
from datetime import UTC, datetime
from typing import Any, TypeVar

from contracts.base import EventPayload
from contracts.identity import v1 as identity_v1
from contracts.mandates import v1
from mandates.bootstrap import HANDLERS
from mandates.domain import errors
from mandates.domain.model import (
    OPEN_STATES,
    Affiliate,
    FirmUser,
    HistoryEntry,
    Mandate,
    Portfolio,
)
from mandates.service_layer import consumers
from mandates.service_layer.handlers import Dependencies
from mandates.service_layer.ports import ClientQuery, Page
from mandates_world import incoming
from servicekit.auth import Principal
from servicekit.bus import MessageBus
from servicekit.clock import FakeClock
from servicekit.testing import FakeInbox, FakeOutbox, FakeUnitOfWorkBase

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
ALL_RIGHTS: frozenset[Any] = frozenset({"admin", "clients", "declare", "pay", "read"})
P = TypeVar("P", bound=EventPayload)


def _mandate_copy(m: Mandate) -> Mandate:
    return dataclasses.replace(m, history=[], events=[])


def _portfolio_copy(p: Portfolio) -> Portfolio:
    return dataclasses.replace(p, subscribers=set(p.subscribers), events=[])


TABLES = ("mandates", "history", "portfolios", "affiliates", "cabinets", "users", "imports")


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


class _Table:
    def __init__(self, uow: FakeMandatesUow) -> None:
        self.uow = uow

    @property
    def working(self) -> State:
        return self.uow.working

    @property
    def committed(self) -> State:
        return self.uow.db.state

    def _read(self, table: str, key: str, version: int) -> None:
        self.uow.read_versions.setdefault((table, key), version)
        self.uow.versions[(table, key)] = version

    def _check_version(self, table: str, key: str, conflict: type[Exception]) -> None:
        """``UPDATE … WHERE version = :read``: the row as committed by now, or as this unit of
        work left it, must still be at the version read."""
        mine = self.working.table(table).get(key)
        theirs = self.committed.table(table).get(key)
        read = self.uow.versions[(table, key)]
        if mine is None or mine.version != read:
            raise conflict(key)
        if (table, key) not in self.uow.written and (theirs is None or theirs.version != read):
            raise conflict(key)


class FakeMandates(_Table):
    def _out(self, m: Mandate) -> Mandate:
        self._read("mandates", m.id, m.version)
        return _mandate_copy(m)

    def _first(self, **match: Any) -> Mandate | None:
        states = match.pop("states", None)
        for m in self.working.mandates.values():
            if all(getattr(m, k) == v for k, v in match.items()) and (
                states is None or m.state in states
            ):
                return self._out(m)
        return None

    async def get(self, mandate_id: str) -> Mandate | None:
        return self._first(id=mandate_id)

    async def open_for(self, cabinet_id: str, affiliate_id: str) -> Mandate | None:
        return self._first(cabinet_id=cabinet_id, affiliate_id=affiliate_id, states=OPEN_STATES)

    async def active_for(self, affiliate_id: str) -> Mandate | None:
        return self._first(affiliate_id=affiliate_id, state="active")

    async def by_key_event(self, event_id: str) -> Mandate | None:
        return self._first(key_event_id=event_id)

    async def by_key_events(self, event_ids: Collection[str]) -> dict[str, Mandate]:
        return {
            m.key_event_id: self._out(m)
            for m in self.working.mandates.values()
            if m.key_event_id in event_ids
        }

    async def open_for_affiliate(self, affiliate_id: str) -> list[Mandate]:
        return [
            self._out(m)
            for m in self.working.mandates.values()
            if m.affiliate_id == affiliate_id and m.state in OPEN_STATES
        ]

    async def of_affiliate(self, affiliate_id: str) -> list[Mandate]:
        found = [
            m
            for m in self.working.mandates.values()
            if m.affiliate_id == affiliate_id and m.state in ("active", "ended")
        ]
        return [_mandate_copy(m) for m in sorted(found, key=lambda m: m.created_at, reverse=True)]

    def _check_unique(self, m: Mandate) -> None:
        """The partial unique indexes, over what is committed and what this unit wrote."""
        rows = {**self.committed.mandates, **self.uow.mine("mandates")}
        for other in rows.values():
            if other.id == m.id:
                continue
            same_firm = (other.cabinet_id, other.affiliate_id) == (m.cabinet_id, m.affiliate_id)
            if same_firm and other.state in OPEN_STATES and m.state in OPEN_STATES:
                raise errors.ClientWriteConflict
            if other.affiliate_id == m.affiliate_id and other.state == m.state == "active":
                raise errors.ClientWriteConflict

    async def add(self, mandate: Mandate) -> None:
        await self.add_many([mandate])

    async def add_many(self, mandates: Sequence[Mandate]) -> None:
        for m in mandates:
            self._check_unique(m)
            self.working.mandates[m.id] = _mandate_copy(m)
            self.uow.wrote("mandates", m.id)
            self._read("mandates", m.id, m.version)
        self._write_history(mandates)

    async def followed_among(self, cabinet_id: str, affiliate_ids: Collection[str]) -> set[str]:
        return {
            m.affiliate_id
            for m in self.working.mandates.values()
            if m.cabinet_id == cabinet_id
            and m.affiliate_id in affiliate_ids
            and m.state in OPEN_STATES
        }

    async def save(self, mandate: Mandate) -> None:
        await self.save_all([mandate])

    async def save_all(self, mandates: Sequence[Mandate]) -> None:
        for m in mandates:
            self._check_version("mandates", m.id, errors.MandateVersionConflict)
            self._check_unique(m)
            self.working.mandates[m.id] = _mandate_copy(m)
            self.uow.wrote("mandates", m.id)
            self.uow.versions[("mandates", m.id)] = m.version
        self._write_history(mandates)

    def _write_history(self, mandates: Sequence[Mandate]) -> None:
        for m in mandates:
            self.working.history.setdefault(m.id, []).extend(m.history)
            self.uow.wrote("history", m.id)
            m.history.clear()

    async def history(self, mandate_id: str) -> list[HistoryEntry]:
        return list(self.working.history.get(mandate_id, []))

    async def search(self, query: ClientQuery) -> Page[Mandate]:
        states = query.states or OPEN_STATES
        text = (query.text or "").lower()
        found = [
            m
            for m in self.working.mandates.values()
            if m.cabinet_id == query.cabinet_id
            and m.state in states
            and (query.portfolio_ids is None or m.portfolio_id in query.portfolio_ids)
            and (not text or text in m.client_name.lower() or text in m.siren)
        ]
        column = {"name": "client_name", "siren": "siren", "added": "created_at", "state": "state"}
        key = column[query.sort.lstrip("-")]
        found.sort(key=lambda m: m.id)
        found.sort(key=lambda m: getattr(m, key), reverse=query.sort.startswith("-"))
        start = (query.page - 1) * query.size
        items = [_mandate_copy(m) for m in found[start : start + query.size]]
        return Page(items, len(found), query.page, query.size)

    async def count_in_portfolio(self, portfolio_id: str) -> int:
        return sum(
            1
            for m in self.working.mandates.values()
            if m.portfolio_id == portfolio_id and m.state in OPEN_STATES
        )


class FakePortfolios(_Table):
    def _out(self, p: Portfolio) -> Portfolio:
        self._read("portfolios", p.id, p.version)
        return _portfolio_copy(p)

    def _of(self, cabinet_id: str) -> list[Portfolio]:
        found = [p for p in self.working.portfolios.values() if p.cabinet_id == cabinet_id]
        return sorted(found, key=lambda p: (p.created_at, p.id))

    async def get(self, cabinet_id: str, portfolio_id: str) -> Portfolio | None:
        found = [p for p in self._of(cabinet_id) if p.id == portfolio_id]
        return self._out(found[0]) if found else None

    async def default_of(self, cabinet_id: str) -> Portfolio | None:
        found = [p for p in self._of(cabinet_id) if p.is_default]
        return self._out(found[0]) if found else None

    async def of_cabinet(self, cabinet_id: str) -> list[Portfolio]:
        return [self._out(p) for p in self._of(cabinet_id)]

    async def add(self, p: Portfolio) -> None:
        self.working.portfolios[p.id] = _portfolio_copy(p)
        self.uow.wrote("portfolios", p.id)
        self._read("portfolios", p.id, p.version)

    async def save(self, p: Portfolio) -> None:
        self._check_version("portfolios", p.id, errors.PortfolioVersionConflict)
        self.working.portfolios[p.id] = _portfolio_copy(p)
        self.uow.wrote("portfolios", p.id)
        self.uow.versions[("portfolios", p.id)] = p.version

    async def remove(self, p: Portfolio) -> None:
        self._check_version("portfolios", p.id, errors.PortfolioVersionConflict)
        del self.working.portfolios[p.id]
        self.uow.wrote("portfolios", p.id)

    async def subscribers(self, portfolio_id: str) -> list[str]:
        p = self.working.portfolios.get(portfolio_id)
        return sorted(p.subscribers) if p else []

    async def subscribed_by(self, account_id: str) -> list[str]:
        return [p.id for p in self.working.portfolios.values() if account_id in p.subscribers]


_USER_DEFAULTS: dict[str, Any] = {
    "cabinet_id": None,
    "name": "",
    "email": None,
    "is_admin": False,
    "active": True,
}


class FakeDirectory(_Table):
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


class FakeImports(_Table):
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


class ClearSealer:
    """Marks instead of encrypting, so tests can read the key a letter would print."""

    def seal(self, secret: str) -> str:
        return "sealed:" + secret


def admin(cabinet_id: str = "cab-1", account_id: str = "adm-1") -> Principal:
    return Principal(
        subject=account_id, actor="cabinet_user", cabinet_id=cabinet_id, rights=ALL_RIGHTS
    )


def collaborator(account_id: str, rights: set[str], cabinet_id: str = "cab-1") -> Principal:
    return Principal(
        subject=account_id,
        actor="cabinet_user",
        cabinet_id=cabinet_id,
        rights=frozenset(rights),  # type: ignore[arg-type]
    )


def assure(affiliate_id: str) -> Principal:
    return Principal(subject="acc-" + affiliate_id, actor="assure", affiliate_id=affiliate_id)


class FakeService:
    """mandates over the fakes: the bus of ``bootstrap`` (the same handlers), the consumers,
    one fake unit of work shared by all, and what reached the outbox."""

    def __init__(self) -> None:
        self.db = FakeDatabase()
        self.clock = FakeClock(NOW)
        self.deps = Dependencies(self.clock, ClearSealer())
        self.bus: MessageBus[FakeMandatesUow, Dependencies] = MessageBus(
            HANDLERS,  # type: ignore[arg-type]
            self.db.uow,
            self.deps,
        )

    @property
    def uow(self) -> FakeMandatesUow:
        """A new unit of work on the fake database (for reads and consumers)."""
        return self.db.uow()

    @property
    def committed(self) -> State:
        return self.db.state

    async def handle(self, command: object) -> Any:
        return await self.bus.handle(command)

    async def feed(self, payload: EventPayload) -> None:
        """An event of another service, as the worker hands it to its consumer."""
        event = incoming(payload)
        if payload.topic == identity_v1.AFFILIATE:
            await consumers.on_affiliate(event, self.uow, self.deps)
        elif payload.topic == identity_v1.CABINET:
            await consumers.on_cabinet(event, self.uow, self.deps)
        elif payload.topic == identity_v1.ACCOUNT:
            await consumers.on_account(event, self.uow)
        else:
            await consumers.on_letter_status(event, self.uow, self.deps)

    async def firm(self, cabinet_id: str = "cab-1", admin_id: str = "adm-1") -> None:
        await self.feed(
            identity_v1.CabinetRegisteredV1(
                cabinet_id=cabinet_id,
                raison_sociale="Cabinet Martin",
                siret="73282932000074",
                admin_account_id=admin_id,
                registered_at=NOW,
            )
        )
        await self.user(admin_id, cabinet_id, admin=True)

    async def user(self, account_id: str, cabinet_id: str = "cab-1", *, admin: bool) -> None:
        """A firm user whose invitation gave mandates their e-mail and rights."""
        rights = sorted(ALL_RIGHTS) if admin else ["clients", "read"]
        await self.feed(
            identity_v1.CabinetUserChangedV1(
                cabinet_id=cabinet_id,
                cabinet_name="Cabinet Martin",
                account_id=account_id,
                user_name=f"User {account_id}",
                change="user_invited",
                rights=rights,  # type: ignore[arg-type]
                changed_at=NOW,
            )
        )
        await self.feed(
            identity_v1.AccountActivationRequestedV1(
                account_id=account_id,
                kind="cabinet_user",
                purpose="collaborator_invitation",
                email=f"{account_id}@cabinet.fr",
                display_name=f"User {account_id}",
                sealed_link="x",
                expires_at=NOW,
            )
        )

    @property
    def published(self) -> list[EventPayload]:
        """What the committed outbox holds, in order."""
        return [e.payload for e in self.db.outbox.events]

    def events(self, cls: type[P]) -> list[P]:
        """The committed outbox's payloads of one type, in order."""
        return [p for p in self.published if isinstance(p, cls)]

    def key_of(self, mandate_id: str) -> str:
        """The key the last letter for ``mandate_id`` prints (the fake sealer keeps it clear)."""
        issued = [e for e in self.events(v1.MandateKeyIssuedV1) if e.mandate_id == mandate_id]
        return issued[-1].sealed_key.removeprefix("sealed:")

    def stored(self, mandate_id: str) -> Mandate:
        return self.db.state.mandates[mandate_id]

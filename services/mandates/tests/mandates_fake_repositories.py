"""The fakes of mandates' two aggregates' repositories (see ``mandates_fakes``): copies out,
the optimistic check on the version read, the uniqueness rules of the indexes."""

from __future__ import annotations

import dataclasses
from collections.abc import Collection, Sequence
from typing import TYPE_CHECKING, Any

from mandates.domain import errors
from mandates.domain.model import OPEN_STATES, HistoryEntry, Mandate
from mandates.domain.portfolios import Portfolio
from mandates.service_layer.ports import ClientQuery, Page

if TYPE_CHECKING:
    from mandates_fakes import FakeMandatesUow, State


def _mandate_copy(m: Mandate) -> Mandate:
    return dataclasses.replace(m, history=[], events=[])


def _portfolio_copy(p: Portfolio) -> Portfolio:
    return dataclasses.replace(p, subscribers=set(p.subscribers), events=[])


class Table:
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


class FakeMandates(Table):
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
        found = [m for m in self.working.mandates.values() if m.affiliate_id == affiliate_id]
        found.sort(key=lambda m: m.id)
        found.sort(key=lambda m: m.created_at, reverse=True)
        return [_mandate_copy(m) for m in found]

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

    async def portfolios_of(self, cabinet_id: str, mandate_ids: Collection[str]) -> set[str]:
        return {
            m.portfolio_id
            for m in self.working.mandates.values()
            if m.cabinet_id == cabinet_id and m.id in mandate_ids
        }

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


class FakePortfolios(Table):
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

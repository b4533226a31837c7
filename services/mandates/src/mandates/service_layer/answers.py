"""What a write answers: the state it produced, read in the write's own unit of work, before
its commit, exactly as the matching read (``views.py``) would show it afterwards.

A route of a write never builds its answer from the aggregate alone: the aggregate does not
hold what a read adds (a client's history, a portfolio's count of clients), and an answer
missing them would contradict the next GET.
"""

from __future__ import annotations

from dataclasses import dataclass

from mandates.domain.model import HistoryEntry, Mandate
from mandates.domain.portfolios import Portfolio
from mandates.service_layer.ports import MandatesUnitOfWork


@dataclass(frozen=True)
class ClientState:
    """A client as ``GET /clients/{id}`` shows it: the mandate and its whole history."""

    mandate: Mandate
    history: list[HistoryEntry]


@dataclass(frozen=True)
class PortfolioState:
    """A portfolio as ``GET /portfolios`` shows it: its subscribers and its open clients."""

    portfolio: Portfolio
    subscribers: list[str]
    clients: int


async def client_state(uow: MandatesUnitOfWork, mandate: Mandate) -> ClientState:
    """Call once the mandate is saved (its new history entries are then stored)."""
    return ClientState(mandate, list(await uow.mandates.history(mandate.id)))


async def portfolio_state(uow: MandatesUnitOfWork, portfolio: Portfolio) -> PortfolioState:
    clients = await uow.mandates.count_in_portfolio(portfolio.id)
    return PortfolioState(portfolio, sorted(portfolio.subscribers), clients)

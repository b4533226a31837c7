"""The bodies mandates' HTTP API reads and answers, and the mapping from the domain to them."""

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field
from servicekit.logging import RegisteredSecret

from mandates.domain.model import PENDING_STATES, HistoryEntry, Mandate
from mandates.domain.scopes import (
    ACTOR_LABELS,
    MANDATE_SCOPES,
    NEVER_DELEGATED,
    TRANSITION_LABELS,
    Scope,
)
from mandates.service_layer.answers import ClientState, PortfolioState
from mandates.service_layer.views import HeldMandate

StateFilter = Literal["requested", "letter_sent", "active", "locked", "ended", "deleted"]
WAITING_STATES = (*PENDING_STATES, "locked")
"""A request the assuré sees as pending: not active yet, still open."""
Sort = Literal["name", "-name", "siren", "-siren", "added", "-added", "state", "-state"]


class ClientCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    identifier: str = Field(
        min_length=9, max_length=20, examples=["73282932000074"], description="SIREN ou SIRET"
    )
    name: str = Field(min_length=1, max_length=200, examples=["Boulangerie Dupont"])
    nir: str | None = Field(default=None, max_length=21, description="NIR, facultatif")
    portfolio_id: str | None = Field(
        default=None, description="Portefeuille ; par défaut celui du cabinet"
    )


class HistoryRead(BaseModel):
    at: datetime
    transition: str = Field(
        description="requested, key_reissued, letter_sent, key_entered, locked, activated, "
        "ended, deleted, moved"
    )
    detail: str
    by: str = Field(default="system", description="firm, assure, agent or system")
    label: str = Field(default="", description="the transition in French")
    by_label: str = Field(default="", description="who made it, in French")


class ClientRead(BaseModel):
    id: str
    affiliate_id: str = Field(
        description="the client's dossier in the other services (its contribution account, "
        "its personal data), reachable once the mandate is active"
    )
    siren: str
    name: str
    portfolio_id: str
    state: str
    letter_status: str | None
    key_issued_at: datetime
    attempts_left: int
    activated_at: datetime | None
    ended_at: datetime | None
    ended_by: str | None
    added_at: datetime
    history: list[HistoryRead] | None = None


class ClientPage(BaseModel):
    items: list[ClientRead]
    total: int
    page: int
    size: int


class KeyEntry(BaseModel):
    model_config = ConfigDict(extra="forbid")

    key: RegisteredSecret = Field(min_length=1, max_length=40, examples=["7KX4M-QP9ZD-H3T2W"])


class Move(BaseModel):
    model_config = ConfigDict(extra="forbid")

    portfolio_id: str


class PortfolioWrite(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=120, examples=["Clients Lyon"])


class Transfer(BaseModel):
    model_config = ConfigDict(extra="forbid")

    to_account_id: str


class PortfolioRead(BaseModel):
    id: str
    name: str
    owner_account_id: str | None
    is_default: bool
    subscribers: list[str] = Field(default_factory=list)
    clients: int = 0


class ScopeRead(BaseModel):
    code: str
    label: str
    access: str


class HeldMandateRead(BaseModel):
    mandate_id: str
    cabinet_id: str
    cabinet_name: str
    state: str
    requested_at: datetime | None = None
    since: datetime | None
    ended_at: datetime | None
    ended_by: str | None
    scopes: list[ScopeRead] = Field(
        default_factory=list,
        description="what the firm reaches through this mandate while it is active",
    )
    never_delegated: list[ScopeRead] = Field(
        default_factory=list, description="what no firm ever reaches"
    )
    history: list[HistoryRead]


class MyMandates(BaseModel):
    current: HeldMandateRead | None
    pending: list[HeldMandateRead] = Field(
        default_factory=list,
        description="firms' requests not active yet (requested, letter sent, locked)",
    )
    past: list[HeldMandateRead]


def history_read(entries: list[HistoryEntry]) -> list[HistoryRead]:
    return [
        HistoryRead(
            at=h.at,
            transition=h.transition,
            detail=h.detail,
            by=h.by,
            label=TRANSITION_LABELS.get(h.transition, h.transition),
            by_label=ACTOR_LABELS.get(h.by, h.by),
        )
        for h in entries
    ]


def scopes_read(scopes: tuple[Scope, ...]) -> list[ScopeRead]:
    return [ScopeRead(code=sc.code, label=sc.label, access=sc.access) for sc in scopes]


def client_read(m: Mandate, history: list[HistoryEntry] | None = None) -> ClientRead:
    """A row of a list (``history`` None: not shown), or one client with its history."""
    return ClientRead(
        id=m.id,
        affiliate_id=m.affiliate_id,
        siren=m.siren,
        name=m.client_name,
        portfolio_id=m.portfolio_id,
        state=m.state,
        letter_status=m.letter_status,
        key_issued_at=m.issued_at,
        attempts_left=m.attempts_left,
        activated_at=m.activated_at,
        ended_at=m.ended_at,
        ended_by=m.ended_by,
        added_at=m.created_at,
        history=history_read(history) if history is not None else None,
    )


def client_state_read(state: ClientState) -> ClientRead:
    """One client as a read shows it, and as every write answers it."""
    return client_read(state.mandate, state.history)


def portfolio_read(state: PortfolioState) -> PortfolioRead:
    """A portfolio as the list shows it, and as every write answers it."""
    p = state.portfolio
    return PortfolioRead(
        id=p.id,
        name=p.name,
        owner_account_id=p.owner_account_id,
        is_default=p.is_default,
        subscribers=state.subscribers,
        clients=state.clients,
    )


def held_read(h: HeldMandate) -> HeldMandateRead:
    m = h.mandate
    return HeldMandateRead(
        mandate_id=m.id,
        cabinet_id=m.cabinet_id,
        cabinet_name=h.cabinet_name,
        state=m.state,
        requested_at=m.created_at,
        since=m.activated_at,
        ended_at=m.ended_at,
        ended_by=m.ended_by,
        scopes=scopes_read(MANDATE_SCOPES),
        never_delegated=scopes_read(NEVER_DELEGATED),
        history=history_read(h.history),
    )

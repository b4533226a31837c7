"""Commands: what a caller asks mandates to do.

``principal`` is who asks, as their access token says (``servicekit.auth.Principal``, named
for the type checker only: the domain imports nothing of the web).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

from mandates.domain.sheets import ParsedSheet

if TYPE_CHECKING:
    from servicekit.auth import Principal

ImportMode = Literal["all_or_nothing", "valid_rows"]


class Command:
    """Marker base class."""


# --- a firm's clients --------------------------------------------------------------------


@dataclass(frozen=True)
class AddClient(Command):
    """« Ajouter un client » then « Envoyer »: the request and its key letter at once."""

    principal: Principal
    cabinet_id: str
    identifier: str
    name: str
    nir: str | None = field(default=None, repr=False)
    portfolio_id: str | None = None


@dataclass(frozen=True)
class ImportClients(Command):
    principal: Principal
    cabinet_id: str
    import_id: str
    sheet: ParsedSheet = field(repr=False)
    mode: ImportMode = "all_or_nothing"
    portfolio_id: str | None = None


@dataclass(frozen=True)
class ReissueKey(Command):
    principal: Principal
    cabinet_id: str
    mandate_id: str


@dataclass(frozen=True)
class ActivateMandate(Command):
    """The firm types the key printed on the client's letter."""

    principal: Principal
    cabinet_id: str
    mandate_id: str
    key: str = field(repr=False)


@dataclass(frozen=True)
class DeleteClient(Command):
    principal: Principal
    cabinet_id: str
    mandate_id: str


@dataclass(frozen=True)
class MoveClient(Command):
    principal: Principal
    cabinet_id: str
    mandate_id: str
    portfolio_id: str


# --- the client's side -------------------------------------------------------------------


@dataclass(frozen=True)
class RevokeMandate(Command):
    principal: Principal


# --- portfolios --------------------------------------------------------------------------


@dataclass(frozen=True)
class CreatePortfolio(Command):
    principal: Principal
    cabinet_id: str
    name: str


@dataclass(frozen=True)
class RenamePortfolio(Command):
    principal: Principal
    cabinet_id: str
    portfolio_id: str
    name: str


@dataclass(frozen=True)
class DeletePortfolio(Command):
    principal: Principal
    cabinet_id: str
    portfolio_id: str


@dataclass(frozen=True)
class AddSubscriber(Command):
    principal: Principal
    cabinet_id: str
    portfolio_id: str
    account_id: str


@dataclass(frozen=True)
class RemoveSubscriber(Command):
    principal: Principal
    cabinet_id: str
    portfolio_id: str
    account_id: str


@dataclass(frozen=True)
class TransferPortfolio(Command):
    principal: Principal
    cabinet_id: str
    portfolio_id: str
    to_account_id: str

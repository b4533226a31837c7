"""cotisations' unit of work."""

from __future__ import annotations

from delegation import DelegatedAccess
from servicekit.uow import SqlAlchemyUnitOfWork

from cotisations.adapters import orm
from cotisations.adapters.ledger_repository import SqlAlchemyLedgerRepository
from cotisations.adapters.repository import SqlAlchemyAccountRepository


class CotisationsSqlUnitOfWork(SqlAlchemyUnitOfWork):
    accounts: SqlAlchemyAccountRepository
    access: DelegatedAccess
    ledgers: SqlAlchemyLedgerRepository

    def _open(self) -> None:
        self.accounts = SqlAlchemyAccountRepository(self.session)
        self.access = DelegatedAccess(self.session, orm.access)
        self.ledgers = SqlAlchemyLedgerRepository(self.session)

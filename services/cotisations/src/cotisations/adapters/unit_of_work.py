"""cotisations' unit of work."""

from __future__ import annotations

from delegation import DelegatedAccess
from servicekit.uow import SqlAlchemyUnitOfWork

from cotisations.adapters import orm
from cotisations.adapters.ledger_repository import SqlAlchemyLedgerRepository
from cotisations.adapters.payments_repository import (
    SqlAlchemyDebitFileRepository,
    SqlAlchemyMandateRepository,
)
from cotisations.adapters.repository import SqlAlchemyAccountRepository
from cotisations.adapters.standing_repository import SqlAlchemyPublishedStandings
from cotisations.adapters.telepayment_repository import SqlAlchemyTelepaymentRepository


class CotisationsSqlUnitOfWork(SqlAlchemyUnitOfWork):
    accounts: SqlAlchemyAccountRepository
    access: DelegatedAccess
    telepayment: SqlAlchemyTelepaymentRepository
    ledgers: SqlAlchemyLedgerRepository
    mandates: SqlAlchemyMandateRepository
    debit_files: SqlAlchemyDebitFileRepository
    standings: SqlAlchemyPublishedStandings

    def _open(self) -> None:
        self.accounts = SqlAlchemyAccountRepository(self.session)
        self.access = DelegatedAccess(self.session, orm.access)
        self.telepayment = SqlAlchemyTelepaymentRepository(self.session)
        self.ledgers = SqlAlchemyLedgerRepository(self.session)
        self.mandates = SqlAlchemyMandateRepository(self.session)
        self.debit_files = SqlAlchemyDebitFileRepository(self.session)
        self.standings = SqlAlchemyPublishedStandings(self.session)

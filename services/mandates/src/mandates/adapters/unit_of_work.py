"""mandates' unit of work: one transaction over its repositories, outbox and inbox."""

from __future__ import annotations

from servicekit.uow import SqlAlchemyUnitOfWork

from mandates.adapters.directory_repository import SqlAlchemyDirectory
from mandates.adapters.imports_repository import SqlAlchemyImportRepository
from mandates.adapters.mandates_repository import SqlAlchemyMandateRepository
from mandates.adapters.portfolios_repository import SqlAlchemyPortfolioRepository


class MandatesSqlUnitOfWork(SqlAlchemyUnitOfWork):
    mandates: SqlAlchemyMandateRepository
    portfolios: SqlAlchemyPortfolioRepository
    directory: SqlAlchemyDirectory
    imports: SqlAlchemyImportRepository

    def _open(self) -> None:
        self.mandates = SqlAlchemyMandateRepository(self.session)
        self.portfolios = SqlAlchemyPortfolioRepository(self.session)
        self.directory = SqlAlchemyDirectory(self.session)
        self.imports = SqlAlchemyImportRepository(self.session)

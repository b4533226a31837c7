"""mandates' unit of work."""

from __future__ import annotations

from servicekit.uow import SqlAlchemyUnitOfWork

from mandates.adapters.repository import SqlDirectory, SqlImports, SqlMandates, SqlPortfolios


class MandatesSqlUnitOfWork(SqlAlchemyUnitOfWork):
    mandates: SqlMandates
    portfolios: SqlPortfolios
    directory: SqlDirectory
    imports: SqlImports

    def _open(self) -> None:
        self.mandates = SqlMandates(self.session)
        self.portfolios = SqlPortfolios(self.session)
        self.directory = SqlDirectory(self.session)
        self.imports = SqlImports(self.session)

"""identity's unit of work: one transaction over its repositories, outbox and inbox."""

from __future__ import annotations

from delegation import DelegatedAccess
from servicekit.uow import SqlAlchemyUnitOfWork

from identity.adapters import orm
from identity.adapters.affiliates_repository import SqlAlchemyAffiliateRepository
from identity.adapters.nir_vault import NirVault
from identity.adapters.repository import (
    SqlAlchemyAccountRepository,
    SqlAlchemyActivationTokenRepository,
    SqlAlchemyAttemptWindowRepository,
    SqlAlchemyCabinetRepository,
    SqlAlchemyLoginThrottleRepository,
    SqlAlchemyRefreshTokenRepository,
    SqlAlchemySessionRepository,
)


class IdentitySqlUnitOfWork(SqlAlchemyUnitOfWork):
    cabinets: SqlAlchemyCabinetRepository
    accounts: SqlAlchemyAccountRepository
    activation_tokens: SqlAlchemyActivationTokenRepository
    refresh_tokens: SqlAlchemyRefreshTokenRepository
    sessions: SqlAlchemySessionRepository
    login_throttles: SqlAlchemyLoginThrottleRepository
    affiliates: SqlAlchemyAffiliateRepository
    attempts: SqlAlchemyAttemptWindowRepository
    vault: NirVault
    access: DelegatedAccess

    def _open(self) -> None:
        self.cabinets = SqlAlchemyCabinetRepository(self.session)
        self.accounts = SqlAlchemyAccountRepository(self.session)
        self.activation_tokens = SqlAlchemyActivationTokenRepository(self.session)
        self.refresh_tokens = SqlAlchemyRefreshTokenRepository(self.session)
        self.sessions = SqlAlchemySessionRepository(self.session)
        self.login_throttles = SqlAlchemyLoginThrottleRepository(self.session)
        self.affiliates = SqlAlchemyAffiliateRepository(self.session, self.vault)
        self.attempts = SqlAlchemyAttemptWindowRepository(self.session)
        self.access = DelegatedAccess(self.session, orm.access)

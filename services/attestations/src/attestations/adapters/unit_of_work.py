"""attestations' unit of work: the certificates, the read models, delegated access, the
outbox and the inbox on one session."""

from __future__ import annotations

from attestations.adapters import orm
from attestations.adapters.facts import SqlAlchemyFacts
from attestations.adapters.repository import SqlAlchemyAttestationRepository
from delegation import DelegatedAccess
from servicekit.uow import SqlAlchemyUnitOfWork


class AttestationsSqlUnitOfWork(SqlAlchemyUnitOfWork):
    attestations: SqlAlchemyAttestationRepository
    facts: SqlAlchemyFacts
    read_models: SqlAlchemyFacts
    access: DelegatedAccess

    def _open(self) -> None:
        self.attestations = SqlAlchemyAttestationRepository(self.session)
        self.facts = SqlAlchemyFacts(self.session)
        self.read_models = self.facts
        self.access = DelegatedAccess(self.session, orm.access)

"""notifications' unit of work."""

from __future__ import annotations

from servicekit.uow import SqlAlchemyUnitOfWork

from notifications.adapters.repository import (
    SqlAlchemyAffiliateDirectory,
    SqlAlchemyDeliveryRepository,
)


class NotificationsSqlUnitOfWork(SqlAlchemyUnitOfWork):
    deliveries: SqlAlchemyDeliveryRepository
    affiliates: SqlAlchemyAffiliateDirectory

    def _open(self) -> None:
        self.deliveries = SqlAlchemyDeliveryRepository(self.session)
        self.affiliates = SqlAlchemyAffiliateDirectory(self.session)

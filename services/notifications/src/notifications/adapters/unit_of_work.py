"""notifications' unit of work."""

from __future__ import annotations

from servicekit.uow import SqlAlchemyUnitOfWork

from notifications.adapters.repository import (
    SqlAlchemyAffiliateDirectory,
    SqlAlchemyCabinetUserDirectory,
    SqlAlchemyDeliveryRepository,
)


class NotificationsSqlUnitOfWork(SqlAlchemyUnitOfWork):
    deliveries: SqlAlchemyDeliveryRepository
    affiliates: SqlAlchemyAffiliateDirectory
    cabinet_users: SqlAlchemyCabinetUserDirectory

    def _open(self) -> None:
        self.deliveries = SqlAlchemyDeliveryRepository(self.session)
        self.affiliates = SqlAlchemyAffiliateDirectory(self.session)
        self.cabinet_users = SqlAlchemyCabinetUserDirectory(self.session)

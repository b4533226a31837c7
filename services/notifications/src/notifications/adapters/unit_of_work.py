"""notifications' unit of work."""

from __future__ import annotations

from servicekit.uow import SqlAlchemyUnitOfWork

from notifications.adapters.repository import SqlAlchemyDeliveryRepository


class NotificationsSqlUnitOfWork(SqlAlchemyUnitOfWork):
    deliveries: SqlAlchemyDeliveryRepository

    def _open(self) -> None:
        self.deliveries = SqlAlchemyDeliveryRepository(self.session)

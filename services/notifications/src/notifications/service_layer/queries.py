"""What operators read (``bootstrap.QUERIES``, on read-only units of work): never a secret
nor a message's content, which the HTTP bodies leave out."""

from __future__ import annotations

from notifications.domain import commands
from notifications.domain.model import Delivery
from notifications.service_layer.handlers import Dependencies
from notifications.service_layer.ports import NotificationsUnitOfWork


async def list_deliveries(
    query: commands.ListDeliveries, uow: NotificationsUnitOfWork, deps: Dependencies
) -> list[Delivery]:
    async with uow:
        return await uow.deliveries.list_by_state(query.state, query.limit)

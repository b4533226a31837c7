"""Operator actions on deliveries: list them by state, send a parked one again. (Dead
letters and their replay are servicekit's, as in every service.)"""

from __future__ import annotations

from notifications.domain.model import Delivery
from notifications.service_layer.handlers import Dependencies, UowFactory


class DeliveryNotFound(Exception):
    def __init__(self, delivery_id: str) -> None:
        super().__init__(f"Aucune remise {delivery_id}.")


async def list_deliveries(uow_factory: UowFactory, state: str, limit: int) -> list[Delivery]:
    async with uow_factory() as uow:
        return await uow.deliveries.list_by_state(state, limit)


async def retry_delivery(uow_factory: UowFactory, deps: Dependencies, delivery_id: str) -> Delivery:
    async with uow_factory() as uow:
        delivery = await uow.deliveries.get(delivery_id)
        if delivery is None:
            raise DeliveryNotFound(delivery_id)
        delivery.retry(deps.clock.now())
        await uow.deliveries.save(delivery)
        await uow.commit()
    return delivery

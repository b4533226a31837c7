"""Operator actions on deliveries: list them by state, send a parked one again."""

from __future__ import annotations

import uuid

from notifications.domain.model import Delivery
from notifications.domain.replay import DlqReplay
from notifications.service_layer.handlers import Dependencies, UowFactory
from notifications.service_layer.ports import DlqReplayer


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


class ReplayNotFound(Exception):
    def __init__(self, replay_id: str) -> None:
        super().__init__(f"Aucune demande de rejeu {replay_id}.")


async def request_replay(
    uow_factory: UowFactory, deps: Dependencies, topic: str, limit: int, operator: str
) -> DlqReplay:
    replay = DlqReplay(str(uuid.uuid4()), topic, limit, operator, deps.clock.now())
    async with uow_factory() as uow:
        await uow.replays.add(replay)
        await uow.commit()
    return replay


async def get_replay(uow_factory: UowFactory, replay_id: str) -> DlqReplay:
    async with uow_factory() as uow:
        replay = await uow.replays.get(replay_id)
    if replay is None:
        raise ReplayNotFound(replay_id)
    return replay


async def carry_out_replays(
    uow_factory: UowFactory, deps: Dependencies, replayer: DlqReplayer
) -> int:
    """The worker's part: replay the oldest pending request, record the outcome."""
    async with uow_factory() as uow:
        replay = await uow.replays.next_pending()
    if replay is None:
        return 0
    try:
        count = await replayer.replay(replay.dlq, replay.topic, replay.limit)
    except Exception as exc:  # recorded for the operator, who may ask again
        replay.failed(f"{type(exc).__name__}: {exc}", deps.clock.now())
    else:
        replay.done(count, deps.clock.now())
    async with uow_factory() as uow:
        await uow.replays.save(replay)
        await uow.commit()
    return 1

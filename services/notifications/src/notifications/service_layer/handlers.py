"""Use cases of notifications run through the bus (``bootstrap.HANDLERS``): an operator's
retry here; the dispatcher's and the letter tracker's steps in ``dispatch.py``.

Each is: open the unit of work, load, call the domain, hand the events the delivery recorded
to ``integration.publish``, commit. What they need from outside arrives in one frozen
:class:`Dependencies`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from servicekit.clock import Clock

from notifications.domain import commands, errors
from notifications.domain.model import Delivery, RetrySchedule
from notifications.service_layer.integration import publish
from notifications.service_layer.ports import (
    EmailChannel,
    LetterChannel,
    NotificationsUnitOfWork,
    Renderer,
    SecretOpener,
)


@dataclass(frozen=True)
class Dependencies:
    clock: Clock
    renderer: Renderer
    email: EmailChannel
    letters: LetterChannel
    opener: SecretOpener
    schedule: RetrySchedule
    sending_timeout: timedelta = timedelta(seconds=30)


async def retry_delivery(
    cmd: commands.RetryDelivery, uow: NotificationsUnitOfWork, deps: Dependencies
) -> Delivery:
    """A parked delivery back to pending, due now, its attempts counted afresh."""
    async with uow:
        delivery = await uow.deliveries.get(cmd.delivery_id)
        if delivery is None:
            raise errors.DeliveryNotFound(cmd.delivery_id)
        delivery.retry(deps.clock.now())
        await uow.deliveries.save(delivery)
        await publish(uow, [delivery])
        await uow.commit()
    return delivery

"""The operators' use cases through the bus, on fakes: retrying a parked delivery, the
refusals, and what they list."""

from __future__ import annotations

import pytest
from contracts.mandates import v1 as mandates_v1
from contracts.notifications import v1
from notifications.domain import commands
from notifications.domain.errors import DeliveryFailed, DeliveryNotFound, DeliveryNotParked
from notifications.domain.model import Delivery
from notifications_events import PORTFOLIO, incoming
from notifications_fakes import FakeNotifications


async def _parked(app: FakeNotifications) -> Delivery:
    app.email.failures.append(DeliveryFailed("SMTP 550: no such mailbox", permanent=True))
    await app.plan(incoming(mandates_v1.PortfolioCreatedV1(**PORTFOLIO)))
    await app.dispatch()
    [parked] = await app.queries.handle(commands.ListDeliveries("parked"))
    return parked  # type: ignore[no-any-return]


async def test_a_parked_delivery_retried_is_due_now_and_sent_once() -> None:
    app = FakeNotifications()
    parked = await _parked(app)
    assert app.uow.outbox.of_type(v1.MessageFailedV1) != []

    retried = await app.bus.handle(commands.RetryDelivery(parked.id))

    assert (retried.state, retried.attempts, retried.next_attempt_at) == (
        "pending",
        0,
        app.clock.now(),
    )
    assert await app.queries.handle(commands.ListDeliveries("parked")) == []
    assert await app.dispatch() == 1
    assert [m.to for m in app.email.sent] == ["paul@cabinet.fr"]
    assert len(app.uow.outbox.of_type(v1.MessageSentV1)) == 1


async def test_a_retry_publishes_nothing_of_its_own() -> None:
    app = FakeNotifications()
    parked = await _parked(app)
    before = len(app.uow.outbox.events)
    await app.bus.handle(commands.RetryDelivery(parked.id))
    assert len(app.uow.outbox.events) == before


async def test_an_unknown_delivery_cannot_be_retried() -> None:
    app = FakeNotifications()
    with pytest.raises(DeliveryNotFound, match="Aucune remise nope"):
        await app.bus.handle(commands.RetryDelivery("nope"))


async def test_a_delivery_that_is_not_parked_cannot_be_retried_and_is_left_as_it_was() -> None:
    app = FakeNotifications()
    await app.plan(incoming(mandates_v1.PortfolioCreatedV1(**PORTFOLIO)))
    await app.dispatch()
    [sent] = app.deliveries
    commits = app.uow.commits

    with pytest.raises(DeliveryNotParked):
        await app.bus.handle(commands.RetryDelivery(sent.id))

    assert [d.state for d in app.deliveries] == ["sent"]
    assert app.uow.commits == commits


async def test_operators_list_the_deliveries_of_one_state() -> None:
    app = FakeNotifications()
    await _parked(app)
    await app.plan(incoming(mandates_v1.PortfolioCreatedV1(**PORTFOLIO)))
    assert [d.state for d in await app.queries.handle(commands.ListDeliveries("pending"))] == [
        "pending"
    ]
    assert len(await app.queries.handle(commands.ListDeliveries("parked", limit=1))) == 1

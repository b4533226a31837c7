"""Recording a delivery's outcome with the event that tells the others, in one transaction."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import replace
from datetime import datetime
from typing import cast

from contracts.notifications import v1
from servicekit.logging import get_logger
from servicekit.outbox import Outgoing

from notifications.domain.model import Delivery
from notifications.service_layer.handlers import Dependencies, UowFactory
from notifications.service_layer.metrics import DELIVERIES

_log = get_logger(__name__)


class RecordingFailed(Exception):
    """The channel accepted the message but its record could not be committed: the delivery
    stays claimed and is sent again after the sending timeout (the one in-doubt case)."""


async def send_and_record(
    delivery: Delivery,
    hand_over: Callable[[], Awaitable[str | None]],
    uow_factory: UowFactory,
    deps: Dependencies,
) -> None:
    """Hand the message to its channel with the record of its sending already written.

    The sent state and its events are written first, in a transaction left open; the channel
    is called; the transaction commits the moment the channel accepts. A crash can then fall
    only between the channel's acceptance and the commit itself, not across a wait for a
    database lock. A refusal by the channel rolls the record back and raises as the channel did.
    """
    now = deps.clock.now()
    sent = replace(delivery)
    sent.mark_sent(now)
    channel = cast(v1.Channel, delivery.channel)
    async with uow_factory() as uow:
        await uow.deliveries.save(sent)
        await uow.outbox.add(_sent(delivery, now), subject=delivery.id)
        if delivery.channel == "letter" and delivery.affiliate_id is not None:
            await uow.outbox.add(_letter_status(sent, deps), subject=delivery.id)
        reference = await hand_over()
        try:
            if reference is not None:
                sent.provider_ref = reference
                await uow.deliveries.save(sent)
            await uow.commit()
        except Exception as exc:
            _log.error("delivery_in_doubt", delivery_id=delivery.id, error=str(exc)[:300])
            raise RecordingFailed(delivery.id) from exc
    _log.info("delivery_sent", delivery_id=delivery.id, kind=delivery.kind, channel=channel)


async def record_letters_sent(
    accepted: Sequence[tuple[Delivery, str]], uow_factory: UowFactory, deps: Dependencies
) -> None:
    """Record letters the channel accepted, with their events, in one transaction.

    Letters are recorded after their hand-over, not before as e-mails are: the letter channels
    are idempotent by message id, so a letter whose record is lost (a crash, a failed commit)
    is handed over again after the sending timeout and still printed once.
    """
    if not accepted:
        return
    now = deps.clock.now()
    events: list[Outgoing] = []
    try:
        async with uow_factory() as uow:
            for delivery, reference in accepted:
                delivery.mark_sent(now, reference)
                events.append(Outgoing(_sent(delivery, now), delivery.id))
                if delivery.affiliate_id is not None:
                    events.append(Outgoing(_letter_status(delivery, deps), delivery.id))
            await uow.deliveries.save_all([delivery for delivery, _ in accepted])
            await uow.outbox.add_many(events)
            await uow.commit()
    except Exception as exc:
        _log.error("letters_in_doubt", count=len(accepted), error=str(exc)[:300])
        raise RecordingFailed(", ".join(d.id for d, _ in accepted)) from exc
    for delivery, _ in accepted:
        _log.info("delivery_sent", delivery_id=delivery.id, kind=delivery.kind, channel="letter")


def _sent(delivery: Delivery, now: datetime) -> v1.MessageSentV1:
    return v1.MessageSentV1(
        message_id=delivery.id,
        kind=delivery.kind,
        channel=cast(v1.Channel, delivery.channel),
        source_event_id=delivery.source_event_id,
        sent_at=now,
    )


def _letter_status(delivery: Delivery, deps: Dependencies) -> v1.LetterStatusChangedV1:
    return v1.LetterStatusChangedV1(
        message_id=delivery.id,
        kind=delivery.kind,
        source_event_id=delivery.source_event_id,
        affiliate_id=delivery.affiliate_id or "",
        status=cast(v1.LetterStatus, delivery.letter_status),
        changed_at=deps.clock.now(),
    )


async def record_letter_status(
    delivery: Delivery, uow_factory: UowFactory, deps: Dependencies
) -> None:
    async with uow_factory() as uow:
        await uow.deliveries.save(delivery)
        await uow.outbox.add(_letter_status(delivery, deps), subject=delivery.id)
        await uow.commit()
    _log.info("letter_status_changed", delivery_id=delivery.id, status=delivery.letter_status)


async def record_skipped(delivery: Delivery, reason: str, uow_factory: UowFactory) -> None:
    delivery.mark_skipped(reason)
    async with uow_factory() as uow:
        await uow.deliveries.save(delivery)
        await uow.commit()
    DELIVERIES.labels(delivery.kind, delivery.channel, "skipped").inc()


async def record_failure(
    delivery: Delivery, reason: str, permanent: bool, uow_factory: UowFactory, deps: Dependencies
) -> None:
    now = deps.clock.now()
    delivery.mark_failed(now, reason, permanent=permanent, schedule=deps.schedule)
    async with uow_factory() as uow:
        await uow.deliveries.save(delivery)
        if delivery.state == "parked":
            await uow.outbox.add(
                v1.MessageFailedV1(
                    message_id=delivery.id,
                    kind=delivery.kind,
                    channel=cast(v1.Channel, delivery.channel),
                    source_event_id=delivery.source_event_id,
                    reason=reason[:500],
                    failed_at=now,
                ),
                subject=delivery.id,
            )
        await uow.commit()
    outcome = "parked" if delivery.state == "parked" else "failed"
    DELIVERIES.labels(delivery.kind, delivery.channel, outcome).inc()
    _log.warning(
        "delivery_failed",
        delivery_id=delivery.id,
        kind=delivery.kind,
        state=delivery.state,
        attempts=delivery.attempts,
        reason=reason[:300],
    )

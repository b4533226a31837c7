"""Recording a delivery's outcome with the events that tell the others, in one transaction.

The delivery's transition records its domain events; ``integration.publish`` turns them into
the outbox rows of ``notifications.delivery``, in the same transaction as the new state.

Each function enters the unit of work it is given for one transaction of its own (the
dispatcher's steps follow one another, never overlap).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import replace

from servicekit.logging import SECRETS, get_logger

from notifications.domain.model import PARKED, Delivery
from notifications.service_layer.handlers import Dependencies
from notifications.service_layer.integration import publish
from notifications.service_layer.metrics import DELIVERIES
from notifications.service_layer.ports import NotificationsUnitOfWork

_log = get_logger(__name__)


class ClaimLost(Exception):
    """Another copy took the delivery's claim over (it saw it stale after the sending
    timeout): this copy neither sends nor records it."""


class RecordingFailed(Exception):
    """The channel accepted the message but its record could not be committed: the delivery
    stays claimed and is sent again after the sending timeout (the one in-doubt case)."""


async def send_and_record(
    delivery: Delivery,
    hand_over: Callable[[], Awaitable[None]],
    uow: NotificationsUnitOfWork,
    deps: Dependencies,
) -> None:
    """Hand the message to its channel with the record of its sending already written.

    The sent state and its events are written first, in a transaction left open; the channel
    is called; the transaction commits the moment the channel accepts. A crash can then fall
    only between the channel's acceptance and the commit itself, not across a wait for a
    database lock. A refusal by the channel rolls the record back and raises as the channel did
    (``delivery`` itself is left as claimed, for the failure to be recorded on it).
    """
    sent = replace(delivery)
    sent.mark_sent(deps.clock.now())
    async with uow:
        if not await uow.deliveries.save(sent):
            # another copy took the claim over after the sending timeout: it sends it
            _log.warning("delivery_claim_lost", delivery_id=delivery.id, kind=delivery.kind)
            raise ClaimLost(delivery.id)
        await publish(uow, [sent])
        await hand_over()
        try:
            await uow.commit()
        except Exception as exc:
            _log.error("delivery_in_doubt", delivery_id=delivery.id, error=str(exc)[:300])
            raise RecordingFailed(delivery.id) from exc
    _log.info("delivery_sent", delivery_id=delivery.id, kind=delivery.kind, channel=sent.channel)


async def record_letters_sent(
    accepted: Sequence[tuple[Delivery, str]], uow: NotificationsUnitOfWork, deps: Dependencies
) -> None:
    """Record letters the channel accepted, with their events, in one transaction.

    Letters are recorded after their hand-over, not before as e-mails are: the letter channels
    are idempotent by message id, so a letter whose record is lost (a crash, a failed commit)
    is handed over again after the sending timeout and still printed once.
    """
    if not accepted:
        return
    now = deps.clock.now()
    letters = [delivery for delivery, _ in accepted]
    try:
        async with uow:
            for delivery, reference in accepted:
                delivery.mark_sent(now, reference)
            await uow.deliveries.save_all(letters)
            await publish(uow, letters)
            await uow.commit()
    except Exception as exc:
        _log.error("letters_in_doubt", count=len(accepted), error=str(exc)[:300])
        raise RecordingFailed(", ".join(d.id for d in letters)) from exc
    for delivery in letters:
        _log.info("delivery_sent", delivery_id=delivery.id, kind=delivery.kind, channel="letter")


async def record_letter_status(
    delivery: Delivery, status: str, uow: NotificationsUnitOfWork, deps: Dependencies
) -> bool:
    """The channel's status of a letter in transit; a change is recorded and published."""
    if not delivery.change_letter_status(status, deps.clock.now()):
        return False
    async with uow:
        await uow.deliveries.save(delivery)
        await publish(uow, [delivery])
        await uow.commit()
    _log.info("letter_status_changed", delivery_id=delivery.id, status=delivery.letter_status)
    return True


async def record_skipped(delivery: Delivery, reason: str, uow: NotificationsUnitOfWork) -> None:
    delivery.mark_skipped(reason)
    async with uow:
        await uow.deliveries.save(delivery)
        await publish(uow, [delivery])
        await uow.commit()
    DELIVERIES.labels(delivery.kind, delivery.channel, "skipped").inc()


async def record_failure(
    delivery: Delivery,
    reason: str,
    permanent: bool,
    uow: NotificationsUnitOfWork,
    deps: Dependencies,
) -> None:
    """Rescheduled with back-off, or parked (``failed.v1``) when permanent or out of attempts
    (``Delivery.mark_failed`` and ``RetrySchedule``). A secret opened for the message (a link,
    a key) that the reason quotes, as a spam filter's refusal may quote a URL, is masked: the
    reason is stored in the deliveries table and published in ``failed.v1``."""
    reason = SECRETS.mask(reason)
    delivery.mark_failed(deps.clock.now(), reason, permanent=permanent, schedule=deps.schedule)
    async with uow:
        if not await uow.deliveries.save(delivery):
            return  # another copy holds it now: its outcome is that copy's to record
        await publish(uow, [delivery])
        await uow.commit()
    outcome = "parked" if delivery.state == PARKED else "failed"
    DELIVERIES.labels(delivery.kind, delivery.channel, outcome).inc()
    _log.warning(
        "delivery_failed",
        delivery_id=delivery.id,
        kind=delivery.kind,
        state=delivery.state,
        attempts=delivery.attempts,
        reason=reason[:300],
    )

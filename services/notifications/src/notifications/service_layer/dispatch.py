"""Sending due deliveries: open the sealed secrets, render, hand to the channel, record.

An e-mail or letter to an affilié is addressed from the registry's copy at sending time; an
unknown affilié is a transient failure (its registry event may not be here yet); an optional
e-mail to an affilié without an address is skipped.
"""

from __future__ import annotations

from notifications.domain.model import Delivery, DeliveryFailed
from notifications.service_layer.handlers import Dependencies, UowFactory
from notifications.service_layer.metrics import DELIVERIES, DELIVERY_LATENCY
from notifications.service_layer.ports import OutgoingEmail, OutgoingLetter
from notifications.service_layer.recording import (
    record_failure,
    record_letter_status,
    record_sent,
    record_skipped,
)


class _Skip(Exception):
    pass


async def dispatch_due(uow_factory: UowFactory, deps: Dependencies, limit: int = 50) -> int:
    """Send the deliveries that are due; return how many were attempted."""
    now = deps.clock.now()
    async with uow_factory() as uow:
        claimed = await uow.deliveries.claim_due(now, limit, now - deps.sending_timeout)
        await uow.commit()
    for delivery in claimed:
        await _send_one(delivery, uow_factory, deps)
    return len(claimed)


async def _context(
    delivery: Delivery, uow_factory: UowFactory, deps: Dependencies
) -> dict[str, object]:
    context: dict[str, object] = dict(delivery.context)
    affiliate_id = delivery.affiliate_id
    if affiliate_id is not None:
        async with uow_factory() as uow:
            contact = await uow.affiliates.get(affiliate_id)
        if contact is None:
            raise DeliveryFailed(
                f"affiliate {affiliate_id} not yet in the registry", permanent=False
            )
        if delivery.channel == "email" and not contact.email:
            raise _Skip("no e-mail address known for this affiliate")
        context.update(
            display_name=contact.display_name,
            recipient_name=contact.display_name,
            address_lines=list(contact.address_lines),
            email=contact.email or "",
        )
    for name, sealed in delivery.sealed.items():
        context[name] = deps.opener.open(sealed)
    return context


async def _send_one(delivery: Delivery, uow_factory: UowFactory, deps: Dependencies) -> None:
    reference: str | None = None
    if delivery.channel not in ("email", "letter"):
        await record_failure(
            delivery, f"unknown channel {delivery.channel}", True, uow_factory, deps
        )
        return
    try:
        context = await _context(delivery, uow_factory, deps)
        if delivery.channel == "email":
            to = str(context["email"]) if delivery.affiliate_id else delivery.recipient
            content = deps.renderer.render_email(delivery.kind, context)
            await deps.email.send(OutgoingEmail(delivery.key[:40], to, content))
        else:
            letter = deps.renderer.render_letter(delivery.kind, context, deps.clock.now().date())
            reference = await deps.letters.send(
                OutgoingLetter(
                    delivery.id, delivery.kind, str(context.get("reference", "")), letter
                )
            )
    except _Skip as skip:
        await record_skipped(delivery, str(skip), uow_factory)
        return
    except DeliveryFailed as exc:
        await record_failure(delivery, exc.reason, exc.permanent, uow_factory, deps)
        return
    except Exception as exc:  # any other failure is retried, then parked
        reason = f"{type(exc).__name__}: {exc}"
        await record_failure(delivery, reason, False, uow_factory, deps)
        return
    now = deps.clock.now()
    await record_sent(delivery, reference, uow_factory, deps)
    DELIVERIES.labels(delivery.kind, delivery.channel, "sent").inc()
    DELIVERY_LATENCY.labels(delivery.kind, delivery.channel).observe(
        max((now - delivery.event_time).total_seconds(), 0.0)
    )


async def track_letters(uow_factory: UowFactory, deps: Dependencies, limit: int = 100) -> int:
    """Ask the letter channel where letters in transit are; publish each change."""
    async with uow_factory() as uow:
        letters = await uow.deliveries.letters_in_transit(limit)
    changed = 0
    for delivery in letters:
        if delivery.provider_ref is None:
            continue
        try:
            status = await deps.letters.status(delivery.provider_ref)
        except DeliveryFailed:
            continue
        if delivery.letter_status_changed(status):
            await record_letter_status(delivery, uow_factory, deps)
            changed += 1
    return changed

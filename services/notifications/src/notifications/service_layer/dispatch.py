"""Sending due deliveries: open the sealed secrets, render, hand to the channel, record.

An e-mail or letter to an affilié is addressed from the registry's copy at sending time; an
unknown affilié is a transient failure (its registry event may not be here yet); an optional
e-mail to an affilié without an address is skipped.

E-mails go one by one, each recorded before its hand-over (no SMTP server deduplicates);
the letters of a claim are rendered, handed over together and recorded in one transaction,
the letter channels being idempotent by message id.

:func:`dispatch_due` and :func:`track_letters` are the handlers of the commands
``DispatchDue`` and ``TrackLetters`` (``bootstrap.HANDLERS``): the worker's two loops run them
through the bus. The unit of work they are given is entered once per transaction, one after
the other.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime

from servicekit.logging import get_logger

from notifications.domain import commands
from notifications.domain.directory import AffiliateContact
from notifications.domain.errors import DeliveryFailed
from notifications.domain.model import EMAIL, LETTER, SENDING, SENT, SKIPPED, Delivery
from notifications.service_layer.handlers import Dependencies
from notifications.service_layer.metrics import DELIVERIES, DELIVERY_LATENCY
from notifications.service_layer.ports import (
    LetterJob,
    NotificationsUnitOfWork,
    OutgoingEmail,
    OutgoingLetter,
)
from notifications.service_layer.recording import (
    ClaimLost,
    RecordingFailed,
    record_failure,
    record_letter_status,
    record_letters_sent,
    record_skipped,
    send_and_record,
)

_log = get_logger(__name__)


class _Skip(Exception):
    pass


async def dispatch_due(
    cmd: commands.DispatchDue, uow: NotificationsUnitOfWork, deps: Dependencies
) -> int:
    """Send the deliveries that are due; return how many were attempted."""
    now = deps.clock.now()
    async with uow:
        claimed = await uow.deliveries.claim_due(now, cmd.limit, now - deps.sending_timeout)
        await uow.commit()
    if not claimed:
        return 0
    async with uow:
        contacts = await uow.affiliates.get_many(
            {d.affiliate_id for d in claimed if d.affiliate_id is not None}
        )
    letters: list[Delivery] = []
    for delivery in claimed:
        if delivery.in_doubt:
            _log.warning("delivery_in_doubt_resent", delivery_id=delivery.id, kind=delivery.kind)
        if delivery.channel == LETTER:
            letters.append(delivery)
        else:
            await _send_one(delivery, contacts, uow, deps)
    await _send_letters(letters, contacts, uow, deps)
    return len(claimed)


def _context(
    delivery: Delivery, contacts: dict[str, AffiliateContact], deps: Dependencies
) -> dict[str, object]:
    context: dict[str, object] = dict(delivery.context)
    affiliate_id = delivery.affiliate_id
    if affiliate_id is not None:
        contact = contacts.get(affiliate_id)
        if contact is None:
            raise DeliveryFailed(
                f"affiliate {affiliate_id} not yet in the registry", permanent=False
            )
        if delivery.channel == EMAIL and not contact.email:
            raise _Skip("no e-mail address known for this affiliate")
        context.update(
            display_name=contact.display_name,
            recipient_name=contact.display_name,
            address_lines=list(contact.address_lines),
            email=contact.email or "",
        )
        if delivery.channel == LETTER:  # the business concerned: the event's, else the registry's
            context["business_name"] = context.get("business_name") or contact.display_name
            context["siren"] = context.get("siren") or contact.siren
    for name, sealed in delivery.sealed.items():
        context[name] = deps.opener.open(sealed)
    return context


def _email_hand_over(
    delivery: Delivery, context: dict[str, object], deps: Dependencies
) -> Callable[[], Awaitable[None]]:
    """Render now (a template error must not hold the record open) and return the hand-over."""
    to = str(context["email"]) if delivery.affiliate_id else delivery.recipient
    content = deps.renderer.render_email(delivery.kind, context)
    email = OutgoingEmail(delivery.email_message_id, to, content)

    async def send_email() -> None:
        await deps.email.send(email)

    return send_email


async def _send_letters(
    letters: list[Delivery],
    contacts: dict[str, AffiliateContact],
    uow: NotificationsUnitOfWork,
    deps: Dependencies,
) -> None:
    """The letters of a claim: rendered, handed over together, recorded in one transaction
    (see :func:`record_letters_sent` for why after the hand-over)."""
    letters = await _withdraw_superseded(letters, uow, deps)
    contexts: list[tuple[Delivery, dict[str, object]]] = []
    for delivery in letters:
        try:
            contexts.append((delivery, _context(delivery, contacts, deps)))
        except DeliveryFailed as exc:
            await record_failure(delivery, exc.reason, exc.permanent, uow, deps)
    today = deps.clock.now().date()
    jobs = [LetterJob(d.kind, context, today) for d, context in contexts]
    try:
        contents = await deps.renderer.render_letters(jobs) if jobs else []
    except Exception as exc:  # the renderer failed as a whole: each letter is retried
        contents = [exc] * len(jobs)
    ready: list[tuple[Delivery, OutgoingLetter]] = []
    for (delivery, context), content in zip(contexts, contents, strict=True):
        if isinstance(content, DeliveryFailed):  # cannot be rendered: parked at once
            await record_failure(delivery, content.reason, content.permanent, uow, deps)
        elif isinstance(content, Exception):  # anything else: retried, then parked
            reason = f"{type(content).__name__}: {content}"
            await record_failure(delivery, reason, False, uow, deps)
        else:
            reference = str(context.get("reference", ""))
            ready.append((delivery, OutgoingLetter(delivery.id, delivery.kind, reference, content)))
    if not ready:
        return
    try:
        outcomes = await deps.letters.send_many([letter for _, letter in ready])
    except Exception as exc:  # the channel failed as a whole: each letter is retried
        outcomes = [DeliveryFailed(f"{type(exc).__name__}: {exc}", permanent=False)] * len(ready)
    accepted: list[tuple[Delivery, str]] = []
    for (delivery, _), outcome in zip(ready, outcomes, strict=True):
        if isinstance(outcome, DeliveryFailed):
            await record_failure(delivery, outcome.reason, outcome.permanent, uow, deps)
        else:
            accepted.append((delivery, outcome))
    try:
        await record_letters_sent(accepted, uow, deps)
    except RecordingFailed:
        return  # left claimed: handed over again after the sending timeout, printed once
    for delivery, _ in accepted:
        _count_sent(delivery, deps)


async def _withdraw_superseded(
    letters: list[Delivery], uow: NotificationsUnitOfWork, deps: Dependencies
) -> list[Delivery]:
    """Before a re-issued key's letter is handed over, the letter it replaces is withdrawn:
    never sent if it was not handed over yet (in this very claim, or still pending or parked),
    taken back from the channel while ``queued``, shown ``superseded`` once printed. Returns
    the letters left to send; one whose predecessor is being handed over by another claim, or
    cannot be taken back now (the channel unreachable), waits and is retried."""
    claimed = {(d.source_event_id, d.kind): d for d in letters}
    dropped: set[str] = set()
    for letter in letters:
        superseded_event = letter.context.get("supersedes_event_id")
        if not superseded_event or letter.id in dropped:
            continue
        try:
            old = claimed.get((str(superseded_event), letter.kind))
            if old is not None:
                await _supersede(old, uow, deps)
                dropped.add(old.id)
                continue
            async with uow:
                replaced = await uow.deliveries.find(str(superseded_event), letter.kind)
            for previous in replaced:
                await _supersede(previous, uow, deps)
        except DeliveryFailed as exc:
            dropped.add(letter.id)
            await record_failure(letter, exc.reason, exc.permanent, uow, deps)
    return [d for d in letters if d.id not in dropped]


async def _supersede(previous: Delivery, uow: NotificationsUnitOfWork, deps: Dependencies) -> None:
    """One replaced letter, as read by this claim (``pending``) or from its row."""
    if previous.replaced or previous.state == SKIPPED:
        return
    if previous.state == SENDING:  # another claim's, or in doubt in this one: wait for it
        raise DeliveryFailed("the letter it replaces is being handed over", permanent=False)
    taken_back = False
    queued = previous.state == SENT and previous.letter_status == "queued"
    if queued and previous.provider_ref is not None:
        taken_back = await deps.letters.withdraw(previous.provider_ref)
    previous.supersede(deps.clock.now(), taken_back=taken_back)
    async with uow:
        await uow.deliveries.save(previous)
        await uow.commit()
    _log.info(
        "letter_superseded",
        delivery_id=previous.id,
        kind=previous.kind,
        letter_status=previous.letter_status,
    )


def _count_sent(delivery: Delivery, deps: Dependencies) -> None:
    DELIVERIES.labels(delivery.kind, delivery.channel, "sent").inc()
    DELIVERY_LATENCY.labels(delivery.kind, delivery.channel).observe(
        max((deps.clock.now() - delivery.event_time).total_seconds(), 0.0)
    )


async def _send_one(
    delivery: Delivery,
    contacts: dict[str, AffiliateContact],
    uow: NotificationsUnitOfWork,
    deps: Dependencies,
) -> None:
    if delivery.channel != EMAIL:
        await record_failure(delivery, f"unknown channel {delivery.channel}", True, uow, deps)
        return
    try:
        context = _context(delivery, contacts, deps)
        await send_and_record(delivery, _email_hand_over(delivery, context, deps), uow, deps)
    except _Skip as skip:
        await record_skipped(delivery, str(skip), uow)
        return
    except RecordingFailed:
        return  # left claimed: sent again after the sending timeout
    except ClaimLost:
        return  # the copy that took the claim over sends it
    except DeliveryFailed as exc:
        await record_failure(delivery, exc.reason, exc.permanent, uow, deps)
        return
    except Exception as exc:  # any other failure is retried, then parked
        reason = f"{type(exc).__name__}: {exc}"
        await record_failure(delivery, reason, False, uow, deps)
        return
    _count_sent(delivery, deps)


async def track_letters(
    cmd: commands.TrackLetters, uow: NotificationsUnitOfWork, deps: Dependencies
) -> int:
    """Ask the letter channel where every letter in transit is; publish each change. The
    letters are read one page at a time, oldest first (keyset on (created_at, id)), until
    none is left: however many are in transit, none stops being followed."""
    changed = 0
    after: tuple[datetime, str] | None = None
    while True:
        async with uow:
            page = await uow.deliveries.letters_in_transit(cmd.page_size, after)
        for delivery in page:
            if delivery.provider_ref is None:
                continue
            try:
                status = await deps.letters.status(delivery.provider_ref)
            except DeliveryFailed:
                continue
            if await record_letter_status(delivery, status, uow, deps):
                changed += 1
        if len(page) < cmd.page_size:
            return changed
        after = (page[-1].created_at, page[-1].id)
